"""A slow database holds up only the updates that need it: the event loop never waits on it."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy.engine import make_url

from tests.e2e.harness import BotHarness

WAITING = 2001  # needs the database, which another writer holds locked
OTHER = 2002  # types /help meanwhile


async def test_help_is_answered_while_another_chats_database_write_waits(
    harness: BotHarness,
) -> None:
    await harness.command(WAITING, "/start")
    await harness.command(OTHER, "/start")  # both chats are known: /help needs no database
    await harness.settle(0.2)
    database = make_url(harness.services.settings.database_url).database
    assert database is not None
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
    try:
        before = len(harness.api.calls)
        harness.api.send_text(WAITING, "/pause")  # its write waits for the lock
        await asyncio.sleep(0.5)
        help_reply = await harness.command(OTHER, "/help")
        assert "/distill" in help_reply.text
        paused = [c for c in harness.api.calls[before:] if c.chat_id == WAITING and c.ok]
        assert paused == [], "/pause was answered (or failed) before its write could happen"
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    reply = await harness.next_message(WAITING, after=before)
    assert "Paused" in reply.text
