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
