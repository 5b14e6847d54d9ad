"""The engine: SQLite in WAL mode with a busy timeout by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(database_url: str, *, foreign_keys: bool = True) -> Engine:
    """An engine for ``database_url``; an SQLite file's folder is created if missing.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE``: the write lock is taken
    up front, so two processes that read-then-write (two bot instances claiming due chats)
    queue behind each other instead of failing on a stale snapshot. ``foreign_keys=False``
    is for migrations, which rebuild tables.
    """
    url = make_url(database_url)
    # A failed statement's error (logged with its traceback) would otherwise list the
    # values it wrote: a learner's name, a /plan prompt.
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    database = sqlite_file(url)
    if database is not None and url.query.get("mode") != "ro":
        database.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )
    on_off = "ON" if foreign_keys else "OFF"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={on_off}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names, read as the driver will be given it; None for a
    database in memory, plainly (``sqlite://``) or in SQLite's URI form
    (``sqlite:///file::memory:?uri=true``, ``…?mode=memory&uri=true``). A file URI
    (``sqlite:///file:/srv/bot.db?uri=true``) names the file after ``file:``."""
    (filename, *_), options = url.get_dialect()().create_connect_args(url)
    if not options.get("uri") or not filename.startswith("file:"):
        return None if filename in ("", ":memory:") else Path(filename)
    path, _, query = filename.removeprefix("file:").partition("?")
    if path.startswith("//"):  # file://host/path: SQLite takes only an empty host or localhost
        path = "/" + path[2:].partition("/")[2]
    if path in ("", ":memory:") or "memory" in parse_qs(query).get("mode", []):
        return None
    return Path(unquote(path))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_answers(engine: Engine) -> bool:
    """``SELECT 1`` on a raw pooled connection: no transaction, so no SQLite write lock."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        return tuple(cursor.fetchone() or ()) == (1,)
    finally:
        connection.close()
