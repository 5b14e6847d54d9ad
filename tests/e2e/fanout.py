"""Many learners due at once, written straight into the database, and what each received."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery
from bot.telegram.views.parts import drop_cards
from drops.loader import get_course
from tests.botapi import FakeBotApi
from tests.botapi.server import SEND_METHODS


def seed_due_chats(
    database_url: str, chat_ids: Iterable[int], *, last_drop: str, now: datetime
) -> None:
    """Private chats that opened ``last_drop`` yesterday and are due for the next one now."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yesterday = now - timedelta(days=1)
    # Two days back, so "today" is a new day even before the day starts at 4 am local.
    last_day = (now - timedelta(days=2)).date().isoformat()
    with Session(engine) as session:
        for chat_id in chat_ids:
            session.add(
                Chat(
                    id=chat_id,
                    kind="private",
                    time_zone="UTC",
                    delivery_time="08:00",
                    next_due_at=now - timedelta(minutes=1),
                    current_drop_id=last_drop,
                    current_opened=True,
                    last_scheduled_day=last_day,
                )
            )
            session.add(
                Delivery(chat_id=chat_id, drop_id=last_drop, local_day=last_day,
                         sent_at=yesterday)
            )  # fmt: skip
        session.commit()
    engine.dispose()


def seed_due_group(database_url: str, group: int, *, last_drop: str, now: datetime) -> None:
    """A group that was sent ``last_drop`` two days ago and is due for the next one now."""
    upgrade(database_url)
    engine = make_engine(database_url)
    last_day = (now - timedelta(days=2)).date().isoformat()
    with Session(engine) as session:
        session.add(
            Chat(id=group, kind="group", time_zone="UTC", delivery_time="08:00",
                 next_due_at=now - timedelta(minutes=1), current_drop_id=last_drop,
                 current_opened=True, last_scheduled_day=last_day)
        )  # fmt: skip
        session.add(
            Delivery(chat_id=group, drop_id=last_drop, local_day=last_day,
                     sent_at=now - timedelta(days=2))
        )  # fmt: skip
        session.commit()
    engine.dispose()


def deliveries_sent(database_url: str, drop_id: str) -> int:
    """How many chats the outbox records as having been sent ``drop_id``: all of it, or (a
    private chat) its first card, the rest waiting for Continue ▸ (``reading``)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.drop_id) == drop_id)
                .where(col(Delivery.status).in_(("sent", "reading")))
            ).one()
    finally:
        engine.dispose()


def drop_openings(drop_id: str) -> list[str]:
    """The first 80 characters of each message a private chat's delivery of ``drop_id``
    sends (its first card; the rest come on Continue ▸), in order (as ``/_stats``)."""
    course = get_course()
    first_card = drop_cards(course, course.drop(drop_id), path_round=1)[0]
    return [part.text[:80] for part in first_card]


@dataclass(frozen=True)
class FanOutCount:
    """How a fan-out of one drop went, chat by chat."""

    exactly_once: int  # every part, once, in order
    with_a_duplicate: int  # some part arrived twice
    missing_parts: int  # parts that never arrived, over all chats

    def __str__(self) -> str:
        return (
            f"{self.exactly_once} chats got the drop exactly once, "
            f"{self.with_a_duplicate} got a part twice, {self.missing_parts} parts missing"
        )


def received_by(api: FakeBotApi) -> dict[int, list[str]]:
    """What the in-process stand-in delivered, in the shape of ``/_stats``'s per_chat."""
    received: dict[int, list[str]] = defaultdict(list)
    for call in api.sent():
        if call.method in SEND_METHODS and call.chat_id is not None:
            received[call.chat_id].append(call.text[:80])
    return received


def count_fan_out(
    received: Mapping[int, list[str]], chat_ids: Iterable[int], expected: list[str]
) -> FanOutCount:
    """Compare what each chat received (message openings in order) with ``expected``."""
    exactly = duplicated = missing = 0
    for chat_id in chat_ids:
        texts = received.get(chat_id, [])
        exactly += texts == expected
        duplicated += any(texts.count(opening) > 1 for opening in expected)
        missing += sum(1 for opening in expected if opening not in texts)
    return FanOutCount(exactly, duplicated, missing)
