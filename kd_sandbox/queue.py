"""Who may start a /distill run, and in what order: the sandbox's queue policy.

Pure asyncio and torch-free. Jobs run one at a time, in submission order. A submission
is refused, with an error the bot can show, when the user already has a run queued or
running, ran one too recently, the queue is full, or a group chat used its hourly share.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
HOUR_S = 3600.0


class QueueRefused(Exception):
    """A submission that was not accepted; the message is meant for the user."""


class AlreadyRunning(QueueRefused):
    def __init__(self) -> None:
        super().__init__("You already have a run queued or running; wait for it to finish.")


class CoolingDown(QueueRefused):
    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        super().__init__(f"Please wait {seconds_left:.0f} s before your next run.")


class QueueFull(QueueRefused):
    def __init__(self) -> None:
        super().__init__("The sandbox queue is full right now; try again in a minute.")


class GroupRateLimited(QueueRefused):
    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        minutes = max(1, round(seconds_left / 60))
        super().__init__(
            f"This group has used its runs for this hour; the next one is possible in about "
            f"{minutes} min."
        )


class Ticket(Generic[T]):
    """An accepted submission: where it stands, and (awaitable) its job's result."""

    def __init__(self, queue: RunQueue, user_id: int, job: Callable[[], Awaitable[T]]) -> None:
        self.user_id = user_id
        self._queue = queue
        self._job = job
        self._result: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.started = asyncio.Event()

    @property
    def ahead(self) -> int:
        """How many runs go before this one (the running one included); 0 once started."""
        return self._queue._ahead_of(self)

    def describe(self) -> str:
        if self.started.is_set():
            return "running"
        return f"queued, {self.ahead} ahead"

    def done(self) -> bool:
        return self._result.done()

    async def result(self) -> T:
        """The job's return value (or its exception)."""
        return await self._result

    def __await__(self) -> Generator[Any, None, T]:
        return self.result().__await__()

    def cancel(self) -> bool:
        """Withdraw a ticket that has not started; False if it already has."""
        return self._queue._withdraw(self)


class RunQueue:
    """Feeds jobs to the sandbox one at a time, under per-user and per-group limits.

    Args:
        max_waiting: how many runs may wait behind the running one.
        cooldown_s: a user's pause between the end of one run and the next submission.
        group_runs_per_hour: runs one group chat may submit in any 60 minutes.
        clock: seconds, monotonic (tests pass a fake).
    """

    def __init__(
        self,
        *,
        max_waiting: int,
        cooldown_s: float,
        group_runs_per_hour: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_waiting = max_waiting
        self._cooldown_s = cooldown_s
        self._group_runs_per_hour = group_runs_per_hour
        self._clock = clock
        self._waiting: deque[Ticket[Any]] = deque()
        self._running: Ticket[Any] | None = None
        self._finished_at: dict[int, float] = {}
        self._group_submissions: defaultdict[int, deque[float]] = defaultdict(deque)
        self._feeder: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def submit(
        self, user_id: int, chat_id: int, is_group: bool, job: Callable[[], Awaitable[T]]
    ) -> Ticket[T]:
        """Queue ``job`` (a coroutine function) for ``user_id`` or raise ``QueueRefused``."""
        now = self._clock()
        self._check_user(user_id, now)
        if is_group:
            self._check_group(chat_id, now)
        pending = len(self._waiting) + (self._running is not None)
        if pending > self._max_waiting:  # one may run, max_waiting may wait behind it
            raise QueueFull()
        if is_group:
            self._group_submissions[chat_id].append(now)
        ticket = Ticket(self, user_id, job)
        self._waiting.append(ticket)
        if self._feeder is None or self._feeder.done():
            self._feeder = asyncio.get_running_loop().create_task(self._feed())
        return ticket

    async def close(self) -> None:
        """Stop feeding; waiting tickets are cancelled, the running job too."""
        for ticket in self._waiting:
            ticket._result.cancel()
        self._waiting.clear()
        if self._feeder is not None:
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder

    def _check_user(self, user_id: int, now: float) -> None:
        if self._running is not None and self._running.user_id == user_id:
            raise AlreadyRunning()
        if any(ticket.user_id == user_id for ticket in self._waiting):
            raise AlreadyRunning()
        finished = self._finished_at.get(user_id)
        if finished is not None and now - finished < self._cooldown_s:
            raise CoolingDown(self._cooldown_s - (now - finished))

    def _check_group(self, chat_id: int, now: float) -> None:
        recent = self._group_submissions[chat_id]
        while recent and now - recent[0] >= HOUR_S:
            recent.popleft()
        if len(recent) >= self._group_runs_per_hour:
            raise GroupRateLimited(HOUR_S - (now - recent[0]))

    def _ahead_of(self, ticket: Ticket[Any]) -> int:
        if ticket is self._running or ticket.started.is_set():
            return 0
        try:
            index = self._waiting.index(ticket)
        except ValueError:
            return 0
        return index + (1 if self._running is not None else 0)

    def _withdraw(self, ticket: Ticket[Any]) -> bool:
        if ticket.started.is_set() or ticket not in self._waiting:
            return False
        self._waiting.remove(ticket)
        ticket._result.cancel()
        return True

    async def _feed(self) -> None:
        while self._waiting:
            ticket = self._waiting.popleft()
            self._running = ticket
            ticket.started.set()
            try:
                value = await ticket._job()
            except asyncio.CancelledError:
                ticket._result.cancel()
                raise
            except Exception as error:
                ticket._result.set_exception(error)
            else:
                ticket._result.set_result(value)
            finally:
                self._running = None
                self._finished_at[ticket.user_id] = self._clock()
