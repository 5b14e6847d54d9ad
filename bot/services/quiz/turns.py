"""One quiz step at a time per learner: what follows an answer, or an undo.

An answer's follow-up shows why, then sends the next question or the summary that closes
the quiz, and only once Telegram has answered the send does it store the summary's
message id. An Undo pressed in that moment (the summary is on the phone, its id not yet
stored) would find no summary to take back, and the learner would end with two. Each
learner's follow-ups and undos therefore take turns; different learners never wait for
each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # the step in its turn and the steps waiting for it


class LearnerTurns:
    """``async with turns.turn(learner_id):`` around one quiz step."""

    def __init__(self) -> None:
        self._turns: dict[int, _Turn] = {}

    @asynccontextmanager
    async def turn(self, learner_id: int) -> AsyncIterator[None]:
        entry = self._turns.setdefault(learner_id, _Turn())
        entry.holders += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.holders -= 1
            if entry.holders == 0:  # nobody holds or waits: a learner between steps costs nothing
                del self._turns[learner_id]

    def __len__(self) -> int:
        return len(self._turns)
