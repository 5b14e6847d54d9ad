"""Apply Alembic migrations programmatically (``make run``, start-up and tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
URL_EXAMPLES = "sqlite:///data/distill.db or postgresql+psycopg://user:password@host:5432/distill"


class DatabaseUnusable(RuntimeError):
    """DATABASE_URL names a database the bot cannot open, create or write; the message
    says which and why, with the password hidden."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (default: the newest), and
    make sure the bot can write to it; else ``DatabaseUnusable``."""
    _check_opens(database_url)
    # Not explained away: past the check above, an error here is a migration's, and its
    # traceback is what whoever mends it needs.
    command.upgrade(alembic_config(database_url), revision)
    _check_writable(database_url)


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from bot.storage.db import make_engine

    engine = make_engine(database_url)
    try:
        with cannot_connect_explained(database_url), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _check_opens(database_url: str) -> None:
    """The URL parses, its driver is installed, an SQLite file's folder exists (or is
    created) and a connection opens."""
    from bot.storage.db import make_engine

    try:
        engine = make_engine(database_url)
    except (ArgumentError, ImportError, ValueError) as error:  # ValueError: a port not a number
        reason = _unusable_part(database_url, error)
        raise DatabaseUnusable(
            f"DATABASE_URL is not a database URL this bot can use ({reason}); e.g. {URL_EXAMPLES}"
        ) from None
    except OSError as error:
        raise DatabaseUnusable(
            f"DATABASE_URL={_shown(database_url)}: cannot create the folder "
            f"{error.filename} ({error.strerror})"
        ) from None
    if _sqlite_in_memory(engine):
        raise DatabaseUnusable(
            f"DATABASE_URL={_shown(database_url)} is an SQLite database in memory: each "
            "connection gets its own, empty one, so the migrated tables would be gone. Name a "
            "file, e.g. sqlite:///data/distill.db"
        )
    try:
        with cannot_connect_explained(database_url), engine.connect():
            pass
    finally:
        engine.dispose()


def _sqlite_in_memory(engine: Engine) -> bool:
    """SQLite in memory, named plainly (``sqlite://``, ``sqlite:///:memory:``) or in
    SQLite's URI form (``sqlite:///file::memory:?uri=true``, ``…?mode=memory&uri=true``),
    read as the driver will be given it."""
    from bot.storage.db import sqlite_file

    return engine.url.get_backend_name() == "sqlite" and sqlite_file(engine.url) is None


def _check_writable(database_url: str) -> None:
    """A read-only database (a file the bot's user may not write, a read-only replica)
    opens, and migrates when there is nothing to do; only a write finds out. The write
    changes nothing and is rolled back."""
    from bot.storage.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            connection.rollback()
    except DBAPIError as error:  # this statement fails only where nothing may be written
        raise DatabaseUnusable(
            f"DATABASE_URL={_shown(database_url)}: the bot cannot write to the database "
            f"({_first_line(error.orig or error)})"
        ) from None
    finally:
        engine.dispose()


@contextmanager
def cannot_connect_explained(database_url: str) -> Iterator[None]:
    """A database that cannot be opened or reached (no server, refused, a file that is
    no database or may not be read) as ``DatabaseUnusable``."""
    try:
        yield
    except OperationalError as error:
        raise DatabaseUnusable(
            f"DATABASE_URL={_shown(database_url)}: the database cannot be used "
            f"({_first_line(error.orig or error)})"
        ) from None


# Query parameters that carry a password (libpq reads one from the URL's query too).
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


def _shown(database_url: str) -> str:
    """The URL as typed where it holds no secret (``file::memory:`` stays readable), else
    as SQLAlchemy renders it with the secrets as ***."""
    url = make_url(database_url)
    if url.password is None and not SECRET_QUERY_KEYS & {key.lower() for key in url.query}:
        return database_url
    hidden = {key: "***" for key in url.query if key.lower() in SECRET_QUERY_KEYS}
    return url.update_query_dict(hidden).render_as_string(hide_password=True)


def _unusable_part(database_url: str, error: BaseException) -> str:
    """Why the URL cannot be used, without a secret. A port that is no number is not
    quoted: with an "@" or ":" left in a password, SQLAlchemy takes the password's tail
    for the port."""
    if isinstance(error, ValueError):
        try:
            make_url(database_url)
        except ValueError:
            return (
                "its port is not a number; percent-encode an @, : or / in the password: "
                "%40, %3A, %2F"
            )
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
