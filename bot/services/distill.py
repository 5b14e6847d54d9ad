"""The bot's side of /distill: the warm worker, the queue, and a record of every run.

torch is never imported here: ``kd_sandbox.worker`` and ``kd_sandbox.queue`` are
torch-free, and the worker's child process is the only place that trains.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, or_, select, update

from bot.config import Settings
from bot.storage.db import session_scope
from bot.storage.models import DistillRun
from kd_sandbox.queue import RunQueue
from kd_sandbox.worker import SandboxWorker

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")
# A process vouches for its unfinished runs this long and renews every third of it; runs
# whose lease ran out belong to a process that stopped (see ``take_interrupted``).
RUN_LEASE = timedelta(seconds=90)


class Sandbox:
    """One warm worker process and the queue that feeds it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.worker = SandboxWorker(
            settings.cache_dir, torch_threads=settings.sandbox_torch_threads
        )
        self.queue = RunQueue(
            max_waiting=settings.sandbox_queue_size,
            cooldown_s=settings.sandbox_cooldown_s,
            group_runs_per_hour=settings.sandbox_group_runs_per_hour,
        )

    async def start(self) -> None:
        """Warm the worker (import torch, load the cached teacher) in the background."""
        await self.worker.start()

    async def close(self) -> None:
        await self.queue.close()
        await self.worker.close()


def record_run(
    engine: Engine, *, user_id: int, chat_id: int, settings: str, now: datetime, owner: str
) -> int:
    with session_scope(engine) as session:
        run = DistillRun(
            user_id=user_id, chat_id=chat_id, settings=settings[:400], status="queued",
            created_at=now, owner=owner, lease_until=now + RUN_LEASE,
        )  # fmt: skip
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def renew_runs(engine: Engine, *, owner: str, now: datetime) -> None:
    """This process still vouches for its unfinished runs."""
    with session_scope(engine) as session:
        session.exec(
            update(DistillRun)
            .where(col(DistillRun.owner) == owner, col(DistillRun.status).in_(UNFINISHED))
            .values(lease_until=now + RUN_LEASE)
        )


def update_run(
    engine: Engine,
    run_id: int,
    *,
    status: str | None = None,
    now: datetime | None = None,
    status_message_id: int | None = None,
    metrics: dict[str, object] | None = None,
) -> None:
    with session_scope(engine) as session:
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


def take_interrupted(
    engine: Engine, now: datetime, *, owner: str, at_start: bool
) -> list[DistillRun]:
    """Unfinished runs of a process that stopped: mark them interrupted, once.

    A run's process has stopped when its lease ran out, when it has no owner (recorded
    before owners were), or, at start-up, when it is this process's own name: another
    process of that name was running before this one.
    """
    stopped = or_(
        col(DistillRun.lease_until).is_(None),
        col(DistillRun.lease_until) < now,
        col(DistillRun.owner).is_(None),
    )
    if at_start:
        stopped = or_(stopped, col(DistillRun.owner) == owner)
    with session_scope(engine) as session:
        runs = list(
            session.exec(
                select(DistillRun)
                .where(col(DistillRun.status).in_(UNFINISHED), stopped)
                .with_for_update(skip_locked=True)
            )
        )
        for run in runs:
            run.status = "interrupted"
            run.finished_at = now
        return runs
