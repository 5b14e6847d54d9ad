"""Who may start a /distill run when several bot instances share one database.

The embedded queue (``kd_sandbox.queue.RunQueue``) keeps its limits in memory, so they
hold per process. With Celery workers the run rows are the truth for the whole
deployment: one transaction checks them and records the new run, under a lock that makes
concurrent admissions queue behind each other (PostgreSQL: an advisory transaction lock;
SQLite: the write lock ``BEGIN IMMEDIATE`` already takes). The refusals are the embedded
queue's, so the user reads the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from bot.storage.kinds import RunStatus
from bot.storage.models import DistillRun
from kd_sandbox.queue import AlreadyRunning, GroupRateLimited, QueueFull

UNFINISHED = (RunStatus.QUEUED, RunStatus.RUNNING)
HOUR = timedelta(hours=1)
# Any constant of our own: the key of the advisory lock all admissions take.
ADMISSION_LOCK_KEY = 0x6B645F7275_6E73


@dataclass(frozen=True)
class RunLimits:
    max_waiting: int  # runs waiting for a worker, in the whole deployment
    cooldown_s: float  # a user's pause between the end of one run and the next start
    group_runs_per_hour: int


def admit_run(
    session: Session,
    *,
    user_id: int,
    chat_id: int,
    in_group: bool,
    settings: str,
    now: datetime,
    owner: str,
    lease_until: datetime,
    limits: RunLimits,
) -> int:
    """Record a queued run (its id), or raise the ``QueueRefused`` that says why not."""
    _serialise_admissions(session)
    if _count(session, DistillRun.user_id == user_id, col(DistillRun.status).in_(UNFINISHED)):
        raise AlreadyRunning()
    if count_waiting(session) >= limits.max_waiting:
        raise QueueFull()
    if in_group:
        hour_ago = now - HOUR
        recent = _count(session, DistillRun.chat_id == chat_id, DistillRun.created_at > hour_ago)
        if recent >= limits.group_runs_per_hour:
            oldest = session.exec(
                select(func.min(DistillRun.created_at)).where(
                    DistillRun.chat_id == chat_id, DistillRun.created_at > hour_ago
                )
            ).one()
            raise GroupRateLimited((oldest - hour_ago).total_seconds() if oldest else 60.0)
    run = DistillRun(
        user_id=user_id, chat_id=chat_id, settings=settings[:400], status=RunStatus.QUEUED,
        created_at=now, owner=owner, lease_until=lease_until,
    )  # fmt: skip
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def cooldown_left(session: Session, *, user_id: int, now: datetime, cooldown_s: float) -> float:
    """Seconds until the user's pause after their last run ends (0 when it has): a run
    sent inside it is accepted and starts once it is over, as the embedded queue does."""
    last_end = session.exec(
        select(func.max(DistillRun.finished_at)).where(DistillRun.user_id == user_id)
    ).one()
    if last_end is None:
        return 0.0
    return max(0.0, cooldown_s - (now - last_end).total_seconds())


def runs_ahead(session: Session, run_id: int) -> int:
    """Queued runs of the whole deployment that were accepted before ``run_id``."""
    return _count(session, DistillRun.status == RunStatus.QUEUED, col(DistillRun.id) < run_id)


def count_waiting(session: Session) -> int:
    """Runs of the whole deployment waiting for a worker."""
    return _count(session, DistillRun.status == RunStatus.QUEUED)


def withdraw_run(session: Session, run_id: int) -> None:
    """Forget a run that never reached the broker: it holds no place and no cooldown."""
    run = session.get(DistillRun, run_id)
    if run is not None and run.status == RunStatus.QUEUED:
        session.delete(run)


def _serialise_admissions(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMISSION_LOCK_KEY}
        )


def _count(session: Session, *conditions: object) -> int:
    statement = select(func.count()).select_from(DistillRun).where(*conditions)  # type: ignore[arg-type]
    return int(session.exec(statement).one())
