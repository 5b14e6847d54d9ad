"""Who may start a /distill run, and in what order: the sandbox's queue policy.

Pure asyncio and torch-free. Jobs run one at a time, in submission order. A user's run
submitted within the cooldown after their last one waits its turn: it starts when the
cooldown ends (runs of others that are ready go first). A submission is refused, with an
error the bot can show, when the user already has a run queued or running, the queue is
full, or a group chat used its hourly share.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
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


def describe_wait(*, started: bool, starts_in_s: int, ahead: int) -> str:
    """A run's place as the status message shows it, wherever the run is queued."""
    if started:
        return "running"
    if starts_in_s > 0:
        return f"starts in {starts_in_s} s"
    return f"queued, {ahead} ahead"


class Ticket(Generic[T]):
    """An accepted submission: where it stands, and (awaitable) its job's result."""

    def __init__(
        self, queue: RunQueue, user_id: int, job: Callable[[], Awaitable[T]], not_before: float
    ) -> None:
        self.user_id = user_id
        self.not_before = not_before  # on the queue's clock: the end of the user's cooldown
        self._queue = queue
        self._job = job
        self._result: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.started = asyncio.Event()

    @property
    def ahead(self) -> int:
        """How many runs go before this one (the running one included); 0 once started."""
        return self._queue._ahead_of(self)

    @property
    def starts_in_s(self) -> int:
        """Whole seconds (rounded up) until its cooldown ends; 0 once it may start."""
        if self.started.is_set():
            return 0
        return max(0, math.ceil(self.not_before - self._queue._clock()))

    def describe(self) -> str:
        return describe_wait(
            started=self.started.is_set(), starts_in_s=self.starts_in_s, ahead=self.ahead
        )

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
        cooldown_s: a user's pause between the end of one run and the start of the next.
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
        self._arrived = asyncio.Event()  # wakes a feeder that waits for a cooldown to end

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def submit(
        self, user_id: int, chat_id: int, is_group: bool, job: Callable[[], Awaitable[T]]
    ) -> Ticket[T]:
        """Queue ``job`` (a coroutine function) for ``user_id`` or raise ``QueueRefused``."""
        now = self._clock()
        self._check_user(user_id)
        if is_group:
            self._check_group(chat_id, now)
        pending = len(self._waiting) + (self._running is not None)
        if pending > self._max_waiting:  # one may run, max_waiting may wait behind it
            raise QueueFull()
        if is_group:
            self._group_submissions[chat_id].append(now)
        ticket = Ticket(self, user_id, job, self._cooldown_end(user_id, now))
        self._waiting.append(ticket)
        self._arrived.set()
        if self._feeder is None or self._feeder.done():
            self._feeder = asyncio.get_running_loop().create_task(self._feed())
        return ticket

    def chat_moved(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup (a new chat id): its hour's runs count there."""
        moved = self._group_submissions.pop(old_id, None)
        if moved:
            merged = sorted([*self._group_submissions[new_id], *moved])
            self._group_submissions[new_id] = deque(merged)

    async def close(self) -> None:
        """Stop feeding; waiting tickets are cancelled, the running job too."""
        for ticket in self._waiting:
            ticket._result.cancel()
        self._waiting.clear()
        if self._feeder is not None:
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder

    def _check_user(self, user_id: int) -> None:
        if self._running is not None and self._running.user_id == user_id:
            raise AlreadyRunning()
        if any(ticket.user_id == user_id for ticket in self._waiting):
            raise AlreadyRunning()

    def _cooldown_end(self, user_id: int, now: float) -> float:
        finished = self._finished_at.get(user_id)
        return now if finished is None else max(now, finished + self._cooldown_s)

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
        self._arrived.set()
        return True

    def _next_ready(self) -> Ticket[Any] | None:
        now = self._clock()
        return next((ticket for ticket in self._waiting if ticket.not_before <= now), None)

    async def _until_one_is_ready(self) -> Ticket[Any] | None:
        """The first waiting ticket whose cooldown is over, once there is one; None when
        none is left waiting."""
        while self._waiting:
            ticket = self._next_ready()
            if ticket is not None:
                return ticket
            wait_s = min(waiting.not_before for waiting in self._waiting) - self._clock()
            self._arrived.clear()
            # Woken by a new or withdrawn run; else it looks again when the first cooldown
            # ends, and at least every second (the clock is the caller's, not the loop's).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=min(max(wait_s, 0.01), 1))
        return None

    async def _feed(self) -> None:
        while (ticket := await self._until_one_is_ready()) is not None:
            self._waiting.remove(ticket)
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
