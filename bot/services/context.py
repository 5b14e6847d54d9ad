"""What every use case needs, built once from settings: the database, the course and the clock."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.services.executor import UrgentFirstExecutor
from bot.storage.db import database_answers, session_scope
from bot.storage.instance_lock import Claimant, InstanceLock, Owner
from drops.model import Course

DATABASE_THREADS = 4  # on a server database (PostgreSQL)
P = ParamSpec("P")
T = TypeVar("T")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Settings, the database, the course and the clock (tests inject a controllable one)."""

    settings: Settings
    engine: Engine
    course: Course
    clock: Callable[[], datetime] = system_clock
    executor: UrgentFirstExecutor = field(init=False, compare=False, repr=False)
    # This process's hold on its INSTANCE_NAME, taken at start-up (``take_name``).
    instance: InstanceLock = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # SQLite runs one write at a time, and threads that wait for its lock poll it with
        # growing sleeps: one thread, fed in order of urgency, is both fair and fastest.
        threads = 1 if self.engine.dialect.name == "sqlite" else DATABASE_THREADS
        object.__setattr__(self, "executor", UrgentFirstExecutor(threads))
        object.__setattr__(self, "instance", InstanceLock(self.engine, self.settings.instance_name))

    @property
    def claimant(self) -> Claimant:
        """How this process marks what it claims now (see ``bot.storage.instance_lock``)."""
        return self.instance.claimant

    @property
    def owner(self) -> Owner:
        """How this process marks the rows it owns now (see ``bot.storage.instance_lock``)."""
        return self.instance.owner

    async def transaction(
        self, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, ...)`` as one unit of work on a worker thread.

        The event loop never waits on the database: a slow query or a held SQLite lock
        delays only the update that needs it, not every other chat's reply; and work for
        a typed command goes ahead of a rush of button presses (see ``executor``).
        """
        loop = asyncio.get_running_loop()
        call = functools.partial(self.run_transaction, work, *args, **kwargs)
        return await loop.run_in_executor(self.executor, call)

    def close(self) -> None:
        """Let queued database work finish, then close the connections."""
        self.executor.shutdown(wait=True)
        self.instance.release()
        self.engine.dispose()

    def database_answers(self) -> bool:
        """The database is up and answers (blocking: the liveness check runs it on a thread)."""
        return database_answers(self.engine)

    def run_transaction(
        self, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, ...)`` in one transaction, on the calling thread (jobs' threads)."""
        with session_scope(self.engine) as session:
            return work(session, *args, **kwargs)
