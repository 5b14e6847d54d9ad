"""The bot's side of /distill: the warm worker, the queue, and a record of every run.

torch is never imported here: ``kd_sandbox.worker`` and ``kd_sandbox.queue`` are
torch-free, and the worker's child process is the only place that trains. With
SANDBOX_BROKER_URL set, runs go to Celery workers instead (``distill_remote``), admitted
against every instance's rows (``distill_limits``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, or_, select, update

from bot.services import metrics
from bot.services.context import Services
from bot.services.distill_limits import (
    RunLimits,
    admit_run,
    cooldown_left,
    count_waiting,
    runs_ahead,
    withdraw_run,
)
from bot.services.distill_remote import CeleryRuns, FollowHooks, RemoteTicket, RunInterrupted
from bot.storage.instance_lock import Owner, held_by_the_dead
from bot.storage.kinds import RunStatus
from bot.storage.models import DistillRun
from kd_sandbox.estimate import estimated_s, fitting
from kd_sandbox.queue import RunQueue, Ticket
from kd_sandbox.result import RunResult
from kd_sandbox.spec import RunSpec
from kd_sandbox.worker import RunTimeout, SandboxError, SandboxWorker

log = logging.getLogger(__name__)

UNFINISHED = (RunStatus.QUEUED, RunStatus.RUNNING)
# A process vouches for its unfinished runs this long and renews every third of it; runs
# whose lease ran out belong to a process that stopped (see ``take_interrupted``). A run's
# owner is its process's mark (``bot.storage.instance_lock.Owner``).
RUN_LEASE = timedelta(seconds=90)
ProgressHook = Callable[[float], Awaitable[None]]


class DistillService:
    """/distill runs: one warm worker, the queue that feeds it, and a row for every run.

    The handler parses the settings and renders what happens; everything else is here.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self.enabled = settings.sandbox_enabled
        self.worker = SandboxWorker(
            settings.cache_dir,
            torch_threads=settings.sandbox_torch_threads,
            max_memory_mb=settings.sandbox_max_memory_mb or None,  # 0: no cap
        )
        self.queue = RunQueue(
            max_waiting=settings.sandbox_queue_size,
            cooldown_s=settings.sandbox_cooldown_s,
            group_runs_per_hour=settings.sandbox_group_runs_per_hour,
        )
        self.remote: CeleryRuns | None = None
        if settings.sandbox_broker_url is not None:
            self.remote = CeleryRuns(
                settings.sandbox_broker_url,
                soft_limit_s=settings.sandbox_timeout_s,
                queue_size=settings.sandbox_queue_size,
            )
        self._following: set[asyncio.Task[None]] = set()
        if self.remote is None:
            metrics.SANDBOX_QUEUE_DEPTH.set_function(lambda: self.queue.waiting)
            metrics.SANDBOX_WORKERS.set_function(lambda: int(self.worker.child_pid is not None))

    async def start(self) -> None:
        """Warm the worker (import torch, load the cached teacher) in the background."""
        if self.enabled and self.remote is None:
            await self.worker.start()

    def chat_moved(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: the runs it started this hour count there (the
        stored rows move with ``delivery.chats.migrate``)."""
        self.queue.chat_moved(old_id, new_id)

    async def close(self) -> None:
        for following in list(self._following):
            following.cancel()
        await asyncio.gather(*self._following, return_exceptions=True)
        await self.queue.close()
        await self.worker.close()
        if self.remote is not None:
            await self.remote.close()

    async def submit(
        self,
        spec: RunSpec,
        *,
        user_id: int,
        chat_id: int,
        in_group: bool,
        on_progress: Callable[[float], Awaitable[None]],
    ) -> QueuedRun:
        """Queue the run and record it; raises ``TooSlow``, ``SandboxOff`` or ``QueueRefused``."""
        limit_s = self.services.settings.sandbox_timeout_s
        if estimated_s(spec) > limit_s:
            raise TooSlow(estimated_s(spec), limit_s, fitting(spec, limit_s))
        if not self.enabled:
            raise SandboxOff
        if self.remote is not None:
            asker = Asker(user_id, chat_id, in_group)
            return await self._publish(self.remote, spec, asker, on_progress)
        services = self.services
        recorded: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def train() -> RunResult:
            run_id = await recorded
            await services.transaction(update_run, run_id, status=RunStatus.RUNNING)
            return await self.worker.run(
                spec, on_progress, timeout_s=services.settings.sandbox_timeout_s
            )

        ticket: Ticket[RunResult] = self.queue.submit(user_id, chat_id, in_group, train)
        ahead = ticket.ahead  # as the learner's place was when the run was accepted
        try:
            run_id = await services.transaction(
                record_run, user_id=user_id, chat_id=chat_id, settings=spec.as_settings(),
                now=services.clock(), owner=services.owner.mark,
            )  # fmt: skip
        except BaseException:
            # A run the queue already started must not wait for its row forever; an error
            # (not a cancellation) lets the queue go on to the next run.
            recorded.set_exception(RuntimeError("the run could not be recorded"))
            ticket.cancel()
            raise
        recorded.set_result(run_id)
        return QueuedRun(run_id, ticket, ahead)

    async def _publish(
        self, remote: CeleryRuns, spec: RunSpec, asker: Asker, on_progress: ProgressHook
    ) -> QueuedRun:
        """Admit the run against the whole deployment, then hand it to the broker."""
        services, settings = self.services, self.services.settings
        now = services.clock()
        limits = RunLimits(
            settings.sandbox_queue_size,
            settings.sandbox_cooldown_s,
            settings.sandbox_group_runs_per_hour,
        )
        run_id = await services.transaction(
            admit_run, user_id=asker.user_id, chat_id=asker.chat_id, in_group=asker.in_group,
            settings=spec.as_settings(), now=now, owner=services.owner.mark,
            lease_until=now + RUN_LEASE, limits=limits,
        )  # fmt: skip
        wait_s = await services.transaction(
            cooldown_left, user_id=asker.user_id, now=now, cooldown_s=limits.cooldown_s
        )
        try:
            await asyncio.to_thread(remote.publish, run_id, spec.as_settings(), countdown_s=wait_s)
        except BaseException:
            await services.transaction(withdraw_run, run_id)
            raise
        ahead = await services.transaction(runs_ahead, run_id)
        ticket = RemoteTicket(ahead, wait_s)
        self._start_following(remote, run_id, ticket, on_progress)
        return QueuedRun(run_id, ticket, ahead)

    def _start_following(
        self, remote: CeleryRuns, run_id: int, ticket: RemoteTicket, on_progress: ProgressHook
    ) -> None:
        services = self.services

        async def started() -> None:
            await services.transaction(update_run, run_id, status=RunStatus.RUNNING)

        async def count_ahead() -> int:
            return await services.transaction(runs_ahead, run_id)

        hooks = FollowHooks(started, on_progress, count_ahead)
        following = asyncio.create_task(
            remote.follow(run_id, ticket, hooks), name=f"follow distill run {run_id}"
        )
        self._following.add(following)
        following.add_done_callback(self._following.discard)

    async def shown_in(self, run: QueuedRun, message_id: int) -> None:
        """The chat message that shows the run's progress (kept with the run)."""
        await self.services.transaction(update_run, run.run_id, status_message_id=message_id)

    async def outcome(self, run: QueuedRun) -> RunResult:
        """Wait for the run; its row says how it ended. Raises the worker's ``SandboxError``."""
        if isinstance(run.ticket, RemoteTicket):
            return await self._remote_outcome(run.run_id, run.ticket)
        services = self.services
        try:
            result = await run.ticket
        except SandboxError as error:
            status = RunStatus.TIMEOUT if isinstance(error, RunTimeout) else RunStatus.FAILED
            await services.transaction(update_run, run.run_id, status=status, now=services.clock())
            raise
        await services.transaction(
            update_run, run.run_id, status=RunStatus.DONE, now=services.clock(),
            metrics=result.metrics,
        )  # fmt: skip
        return result

    async def _remote_outcome(self, run_id: int, ticket: RemoteTicket) -> RunResult:
        """The run's end, recorded by the one instance that owns its row; an instance that
        no longer does (another took the run over) raises ``RunHandedOver`` and stays quiet."""
        services = self.services
        owner = services.owner
        try:
            # Shielded: a caller that gives up (the bot stopping) leaves the ticket alone.
            result = await asyncio.shield(ticket.result)
        except SandboxError as error:
            status = _failed_status(error)
            if not await services.transaction(
                finish_run, run_id, owner=owner, status=status, now=services.clock()
            ):
                raise RunHandedOver from error
            raise
        if not await services.transaction(
            finish_run, run_id, owner=owner, status=RunStatus.DONE, now=services.clock(),
            metrics=result.metrics,
        ):  # fmt: skip
            raise RunHandedOver
        return result

    async def renew_leases(self) -> None:
        """This process still vouches for its unfinished runs (and, with Celery, counts
        the deployment's waiting runs and the workers that answer, for /metrics)."""
        services = self.services
        await services.transaction(renew_runs, owner=services.owner, now=services.clock())
        if self.remote is not None:
            metrics.SANDBOX_QUEUE_DEPTH.set(await services.transaction(count_waiting))
            metrics.SANDBOX_WORKERS.set(await asyncio.to_thread(self.remote.count_workers))

    async def adopt_orphans(self, *, at_start: bool) -> list[AdoptedRun]:
        """With Celery: the runs of stopped processes, now this process's to answer."""
        services = self.services
        return await services.transaction(
            adopt_orphans, services.clock(), owner=services.owner, at_start=at_start,
        )  # fmt: skip

    def follow(self, run_id: int, on_progress: ProgressHook) -> QueuedRun:
        """Follow a published run (an adopted one) as if this process had sent it."""
        assert self.remote is not None, "only Celery runs are adopted"
        ticket = RemoteTicket(0)
        self._start_following(self.remote, run_id, ticket, on_progress)
        return QueuedRun(run_id, ticket, 0)

    async def take_interrupted(self, *, at_start: bool) -> list[InterruptedRun]:
        """Runs a stopped process left to tell, now this one's (see ``take_interrupted``)."""
        services = self.services
        return await services.transaction(
            take_interrupted, services.clock(), owner=services.owner, at_start=at_start,
        )  # fmt: skip

    async def told(self, run_id: int) -> None:
        """The asker of an interrupted run has been told: no start tells them again."""
        await self.services.transaction(mark_told, run_id, self.services.clock())


class TooSlow(Exception):
    """The run would take longer than the sandbox allows: refused before it queues."""

    def __init__(self, estimate_s: float, limit_s: float, shorter: RunSpec | None) -> None:
        super().__init__(estimate_s, limit_s, shorter)
        self.estimate_s, self.limit_s = estimate_s, limit_s
        self.shorter = shorter  # the same run with fewer steps that fits, if one does


class SandboxOff(Exception):
    """This server runs no sandbox (SANDBOX_ENABLED=false)."""


class RunHandedOver(Exception):
    """Another bot instance owns the run's row now and tells its user how it ended."""


class RunTicket(Protocol):
    """Where a run stands: the embedded queue's ``Ticket`` or a Celery ``RemoteTicket``."""

    started: asyncio.Event

    @property
    def ahead(self) -> int: ...

    @property
    def starts_in_s(self) -> int: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Asker:
    """Who asked for a run, and where."""

    user_id: int
    chat_id: int
    in_group: bool


@dataclass(frozen=True)
class QueuedRun:
    run_id: int
    ticket: Ticket[RunResult] | RemoteTicket
    ahead_at_submit: int  # runs ahead of it in the queue when it was accepted


@dataclass(frozen=True)
class AdoptedRun:
    """A run taken over from a stopped process: where its user waits for it."""

    run_id: int
    chat_id: int
    settings: str
    status_message_id: int | None


@dataclass(frozen=True)
class InterruptedRun:
    run_id: int
    chat_id: int
    settings: str
    status_message_id: int | None


def record_run(
    session: Session, *, user_id: int, chat_id: int, settings: str, now: datetime, owner: str
) -> int:
    run = DistillRun(
        user_id=user_id, chat_id=chat_id, settings=settings[:400], status=RunStatus.QUEUED,
        created_at=now, owner=owner, lease_until=now + RUN_LEASE,
    )  # fmt: skip
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def renew_runs(session: Session, *, owner: Owner, now: datetime) -> None:
    """``owner`` still vouches for its unfinished runs and for the askers it is telling."""
    session.exec(
        update(DistillRun)
        .where(col(DistillRun.owner).in_(owner.marks), _owed_a_word())
        .values(lease_until=now + RUN_LEASE)
    )


def update_run(
    session: Session,
    run_id: int,
    *,
    status: RunStatus | None = None,
    now: datetime | None = None,
    status_message_id: int | None = None,
    metrics: dict[str, object] | None = None,
) -> None:
    run = session.get(DistillRun, run_id)
    if run is None:
        return
    if status is not None and run.status in UNFINISHED:
        run.status = status  # a run already reported interrupted stays so
    if now is not None:
        run.finished_at = now
    if status_message_id is not None:
        run.status_message_id = status_message_id
    if metrics is not None:
        run.metrics = json.dumps(metrics, default=str)


def finish_run(
    session: Session,
    run_id: int,
    *,
    owner: Owner,
    status: RunStatus,
    now: datetime,
    metrics: dict[str, object] | None = None,
) -> bool:
    """End an unfinished run that ``owner`` still holds; False if it does not (then another
    instance answers the user): the one check that makes the photo go out once."""
    values: dict[str, object] = {"status": status, "finished_at": now}
    if status == RunStatus.INTERRUPTED:  # its asker is told so now, by the caller
        values["told_at"] = now
    if metrics is not None:
        values["metrics"] = json.dumps(metrics, default=str)
    outcome = session.exec(
        update(DistillRun)
        .where(
            col(DistillRun.id) == run_id,
            col(DistillRun.owner).in_(owner.marks),
            col(DistillRun.status).in_(UNFINISHED),
        )
        .values(**values)
    )
    return bool(outcome.rowcount == 1)


def _failed_status(error: SandboxError) -> RunStatus:
    if isinstance(error, RunTimeout):
        return RunStatus.TIMEOUT
    if isinstance(error, RunInterrupted):
        return RunStatus.INTERRUPTED
    return RunStatus.FAILED


def take_interrupted(
    session: Session, now: datetime, *, owner: Owner, at_start: bool
) -> list[InterruptedRun]:
    """Runs of a process that stopped whose askers are owed a word: the unfinished ones,
    marked interrupted now, and those it marked but stopped before telling (``told_at``).

    A run's process has stopped when its lease ran out, when it has no owner (recorded
    before owners were), or when it was a process of ``owner``'s name that is provably
    gone (``owner`` holds the name's lock: ``Claimant.is_dead``). A process of this name
    still running (the old one of a rolling deploy) holds the lock, so its runs wait for
    their lease. A run whose owner is the bare name (recorded before marks were) is taken
    at start-up if ``owner`` holds the name. The runs become ``owner``'s, under its lease,
    until ``mark_told``: if it stops first, they are taken again, so each asker is told
    once across any number of restarts.
    """
    runs = _orphans(session, now, owner=owner, at_start=at_start, untold=True)
    for run in runs:
        if run.status != RunStatus.INTERRUPTED:
            run.status = RunStatus.INTERRUPTED
            run.finished_at = now
        run.owner, run.lease_until = owner.mark, now + RUN_LEASE
    return [
        InterruptedRun(run.id or 0, run.chat_id, run.settings, run.status_message_id)
        for run in runs
    ]


def mark_told(session: Session, run_id: int, now: datetime) -> None:
    session.exec(
        update(DistillRun)
        .where(col(DistillRun.id) == run_id, col(DistillRun.told_at).is_(None))
        .values(told_at=now)
    )


def adopt_orphans(
    session: Session, now: datetime, *, owner: Owner, at_start: bool
) -> list[AdoptedRun]:
    """With Celery, a stopped process's runs go on in the workers: take them over (the
    rows become ``owner``'s, under its lease), so that this process tells their users."""
    runs = _orphans(session, now, owner=owner, at_start=at_start)
    for run in runs:
        run.owner, run.lease_until = owner.mark, now + RUN_LEASE
    return [
        AdoptedRun(run.id or 0, run.chat_id, run.settings, run.status_message_id) for run in runs
    ]


def _orphans(
    session: Session, now: datetime, *, owner: Owner, at_start: bool, untold: bool = False
) -> list[DistillRun]:
    """Unfinished runs of a process that stopped (see ``take_interrupted``), locked, oldest
    first; with ``untold`` also its interrupted runs whose askers it did not tell."""
    stopped = or_(
        col(DistillRun.lease_until).is_(None),
        col(DistillRun.lease_until) < now,
        col(DistillRun.owner).is_(None),
        held_by_the_dead(col(DistillRun.owner), owner.claimant),
    )
    if at_start and owner.claimant.heir_of is not None:
        stopped = or_(stopped, col(DistillRun.owner) == owner.name)
    return list(
        session.exec(
            select(DistillRun)
            .where(_owed_a_word() if untold else col(DistillRun.status).in_(UNFINISHED), stopped)
            .order_by(col(DistillRun.id))
            .with_for_update(skip_locked=True)
        )
    )


def _owed_a_word() -> ColumnElement[bool]:
    """Runs whose askers are still to hear how they ended: unfinished, or interrupted and
    not yet told so."""
    return or_(
        col(DistillRun.status).in_(UNFINISHED),
        and_(col(DistillRun.status) == RunStatus.INTERRUPTED, col(DistillRun.told_at).is_(None)),
    )
