"""Messages paced the way Telegram counts them: per chat by arrival, overall by urgency.

Telegram allows about one message a second into a private chat (20 a minute into a
group) and about 30 a second overall, and counts when each message arrives. A pace taken
when a send *starts* is not enough: a message that then waits for the overall pace
arrives late, the next one into the same chat catches up with it, and Telegram answers
429. So each chat's turn is held until its message has been answered, and the next one
starts ``interval`` later.

The overall pace serves the most urgent waiter first: an answer to something a user
typed, then the status of long work a command queued (/distill), then an answer to a
button press, then scheduled sends (the morning fan-out), so a /help typed during a
fan-out, a quiz rush or a burst of /distill is answered within a few messages' time. A
chat's message waits for the overall pace while holding the chat's turn, so a more urgent
message queued behind it in the same chat lends it its urgency (``expedite``): a /help
never waits behind its own chat's scheduled drop. aiolimiter, a token bucket, has no
priorities; this is the small part it lacked.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.core.urgency import Urgency

FORGET_AFTER = 4096  # chats remembered before idle ones are dropped


class ChatTurns:
    """Per-chat turns: ``async with turns.turn(chat_id):`` around one send."""

    def __init__(self, interval_for: Callable[[int | str], float]) -> None:
        self._interval_for = interval_for
        self._locks: dict[int | str, asyncio.Lock] = {}
        self._answered_at: dict[int | str, float] = {}  # event-loop time of the last answer

    @asynccontextmanager
    async def turn(self, chat_id: int | str) -> AsyncIterator[None]:
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


class OverallPace:
    """At most one message per ``interval``; waiters leave by urgency, then arrival."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._by_key: dict[object, tuple[Urgency, asyncio.Future[None]]] = {}
        self._arrivals = itertools.count()
        self._next_free = 0.0  # event-loop time the next message may leave
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, urgency: Urgency, key: object = None) -> None:
        """Wait for a slot; ``key`` (a chat) lets a later ``expedite`` find this waiter."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting and now >= self._next_free:
            self._next_free = now + self._interval
            return
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiting, (urgency, next(self._arrivals), future))
        if key is not None:
            self._by_key[key] = (urgency, future)
        self._schedule(loop)
        try:
            await future  # a cancelled waiter is skipped when its turn comes
        finally:
            if key is not None and self._by_key.get(key, (None, None))[1] is future:
                del self._by_key[key]

    def expedite(self, key: object, urgency: Urgency) -> None:
        """Let the waiter for ``key`` leave as if it had ``urgency``, if that is sooner.

        The waiter gets a second place in the queue; whichever comes first releases it
        and the other is skipped, as a cancelled waiter is.
        """
        waiting = self._by_key.get(key)
        if waiting is None or waiting[0] <= urgency or waiting[1].done():
            return
        future = waiting[1]
        heapq.heappush(self._waiting, (urgency, next(self._arrivals), future))
        self._by_key[key] = (urgency, future)

    @property
    def waiting(self) -> int:
        return len({id(future) for *_, future in self._waiting if not future.done()})

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(self._next_free, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        while self._waiting:
            *_, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                self._next_free = loop.time() + self._interval
                break
        if self._waiting:
            self._schedule(loop)
