"""What an operator reads when DATABASE_URL cannot be used: one sentence naming the
setting and the real reason, never a password, never a traceback."""

from __future__ import annotations

import pytest

from bot.storage.migrate import DatabaseUnusable, upgrade


def test_a_password_given_as_a_query_parameter_is_not_printed() -> None:
    # libpq takes the password from the URL's query as well (…/distill?password=…).
    url = "postgresql+psycopg://bot@127.0.0.1:1/distill?sslmode=disable&password=hunter2"
    with pytest.raises(DatabaseUnusable) as refused:
        upgrade(url)
    assert "DATABASE_URL" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert "sslmode=disable" in str(refused.value)  # the rest of the URL is still shown


def test_a_port_that_is_not_a_number_is_one_line_naming_database_url() -> None:
    # A template left unfilled, say: python printed a ValueError traceback.
    with pytest.raises(DatabaseUnusable, match="DATABASE_URL"):
        upgrade("postgresql+psycopg://bot:hunter2@db.example:PORT/distill")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        # The same, in SQLite's URI form: it passed as a file and got "cannot write".
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:shared?mode=memory&cache=shared&uri=true",
    ],
)
def test_an_in_memory_database_is_refused_for_what_it_is(url: str) -> None:
    # Each connection to it has a database of its own: the migrated tables are gone
    # once the migration's connection closes. "The bot cannot write to the database
    # (no such table: alembic_version)" sent the operator looking for permissions.
    with pytest.raises(DatabaseUnusable) as refused:
        upgrade(url)
    said = str(refused.value)
    assert "in memory" in said and "cannot write" not in said
    assert said.startswith(f"DATABASE_URL={url} is an SQLite database in memory")
    assert "sqlite:///data/distill.db" in said  # what to use instead


@pytest.mark.parametrize(
    "url",
    [
        # A generated password with an "@" and a ":" not percent-encoded: SQLAlchemy reads
        # what follows the first "@" as host and port, and the port is no number.
        "postgresql+psycopg://bot:Xy@7:kL9pQ@db.example:5432/distill",
        "postgresql+psycopg://bot:s3cr@t:99@db.example/distill",
    ],
)
def test_a_password_mistaken_for_a_port_is_not_printed(url: str) -> None:
    with pytest.raises(DatabaseUnusable) as refused:
        upgrade(url)
    said = str(refused.value)
    assert "DATABASE_URL" in said
    assert "kL9pQ" not in said and "99@" not in said, said
    assert "percent-encode" in said  # what to do about a password with @ or :
