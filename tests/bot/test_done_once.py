"""Two presses of a drop's Done at once (a double tap; on PostgreSQL each press has its own
database thread, or instance) count the drop done once: one "Marked as done", one quiz."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bot.services import path
from bot.services.context import Services
from bot.storage.db import make_engine
from bot.storage.kinds import DeliveryStatus
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery, Learner
from drops.loader import get_course
from tests.e2e.harness import test_settings as bot_settings

LEARNER = 7601
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_two_dones_at_once_count_the_drop_done_once(tmp_path: Path, database_url: str) -> None:
    upgrade(database_url)
    settings = bot_settings(tmp_path, "http://127.0.0.1:9", "1:x", database_url=database_url)
    services = Services(settings, make_engine(database_url), get_course(), clock=lambda: NOW)
    with Session(services.engine) as session:
        session.add(Learner(id=LEARNER, first_name="Ada", private_chat_id=LEARNER))
        session.add(Chat(id=LEARNER, kind="private", time_zone="UTC", delivery_time="07:00",
                         current_drop_id="1.1"))  # fmt: skip
        session.flush()
        session.add(Delivery(chat_id=LEARNER, drop_id="1.1", local_day="2026-06-01",
                             status=DeliveryStatus.SENT))  # fmt: skip
        session.commit()
    first_done = threading.Event()
    counted: list[bool] = []

    def press(*, first: bool) -> None:
        with Session(services.engine) as session:
            if not first:
                first_done.wait(timeout=10)
            done = path.complete(session, services, LEARNER, LEARNER, path_round=1, drop_id="1.1")
            if first:
                first_done.set()  # the second press reads while this one is not committed
                time.sleep(0.5)
            session.commit()
            counted.append(done.first_time)

    presses = [threading.Thread(target=press, kwargs={"first": f}) for f in (True, False)]
    for thread in presses:
        thread.start()
    for thread in presses:
        thread.join(timeout=30)
    services.engine.dispose()
    assert sorted(counted) == [False, True]
