"""Votes that come before their poll's record: tried again for a few seconds.

Telegram shows a poll to the group as soon as it has it, so a member may vote before
the bot has recorded the poll: the vote can reach the bot before Telegram's answer to
sendPoll does, reach another instance of the bot (webhook mode, several instances) than
the one sending the poll, or overtake the poll's record on SQLite's one database thread
(a vote's work is more urgent). Such a vote finds no poll. Telegram sends votes only for
polls the bot sent, so a vote for a poll not found is tried again: as soon as this
process has recorded that poll, else after short pauses, a few seconds in all (another
instance records its poll within moments of Telegram's answer). A vote for a poll that
truly is not ours (one whose record failed) is given up after those few seconds.

The tries run apart from the vote's update, which gives its place back at once: a vote
refused for nothing holds up no other vote, whatever other chats' polls are on their way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

RETRY_PAUSES_S: Sequence[float] = (0.25, 0.5, 1.0, 2.0)
"""The pauses before each new try of a vote whose poll is not found (3.75 s in all)."""
OWN_RECORD_WAIT_S = 30.0
"""The longest a vote waits for this process's record of its poll (a busy database
thread included): that poll is known to be ours."""


class PollsOnTheirWay:
    """The polls this process is recording now (Telegram has sent them), by poll id."""

    def __init__(self) -> None:
        self._recording: dict[str, asyncio.Future[None]] = {}

    @asynccontextmanager
    async def recording(self, poll_id: str) -> AsyncIterator[None]:
        """Around the record of a poll Telegram has just sent, however it ends."""
        recorded = asyncio.get_running_loop().create_future()
        self._recording[poll_id] = recorded
        try:
            yield
        finally:
            if self._recording.get(poll_id) is recorded:
                del self._recording[poll_id]
            recorded.set_result(None)

    async def retry(
        self,
        poll_id: str,
        attempt: Callable[[], Awaitable[bool]],
        pauses: Sequence[float] = RETRY_PAUSES_S,
    ) -> bool:
        """``attempt`` again (it says whether the vote found its poll) until it does:
        after each pause, or once this process has recorded the poll. False when it never
        found it."""
        for pause in pauses:
            await self._recorded_or_paused(poll_id, pause)
            if await attempt():
                return True
        return False

    async def _recorded_or_paused(self, poll_id: str, pause: float) -> None:
        recorded = self._recording.get(poll_id)
        if recorded is None:
            await asyncio.sleep(pause)
            recorded = self._recording.get(poll_id)  # Telegram's answer came meanwhile
        if recorded is not None:
            await asyncio.wait({recorded}, timeout=OWN_RECORD_WAIT_S)
