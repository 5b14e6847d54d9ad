"""Two units of work of one learner at once (a double tap; on PostgreSQL each press has its
own database thread, or instance): the second waits for the first and sees what it did."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.services import journey, path
from bot.services.context import Services
from bot.storage.kinds import DeliveryStatus
from bot.storage.models import ActivityDay, Chat, Delivery, Learner
from tests.e2e.harness import database_services

LEARNER = 7601
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
T = TypeVar("T")


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    services = database_services(tmp_path, database_url, NOW)
    with Session(services.engine) as session:
        session.add(Learner(id=LEARNER, first_name="Ada", private_chat_id=LEARNER))
        session.add(Chat(id=LEARNER, kind="private", time_zone="UTC", delivery_time="07:00",
                         current_drop_id="1.1"))  # fmt: skip
        session.flush()
        session.add(Delivery(chat_id=LEARNER, drop_id="1.1", local_day="2026-06-01",
                             status=DeliveryStatus.SENT))  # fmt: skip
        session.commit()
    yield services
    services.engine.dispose()


def overlapping(services: Services, work: Callable[[Session], T]) -> list[T]:
    """``work`` twice, the second starting while the first has not committed yet."""
    first_done = threading.Event()
    results: list[T] = []
    errors: list[BaseException] = []

    def run(*, first: bool) -> None:
        try:
            with Session(services.engine) as session:
                if not first:
                    first_done.wait(timeout=10)
                result = work(session)
                if first:
                    first_done.set()
                    time.sleep(0.5)  # the second one runs now
                session.commit()
                results.append(result)
        except BaseException as error:  # surfaced below: a thread's error is not the test's
            errors.append(error)

    runs = [threading.Thread(target=run, kwargs={"first": first}) for first in (True, False)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_two_dones_at_once_count_the_drop_done_once(services: Services) -> None:
    def done(session: Session) -> bool:
        pressed = path.complete(session, services, LEARNER, LEARNER, path_round=1, drop_id="1.1")
        return pressed.first_time

    assert sorted(overlapping(services, done)) == [False, True]


def test_two_answers_at_once_on_a_new_day_record_it_once(services: Services) -> None:
    def answered(session: Session) -> None:
        journey.record_activity(session, LEARNER, NOW, ZoneInfo("UTC"), day_start_hour=4)

    overlapping(services, answered)
    with Session(services.engine) as session:
        assert session.exec(select(ActivityDay.day)).all() == ["2026-06-01"]
