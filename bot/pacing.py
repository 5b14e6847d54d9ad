"""One message at a time into each chat, spaced the way Telegram counts: by arrival.

Telegram allows about one message a second into a private chat (one every 3 s into a
group) and counts when each message arrives. A pace taken when a send *starts* is not
enough: a message that then waits in the overall rate limiter arrives late, the next one
of the same chat catches up with it, and Telegram answers 429. So each chat's turn is
held until its message has been answered, and the next one starts ``interval`` later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

FORGET_AFTER = 4096  # chats remembered before idle ones are dropped


class ChatTurns:
    """Per-chat turns: ``async with turns.turn(chat_id):`` around one send."""

    def __init__(self, interval_for: Callable[[int], float]) -> None:
        self._interval_for = interval_for
        self._locks: dict[int, asyncio.Lock] = {}
        self._answered_at: dict[int, float] = {}  # event-loop time of the last answer

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until the chat's previous message was answered ``interval`` ago; the
        turn ends when the body (the send) is done, whatever its outcome."""
        interval = self._interval_for(chat_id)
        if interval <= 0:
            yield
            return
        loop = asyncio.get_running_loop()
        if len(self._locks) > FORGET_AFTER:
            self._forget_idle(loop.time())
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            answered = self._answered_at.get(chat_id)
            if answered is not None and answered + interval > loop.time():
                await asyncio.sleep(answered + interval - loop.time())
            try:
                yield
            finally:
                self._answered_at[chat_id] = loop.time()

    def _forget_idle(self, now: float) -> None:
        for chat_id, lock in list(self._locks.items()):
            answered = self._answered_at.get(chat_id, now)
            if not lock.locked() and now - answered > self._interval_for(chat_id):
                del self._locks[chat_id]
                self._answered_at.pop(chat_id, None)
