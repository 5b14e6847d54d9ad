"""The database failing under a running bot: each message gets one apology, not one for
every handler that needed the database."""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url

from tests.e2e.harness import BotHarness

NEWCOMER = 3001
APOLOGY = "Sorry, something went wrong on my side"


async def test_a_message_the_database_cannot_serve_gets_one_apology(harness: BotHarness) -> None:
    database = make_url(harness.services.settings.database_url).database
    assert database is not None
    gone = sqlite3.connect(database, isolation_level=None)
    try:
        gone.execute("ALTER TABLE chats RENAME TO chats_gone")  # every read or write fails
    finally:
        gone.close()
    before = len(harness.api.calls)
    harness.api.send_text(NEWCOMER, "/start")
    await harness.next_message(NEWCOMER, after=before)
    await harness.settle(0.5)
    replies = [c.text for c in harness.api.calls[before:] if c.chat_id == NEWCOMER and c.ok]
    assert replies == [f"{APOLOGY}. Please try again in a moment."]
