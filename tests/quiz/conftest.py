"""A migrated database (SQLite, then PostgreSQL where one runs) with two learners in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.today import Today
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Learner

ANNA, BEN = 101, 102
UTC_ZONE = ZoneInfo("UTC")
MONDAY = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


def today_at(now: datetime, zone: ZoneInfo = UTC_ZONE) -> Today:
    return Today.at(now, zone, 4)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(Learner(id=ANNA, first_name="Anna"))
        session.add(Learner(id=BEN, first_name="Ben"))
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
