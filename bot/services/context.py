"""What every use case needs, built once from settings: the database, the course and the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.storage.db import database_answers, session_scope
from drops.model import Course

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

    async def transaction(
        self, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, ...)`` as one unit of work on a worker thread.

        The event loop never waits on the database: a slow query or a held SQLite lock
        delays only the update that needs it, not every other chat's reply.
        """
        return await asyncio.to_thread(self.run_transaction, work, *args, **kwargs)

    def database_answers(self) -> bool:
        """The database is up and answers (blocking: the liveness check runs it on a thread)."""
        return database_answers(self.engine)

    def run_transaction(
        self, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, ...)`` in one transaction, on the calling thread (jobs' threads)."""
        with session_scope(self.engine) as session:
            return work(session, *args, **kwargs)
