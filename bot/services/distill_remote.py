"""/distill runs as Celery tasks (SANDBOX_BROKER_URL): send, follow, and read back.

A run is admitted against the whole deployment's rows (``distill_limits``), published
as the task ``distill-run-<row id>`` (so any bot instance can follow it by the row), and
followed by reading its state in Redis' result backend whenever the worker writes one
(``TaskStateChanges``), and at least every ``POLL_S``: ``PROGRESS`` moves the bar, the
JSON result comes back as a ``RunResult``. Reading a state runs on a thread, never on
the event loop.

What can go wrong, and what the user reads:
- the broker is down at submission: ``SandboxUnavailable``, and the row is withdrawn;
- a worker is lost mid-run: Celery hands the task to another worker (late ack); past
  ``MAX_DELIVERIES`` the task answers "interrupted";
- Redis lost the task (restarted without persistence): the state we wrote before
  publishing ("SENT") is gone, so a run that stays unknown for ``LOST_AFTER_S`` is
  interrupted; and nothing waits longer than ``max_wait_s`` in any case.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from celery import Celery

from bot.services.task_state_changes import TaskStateChanges
from kd_sandbox.celery_app import (
    TASK_ID_PREFIX,
    TASK_NAME,
    RemoteOutcomeError,
    decode_outcome,
    hard_time_limit,
    make_app,
    task_id,
    visibility_timeout,
)
from kd_sandbox.queue import describe_wait
from kd_sandbox.result import RunResult
from kd_sandbox.worker import RunFailed, RunTimeout, SandboxError

log = logging.getLogger(__name__)

# A Redis GET, the fallback when no state change is heard: a picture goes out at most
# this late if the listening connection is lost.
POLL_S = 0.5
AHEAD_EVERY_S = 2.0
LOST_AFTER_S = 15.0  # longer than a Redis restart; a live run reports every 0.5 s
WORKER_PING_S = 1.0
SENT = "SENT"  # our own state: published, not started (Celery's PENDING means "unknown")


class SandboxUnavailable(Exception):
    """The broker did not take the run (Redis down or unreachable)."""


class RunInterrupted(SandboxError):
    """The run was lost (its workers died, or Redis lost it); the user may send it again."""


@dataclass(frozen=True)
class TaskState:
    state: str
    info: Any


@dataclass(frozen=True)
class FollowHooks:
    """What following a run calls: once it starts, at each progress report, and (while
    it waits) to count the runs ahead of it."""

    started: Callable[[], Awaitable[None]]
    progress: Callable[[float], Awaitable[None]]
    count_ahead: Callable[[], Awaitable[int]]


class RemoteTicket:
    """A published run as the handler sees it: whether it started, how many are ahead,
    and (awaitable) its ``RunResult`` or ``SandboxError``."""

    def __init__(self, ahead: int, starts_in_s: float = 0.0) -> None:
        self.started = asyncio.Event()
        self.ahead_now = ahead
        self.not_before = time.monotonic() + starts_in_s  # the end of the user's cooldown
        self.result: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()

    @property
    def ahead(self) -> int:
        return 0 if self.started.is_set() else self.ahead_now

    @property
    def starts_in_s(self) -> int:
        """Whole seconds (rounded up) until its cooldown ends; 0 once it may start."""
        if self.started.is_set():
            return 0
        return max(0, math.ceil(self.not_before - time.monotonic()))

    def describe(self) -> str:
        return describe_wait(
            started=self.started.is_set(), starts_in_s=self.starts_in_s, ahead=self.ahead
        )

    def __await__(self) -> Generator[Any, None, RunResult]:
        return self.result.__await__()


class CeleryRuns:
    """The bot's handle on the Celery app: publish a run, follow its state."""

    def __init__(
        self, broker_url: str, *, soft_limit_s: float, queue_size: int, app: Celery | None = None
    ) -> None:
        self.app = app or make_app(broker_url, soft_limit_s=soft_limit_s)
        # The longest a run can wait and run with at least one worker up: every place of
        # the queue before it, each to the hard limit, and one redelivery.
        self.max_wait_s = (queue_size + 2) * hard_time_limit(soft_limit_s) + visibility_timeout(
            soft_limit_s
        )
        self.changes = TaskStateChanges(broker_url, TASK_ID_PREFIX)

    async def close(self) -> None:
        await self.changes.close()

    def publish(self, run_id: int, settings: str, *, countdown_s: float = 0.0) -> None:
        """Send the run, to start no sooner than ``countdown_s`` from now (blocking);
        raises ``SandboxUnavailable`` when the broker is down."""
        key = task_id(run_id)
        try:
            self.app.backend.store_result(key, None, SENT)
            self.app.send_task(
                TASK_NAME, args=[settings], task_id=key, retry=False,
                countdown=countdown_s or None, expires=self.max_wait_s + countdown_s,
            )  # fmt: skip
        except Exception as error:  # redis-py and kombu name connection failures differently
            log.warning("the broker did not take run %d: %s", run_id, type(error).__name__)
            raise SandboxUnavailable from error

    def count_workers(self) -> int:
        """Workers that answer a ping within a second (blocking); 0 when Redis is down."""
        try:
            return len(self.app.control.ping(timeout=WORKER_PING_S) or [])
        except Exception as error:
            log.warning("no worker count: %s", type(error).__name__)
            return 0

    def read(self, run_id: int) -> TaskState:
        """The task's state and info (blocking; raises when Redis is unreachable)."""
        meta = self.app.backend.get_task_meta(task_id(run_id))
        return TaskState(str(meta.get("status", "PENDING")), meta.get("result"))

    async def follow(self, run_id: int, ticket: RemoteTicket, hooks: FollowHooks) -> None:
        """Poll the task until it ends; settle ``ticket`` with its result or error."""
        try:
            ticket.result.set_result(await self._follow(run_id, ticket, hooks))
        except SandboxError as error:
            ticket.result.set_exception(error)
        except asyncio.CancelledError:
            ticket.result.cancel()
            raise

    async def _follow(self, run_id: int, ticket: RemoteTicket, hooks: FollowHooks) -> RunResult:
        key = task_id(run_id)
        changed = self.changes.watch(key)
        try:
            return await self._read_until_done(run_id, ticket, hooks, changed)
        finally:
            self.changes.forget(key, changed)

    async def _read_until_done(
        self, run_id: int, ticket: RemoteTicket, hooks: FollowHooks, changed: asyncio.Event
    ) -> RunResult:
        clock = time.monotonic
        give_up_at = clock() + self.max_wait_s
        unknown_since: float | None = None
        next_ahead = clock()
        while clock() < give_up_at:
            changed.clear()  # before reading: a change during the read wakes the next wait
            try:
                state = await asyncio.to_thread(self.read, run_id)
            except Exception as error:
                log.warning("run %d: Redis did not answer (%s)", run_id, type(error).__name__)
                await asyncio.sleep(POLL_S * 2)
                continue
            if state.state in ("STARTED", "PROGRESS") and not ticket.started.is_set():
                ticket.started.set()
                await hooks.started()
            if state.state == "PROGRESS" and isinstance(state.info, dict):
                await hooks.progress(float(state.info.get("fraction", 0.0)))
            elif state.state in ("SUCCESS", "FAILURE", "REVOKED"):
                return _outcome(state)
            elif state.state == SENT and clock() >= next_ahead:
                ticket.ahead_now = await hooks.count_ahead()
                next_ahead = clock() + AHEAD_EVERY_S
            unknown_since = _unknown_since(state, unknown_since, clock())
            if unknown_since is not None and clock() - unknown_since > LOST_AFTER_S:
                raise RunInterrupted("Redis lost the run")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), POLL_S)
        raise RunInterrupted("no worker finished the run in time")


def _unknown_since(state: TaskState, since: float | None, now: float) -> float | None:
    if state.state != "PENDING":
        return None
    return now if since is None else since


def _outcome(state: TaskState) -> RunResult:
    if state.state == "REVOKED":
        raise RunInterrupted("the run expired before a worker took it")
    if state.state == "FAILURE":
        if type(state.info).__name__ == "TimeLimitExceeded":
            raise RunTimeout("The run took longer than its limit and was stopped.")
        raise RunFailed(f"{type(state.info).__name__}: {state.info}")
    try:
        outcome = decode_outcome(state.info)
    except RemoteOutcomeError as error:
        raise RunFailed(str(error)) from None
    if outcome.result is not None:
        return outcome.result
    if outcome.outcome == "timeout":
        raise RunTimeout("The run took longer than its limit and was stopped.")
    if outcome.outcome == "interrupted":
        raise RunInterrupted(outcome.detail)
    raise RunFailed(outcome.detail or "The experiment failed with an internal error.")
