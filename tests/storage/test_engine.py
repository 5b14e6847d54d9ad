"""The engine's errors, as they reach the log: the statement, never the values written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage.db import make_engine

# What a learner might have typed into /plan, or their name.
PRIVATE_TEXT = "my prompt: summarise Dr. Ada Lovelace's medical record"


def test_a_failed_statement_names_no_value_it_was_given(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT UNIQUE)"))
            insert = text("INSERT INTO notes (body) VALUES (:body)")
            connection.execute(insert, {"body": PRIVATE_TEXT})
            with pytest.raises(IntegrityError) as failed:
                connection.execute(insert, {"body": PRIVATE_TEXT})
    finally:
        engine.dispose()
    assert "INSERT INTO notes" in str(failed.value)  # the log still says what failed
    assert "Lovelace" not in str(failed.value)


@pytest.mark.parametrize("form", ["file:{path}?uri=true", "file://{path}?mode=rwc&uri=true"])
def test_an_sqlite_file_uri_gets_its_folder_and_no_stray_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """DATABASE_URL in SQLite's URI form: the database's own folder is made, and nothing
    named after the URI appears in the folder the bot was started from."""
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    database = tmp_path / "data" / "bot.db"
    engine = make_engine("sqlite:///" + form.format(path=database))
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT)"))
    finally:
        engine.dispose()
    assert database.is_file()
    assert list(started_in.iterdir()) == []


def test_a_read_only_sqlite_file_uri_makes_no_stray_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_engine(f"sqlite:///file:{tmp_path / 'replica' / 'x.db'}?mode=ro&uri=true").dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["replica"])
