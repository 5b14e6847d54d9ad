"""Without a PostgreSQL server the database tests still run on SQLite, and say what they skipped."""

from __future__ import annotations

import pytest

# Nothing listens on port 1 (only root could bind it), so connecting is refused at once.
CLOSED_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"


def test_missing_postgres_is_skipped_and_announced(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_POSTGRES_URL", CLOSED_SERVER_URL)
    pytester.makepyfile("def test_stores(database_url):\n    assert database_url\n")
    result = pytester.runpytest("-p", "tests.dbs", "-p", "no:asyncio")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*POSTGRESQL TESTS SKIPPED: no server at *127.0.0.1:1*"])
