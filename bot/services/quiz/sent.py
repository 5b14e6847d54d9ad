"""The message ids of sent questions, written in batches: one unit of work records many.

Every question sent is followed by a write of its message id (so a new review session
can take the buttons off an open one). Alone, each is a transaction of its own; in a
rush of answers hundreds queue behind the presses. Here a write in flight lets the next
ids gather, and they go together as soon as it is done. Each caller still waits for
its own id to be stored, as with a write of its own, and hears whether its question was
withdrawn while on its way.
"""

from __future__ import annotations

import asyncio

from bot.services.context import Services
from bot.services.quiz.flow import questions_sent


class SentQuestions:
    """Records ``(question, message)`` ids: one batch written at a time, the next gathering."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._gathering: dict[int, int | None] = {}
        # Done when that batch is stored: the questions of it withdrawn on their way.
        self._gathered: asyncio.Future[frozenset[int]] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def record(self, question_id: int, message_id: int | None) -> bool:
        """Store the question's message id (None: it never reached the learner).

        Returns:
            False when the question was withdrawn while on its way: its message is to go.
        """
        self._gathering[question_id] = message_id
        if self._gathered is None:
            self._gathered = asyncio.get_running_loop().create_future()
        stored = self._gathered
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_gathered())
        return question_id not in await asyncio.shield(stored)

    async def _write_while_gathered(self) -> None:
        try:
            while self._gathered is not None:
                batch, self._gathering = self._gathering, {}
                stored, self._gathered = self._gathered, None
                try:
                    gone = await self._services.transaction(questions_sent, batch)
                except Exception as error:  # each waiter gets it, as if its write were its own
                    stored.set_exception(error)
                except BaseException:
                    stored.cancel()
                    raise
                else:
                    stored.set_result(gone)
        finally:
            self._writer = None
            if self._gathered is not None:  # cancelled with ids gathering: their waiters end too
                self._gathered.cancel()
                self._gathered, self._gathering = None, {}
