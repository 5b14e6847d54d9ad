"""Quiz polls on their way: sent to Telegram, not recorded in the database yet.

Telegram shows a poll to the group as soon as it has it, so a member may vote before
the bot has recorded the poll: Telegram's answer to sendPoll can reach the bot after the
vote does, and the poll's record is scheduled work, which a vote's work (more urgent)
goes ahead of on SQLite's one database thread. Such a vote finds no poll. Since Telegram
sends votes only for polls the bot sent, a vote for a poll the bot does not know waits
for the polls on their way at that moment to be recorded, and then is tried again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

RECORD_WAIT_S = 30.0
"""The longest a vote waits for polls on their way (a busy database thread included)."""


class PollsOnTheirWay:
    """The polls being sent or recorded now, each until it is recorded (or failed)."""

    def __init__(self) -> None:
        self._recording: set[asyncio.Future[None]] = set()

    @asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """Around a poll's sending and its recording, however either ends."""
        recorded = asyncio.get_running_loop().create_future()
        self._recording.add(recorded)
        try:
            yield
        finally:
            self._recording.discard(recorded)
            recorded.set_result(None)

    async def recorded(self, timeout: float = RECORD_WAIT_S) -> bool:
        """Wait until the polls on their way now are recorded (at most ``timeout``
        seconds); False, at once, when none was on its way."""
        waiting = set(self._recording)
        if not waiting:
            return False
        await asyncio.wait(waiting, timeout=timeout)
        return True
