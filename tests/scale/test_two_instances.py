"""Two bot instances in webhook mode on one PostgreSQL database, the second started while the
first is at work: what each instance resumes at its start-up it must not do twice.

The first instance's send is held on the stand-in's wire (``StandIn.hang``), so the second
starts while the first is mid-send, as in a rolling restart or a scale-out. What the second
instance does at start-up is then seen through something only it can do: a round (or a
quiz question) seeded after the first instance started, which the second one resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from bot.storage.db import make_engine
from bot.storage.kinds import RoundStatus
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Learner, QuizQuestion, QuizRound, RoundQuestion
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until
from tests.redisdb import free_port

pytestmark = pytest.mark.postgresql

SECRET = "test-secret"
BUSY_GROUP = -500_101  # its round's next poll is on the first instance's wire
OTHER_GROUP = -500_102  # its round was left past its poll's close: whoever resumes ends it
ANNA = 7_501
BUSY_LEARNER = 7_511  # their cut-off question is on the first instance's wire
OTHER_LEARNER = 7_512  # theirs was cut off after the first instance started
BUSY_QUESTION = "Two copies of a 16-unit student"  # item 1.1a's question


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    api = StandIn()
    try:
        yield api
    finally:
        api.stop()


def webhook_bot(tmp_path: Path, stand_in: StandIn, url: str, name: str) -> BotProcess:
    env = crash_bot_env(
        stand_in, url, tmp_path, RUN_MODE="webhook",
        WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(free_port()), HEALTH_PORT=str(free_port()), INSTANCE_NAME=name,
        GROUP_SEND_INTERVAL_S="0.01", DELIVERY_LEASE_S="120",  # a send may take that long
    )  # fmt: skip
    return BotProcess(tmp_path, env)


def test_a_second_instance_does_not_ask_a_round_question_the_first_is_sending(
    tmp_path: Path, postgres_url: str, stand_in: StandIn
) -> None:
    upgrade(postgres_url)
    now = datetime.now(UTC)
    _seed_round(postgres_url, BUSY_GROUP, now=now, first_closes_at=now - timedelta(seconds=5))
    stand_in.hang("sendPoll", "2/2")
    bots: list[BotProcess] = []
    try:
        bots.append(webhook_bot(tmp_path, stand_in, postgres_url, "bot0"))
        wait_until(lambda: stand_in.stats()["held"], timeout=60, what="the first poll 2/2")
        # Left by an instance that stopped long ago: only an instance starting now ends it.
        _seed_round(postgres_url, OTHER_GROUP, now=now, first_closes_at=now - timedelta(hours=1))
        bots.append(webhook_bot(tmp_path, stand_in, postgres_url, "bot1"))
        wait_until(
            lambda: _texts(stand_in, OTHER_GROUP), timeout=60, what="the other round's results"
        )
        held = stand_in.stats()["held"]
    finally:
        for bot in bots:
            bot.kill()
    assert _texts(stand_in, OTHER_GROUP)[0].startswith("⚠️ I was offline")
    assert held == 1, "the second instance sent the busy round's poll 2/2 a second time"


def test_a_second_instance_does_not_ask_again_a_quiz_question_the_first_is_sending(
    tmp_path: Path, postgres_url: str, stand_in: StandIn
) -> None:
    upgrade(postgres_url)
    # Left by a bot killed a while ago (over a delivery lease: no live instance sends it).
    recorded = datetime.now(UTC) - timedelta(minutes=10)
    _seed_cut_off_question(postgres_url, BUSY_LEARNER, "1.1a", recorded_at=recorded)
    stand_in.hang("sendMessage", BUSY_QUESTION)
    bots: list[BotProcess] = []
    try:
        bots.append(webhook_bot(tmp_path, stand_in, postgres_url, "bot0"))
        wait_until(lambda: stand_in.stats()["held"], timeout=60, what="the first question")
        _seed_cut_off_question(postgres_url, OTHER_LEARNER, "1.2a", recorded_at=recorded)
        bots.append(webhook_bot(tmp_path, stand_in, postgres_url, "bot1"))
        wait_until(lambda: _texts(stand_in, OTHER_LEARNER), timeout=60, what="the other question")
        held = stand_in.stats()["held"]
    finally:
        for bot in bots:
            bot.kill()
    assert held == 1, "the second instance sent the question on the first one's wire again"


def _seed_cut_off_question(url: str, learner: int, item_id: str, *, recorded_at: datetime) -> None:
    """A drop's quiz question recorded and never sent, as a bot killed mid-send leaves it."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Learner(id=learner, first_name=f"User{learner}", private_chat_id=learner))
        session.add(
            QuizQuestion(learner_id=learner, chat_id=learner, item_id=item_id, kind="new",
                         sent_at=recorded_at - timedelta(seconds=1))
        )  # fmt: skip
        session.commit()
    engine.dispose()


def _texts(stand_in: StandIn, chat_id: int) -> list[str]:
    return [message["text"] for message in stand_in.sent(chat_id)]


def _seed_round(url: str, group: int, *, now: datetime, first_closes_at: datetime) -> None:
    """A group's round of two questions: the first poll sent (closing at ``first_closes_at``),
    the second still to ask."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(
            Chat(id=group, kind="group", time_zone="UTC", delivery_time="08:00",
                 next_due_at=now + timedelta(days=1), current_drop_id="1.2", current_opened=True)
        )  # fmt: skip
        game = QuizRound(
            chat_id=group, running_in=group, started_by=ANNA, open_period_s=30,
            status=RoundStatus.RUNNING, started_at=first_closes_at - timedelta(seconds=35),
        )  # fmt: skip
        session.add(game)
        session.flush()
        assert game.id is not None
        first: dict[str, Any] = {
            "poll_id": f"poll-{group}", "message_id": 1,
            "sent_at": first_closes_at - timedelta(seconds=30), "closes_at": first_closes_at,
        }  # fmt: skip
        session.add(RoundQuestion(round_id=game.id, position=1, item_id="1.1a", **first))
        session.add(RoundQuestion(round_id=game.id, position=2, item_id="1.2a"))
        session.commit()
    engine.dispose()
