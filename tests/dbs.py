"""Test databases: the ``database_url`` fixture runs a test on SQLite and on PostgreSQL.

PostgreSQL is the local server ``make postgres`` starts (``.ci/postgres.sh``); its admin URL
comes from ``TEST_POSTGRES_URL``. Every test gets a database of its own, dropped afterwards.
Where no server answers, the PostgreSQL cases are skipped and the run ends by saying so in
red, so a green run without PostgreSQL cannot pass for a full one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

# Kept in step with TEST_POSTGRES_URL in the Makefile, so a bare `pytest` finds the server too.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5433/postgres"
CONNECT_TIMEOUT_S = 3

SKIPPED_BECAUSE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the PostgreSQL test server")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reason = terminalreporter.config.stash.get(SKIPPED_BECAUSE, None)
    if reason is not None:
        terminalreporter.write_sep("!", f"POSTGRESQL TESTS SKIPPED: {reason}", red=True, bold=True)


def _without_password(raw_url: str) -> str:
    try:
        return make_url(raw_url).render_as_string(hide_password=True)
    except Exception:
        return "TEST_POSTGRES_URL (not a database URL)"


def _admin_engine() -> tuple[Engine | None, str]:
    """An autocommit engine on the server's admin database, or None and the reason why not."""
    raw_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not raw_url:
        return None, "TEST_POSTGRES_URL is empty"
    try:
        engine = create_engine(
            raw_url,
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        # The driver's own message ("connection refused", "database ... does not exist").
        cause = str(getattr(error, "orig", None) or error).strip().splitlines() or [repr(error)]
        return None, f"no server at {_without_password(raw_url)} ({cause[0]}); run `make postgres`"
    return engine, ""


@pytest.fixture(scope="session")
def postgres_admin(pytestconfig: pytest.Config) -> Iterator[Engine | None]:
    """The PostgreSQL server's admin engine, probed once a session; None where there is none."""
    engine, reason = _admin_engine()
    if engine is None:
        pytestconfig.stash[SKIPPED_BECAUSE] = reason
    yield engine
    if engine is not None:
        engine.dispose()


def _fresh_postgres_database(admin: Engine) -> Iterator[str]:
    name = f"test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url: URL = make_url(admin.url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        # FORCE ends connections a failed test left open, so the drop cannot hang on them.
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, no migrations applied: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin: Engine | None = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(f"POSTGRESQL TESTS SKIPPED: {request.config.stash[SKIPPED_BECAUSE]}")
    yield from _fresh_postgres_database(admin)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL database (for tests that need several processes on one server)."""
    admin: Engine | None = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(f"POSTGRESQL TESTS SKIPPED: {request.config.stash[SKIPPED_BECAUSE]}")
    yield from _fresh_postgres_database(admin)
