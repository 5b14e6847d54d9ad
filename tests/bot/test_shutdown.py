"""SIGTERM in the middle of a fan-out: the bot stops cleanly and no drop is lost or repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery
from bot.telegram.views.parts import drop_cards
from drops.loader import get_course
from tests.processes import bot_env, stand_in, start_bot, stop, terminate

CHATS = 50
FIRST_CHAT = 10_000
LATECOMER = 99_999
OPENED_DROP, DUE_DROP = "2.1", "2.2"  # 2.2 is three messages: a stop lands mid-delivery
# Fast enough to keep the test short, slow enough that SIGTERM lands mid-fan-out.
# The first delivery tick comes one DELIVERY_CHECK_SECONDS after start-up.
PACE = {
    "OVERALL_SEND_INTERVAL_S": "0.01",
    "PRIVATE_CHAT_INTERVAL_S": "0.3",
    "DELIVERY_CHECK_SECONDS": "1",
}


def seed_due_chat(session: Session, chat_id: int, now: datetime) -> None:
    """A private chat that opened yesterday's drop and is due for the next one now."""
    session.add(
        Chat(id=chat_id, kind="private", time_zone="UTC", delivery_time="08:00",
             next_due_at=now - timedelta(minutes=1), current_drop_id=OPENED_DROP,
             current_opened=True, last_scheduled_day="2000-01-01")
    )  # fmt: skip
    session.add(Delivery(chat_id=chat_id, drop_id=OPENED_DROP, local_day="2000-01-01",
                         sent_at=now - timedelta(days=1)))  # fmt: skip


def seed(database_url: str, chat_ids: range | list[int]) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for chat_id in chat_ids:
            seed_due_chat(session, chat_id, now)
        session.commit()
    engine.dispose()


def unfinished_deliveries(database_url: str) -> list[tuple[int, str]]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.chat_id, Delivery.status).where(
                col(Delivery.status).in_(("claimed", "sending"))
            )
        ).all()
    engine.dispose()
    return [(chat_id, status) for chat_id, status in rows]


def test_sigterm_mid_fan_out_finishes_cleanly_and_a_restart_repeats_nothing(
    tmp_path: Path,
) -> None:
    course = get_course()
    assert course.next_id(OPENED_DROP) == DUE_DROP
    # The daily delivery is the drop's first card; the rest come on Continue ▸.
    parts = len(drop_cards(course, course.drop(DUE_DROP), path_round=1)[0])
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(database_url)
    seed(database_url, range(FIRST_CHAT, FIRST_CHAT + CHATS))
    with stand_in() as api:
        first = start_bot(tmp_path, bot_env(api, database_url, **PACE), "first.log")
        try:
            api.wait_for(lambda stats: stats["sent_ok"] >= 10, timeout=30)
            sent_before_stop = api.stats()["sent_ok"]
            status = terminate(first)
        finally:
            stop(first)
        assert status == 0, (tmp_path / "first.log").read_text()
        assert sent_before_stop < CHATS * parts, "SIGTERM came after the fan-out had ended"
        # What was in flight was finished, and the queue holds nothing half-done.
        assert unfinished_deliveries(database_url) == []

        # A restart resumes anything left (lease 1 s, so at once) and sends each drop once.
        # The latecomer, due now, shows that the restarted bot's delivery tick has run.
        seed(database_url, [LATECOMER])
        env = bot_env(api, database_url, DELIVERY_LEASE_S="1", **PACE)
        second = start_bot(tmp_path, env, "second.log")
        try:
            api.wait_for(lambda s: len(s["per_chat"].get(str(LATECOMER), [])) == parts, 30)
            status = terminate(second)
        finally:
            stop(second)
        assert status == 0, (tmp_path / "second.log").read_text()
        per_chat = api.stats()["per_chat"]

    expected = {str(c): parts for c in range(FIRST_CHAT, FIRST_CHAT + CHATS)}
    expected[str(LATECOMER)] = parts
    assert {chat: len(texts) for chat, texts in per_chat.items()} == expected
    assert all(len(set(texts)) == parts for texts in per_chat.values())  # no part twice
