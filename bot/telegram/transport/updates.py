"""Which incoming updates the bot works on first: what people typed, then button presses.

In a rush (hundreds of learners answering a quiz at once) every update is handled
concurrently, and each press costs the single event loop a few milliseconds of database
and request work. Started in arrival order, a /help typed behind 400 presses would wait
for all of them. So typed messages start at once, and the other updates (presses, poll
answers, membership changes) take one of a limited number of places: they are served in
order, at the pace the loop can keep, without starving typed commands.

Handlers give their place back once the press is answered: what follows a press (the
next question, which waits for the chat's message pace) runs as a task of its own, and
starts once no press is waiting or being answered (for a second at most): in a rush the
loop answers every press before it renders and sends what follows them.

Every update, a press waiting for its place included, also counts toward python-telegram-
bot's overall limit (``MAX_CONCURRENT_UPDATES``, 1024 by default): past that many in the
bot at once, typed messages queue too. At about 90 presses a second per core, that is a
backlog of ten seconds or more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.services import metrics


def update_kind(update: object) -> str:
    """The update's field that is set ("message", "callback_query", "poll_answer", ...)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


def is_typed(update: object) -> bool:
    """A message or an edited message: someone typed (or shared) something just now."""
    return isinstance(update, Update) and (
        update.message is not None or update.edited_message is not None
    )


class TypedFirst(BaseUpdateProcessor):
    """Typed messages start at once; other updates take one of ``other_places`` places."""

    def __init__(self, max_concurrent_updates: int, *, other_places: int) -> None:
        super().__init__(max_concurrent_updates)
        self._other_places = asyncio.Semaphore(other_places)
        self._others = 0  # other updates waiting for a place or holding one
        self._settled = asyncio.Event()
        self._settled.set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        kind = update_kind(update)
        metrics.UPDATES.labels(kind).inc()
        with metrics.HANDLER_SECONDS.labels(kind).time():
            if is_typed(update):
                await coroutine
                return
            self._others += 1
            self._settled.clear()
            try:
                async with self._other_places:
                    await coroutine
            finally:
                self._others -= 1
                if self._others == 0:
                    self._settled.set()

    async def settled(self, patience_s: float) -> None:
        """Until no press (or other non-typed update) waits or is handled, ``patience_s``
        at most: a steady stream of presses must not hold what follows them forever."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), patience_s)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: updates still running end on their own."""
