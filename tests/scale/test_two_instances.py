"""Two bot instances in webhook mode on one PostgreSQL database, the second started while the
first is at work: what each instance resumes at its start-up it must not do twice.

The first instance's send is held on the stand-in's wire (``StandIn.hang``), so the second
starts while the first is mid-send, as in a rolling restart or a scale-out. What the second
instance does at start-up is then seen through something only it can do: a round (or a
quiz question) seeded after the first instance started, which the second one resumes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.kinds import RoundStatus
from bot.storage.migrate import upgrade
from bot.storage.models import (
    Chat,
    Delivery,
    Learner,
    QuizPoll,
    QuizQuestion,
    QuizRound,
    RoundQuestion,
)
from tests.processes import (
    BotProcess,
    StandIn,
    command_update,
    crash_bot_env,
    post_webhook,
    wait_until,
)
from tests.redisdb import free_port

pytestmark = pytest.mark.postgresql

SECRET = "test-secret"
BUSY_GROUP = -500_101  # its round's next poll is on the first instance's wire
OTHER_GROUP = -500_102  # its round was left past its poll's close: whoever resumes ends it
ROUND_GROUP = -500_103  # its round is started through an instance that is then killed
VOTE_GROUP = -500_104  # a vote for its round's poll reaches the instance that did not send it
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


def webhook_bot(
    tmp_path: Path,
    stand_in: StandIn,
    url: str,
    name: str,
    *,
    webhook_port: int = 0,
    **settings: str,
) -> BotProcess:
    env = crash_bot_env(
        stand_in, url, tmp_path, RUN_MODE="webhook",
        WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(webhook_port or free_port()), HEALTH_PORT=str(free_port()),
        INSTANCE_NAME=name, GROUP_SEND_INTERVAL_S="0.01",
        DELIVERY_LEASE_S="120",  # a send may take that long
        **settings,
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


def test_a_round_goes_on_when_its_instance_is_killed_and_another_runs(
    tmp_path: Path, postgres_url: str, stand_in: StandIn
) -> None:
    """/quiz through the first instance, which is killed with the poll open: the second,
    which never saw the round start, closes the poll and posts the results."""
    upgrade(postgres_url)
    _seed_group(postgres_url, ROUND_GROUP, now=datetime.now(UTC))
    ports = free_port(), free_port()
    first, second = (
        webhook_bot(tmp_path, stand_in, postgres_url, name, webhook_port=port,
                    QUIZ_ROUND_OPEN_PERIOD_S="5")
        for name, port in zip(("bot0", "bot1"), ports, strict=True)
    )  # fmt: skip
    try:
        # Both are up before the round starts: the second does not resume it at its start-up.
        wait_until(lambda: all(map(_listening, ports)), timeout=60, what="the webhook servers")
        first_port = ports[0]
        quiz = _group_command(ANNA, ROUND_GROUP, "/quiz 1")
        # The webhook's answer may come late; the poll is what the test waits for.
        threading.Thread(target=post_webhook, args=(first_port, SECRET, quiz), daemon=True).start()
        wait_until(lambda: _polls(stand_in, ROUND_GROUP), timeout=60, what="the round's poll")
        # Killed once the poll is open on record: killed before it is recorded, the second
        # instance asks the question again only when the first's claim runs out (a lease).
        wait_until(lambda: _recorded_polls(postgres_url, ROUND_GROUP), timeout=60,
                   what="the poll's record")  # fmt: skip
        first.kill()
        results = wait_until(
            lambda: [t for t in _texts(stand_in, ROUND_GROUP) if "Quiz round over" in t],
            timeout=120, what="the round's results, posted by the second instance",
        )  # fmt: skip
    finally:
        first.kill()
        second.kill()
    assert len(results) == 1, results


def test_a_vote_that_reaches_the_other_instance_before_its_poll_is_recorded_counts(
    tmp_path: Path, postgres_url: str, stand_in: StandIn
) -> None:
    """Anna votes as soon as the round's poll shows in the group, while the instance that
    sent it still waits for Telegram's answer to sendPoll; Telegram delivers her vote to
    the other instance, which has not heard of the poll. Her answer counts in the round."""
    upgrade(postgres_url)
    _seed_group(postgres_url, VOTE_GROUP, now=datetime.now(UTC))
    ports = free_port(), free_port()
    bots = [
        webhook_bot(tmp_path, stand_in, postgres_url, name, webhook_port=port,
                    QUIZ_ROUND_OPEN_PERIOD_S="5")
        for name, port in zip(("bot0", "bot1"), ports, strict=True)
    ]  # fmt: skip
    try:
        wait_until(lambda: all(map(_listening, ports)), timeout=60, what="the webhook servers")
        stand_in.answer_late("sendPoll", seconds=1.5)
        quiz = _group_command(ANNA, VOTE_GROUP, "/quiz 1")
        threading.Thread(target=post_webhook, args=(ports[0], SECRET, quiz), daemon=True).start()
        [poll] = wait_until(lambda: _polls(stand_in, VOTE_GROUP), timeout=60, what="the poll")
        post_webhook(ports[1], SECRET, _vote(ANNA, poll["poll"], right=True))
        results = wait_until(
            lambda: [t for t in _texts(stand_in, VOTE_GROUP) if "Quiz round over" in t],
            timeout=120, what="the round's results",
        )  # fmt: skip
    finally:
        for bot in bots:
            bot.kill()
    assert f"🥇 User{ANNA} — 1/1 right" in results[0], results[0]


def _vote(user_id: int, poll: dict[str, Any], *, right: bool) -> dict[str, Any]:
    """``user_id``'s vote for ``poll`` (as the stand-in shows it), as Telegram sends it."""
    key = poll["correct_option_ids"][0]
    option = key if right else (key + 1) % len(poll["options"])
    user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    chosen = {"option_ids": [option], "option_persistent_ids": [f"{poll['id']}-{option}"]}
    return {"poll_answer": {"poll_id": poll["id"], "user": user, **chosen}}


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


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _group_command(user_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """``text`` sent by ``user_id`` into the group ``chat_id``, as Telegram sends it."""
    update = command_update(user_id, text)
    update["message"]["chat"] = {"id": chat_id, "type": "group", "title": "Study group"}
    return update


def _polls(stand_in: StandIn, chat_id: int) -> list[dict[str, Any]]:
    return [message for message in stand_in.sent(chat_id) if message["method"] == "sendPoll"]


def _recorded_polls(url: str, chat_id: int) -> list[QuizPoll]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(QuizPoll).where(QuizPoll.chat_id == chat_id)))
    finally:
        engine.dispose()


def _texts(stand_in: StandIn, chat_id: int) -> list[str]:
    return [message["text"] for message in stand_in.sent(chat_id)]


def _seed_group(url: str, group: int, *, now: datetime) -> None:
    """A group that was sent drop 1.1 yesterday: its round is of one question."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(_group_chat(group, now))
        session.flush()
        yesterday = now - timedelta(days=1)
        session.add(Delivery(chat_id=group, drop_id="1.1", local_day=yesterday.date().isoformat(),
                             sent_at=yesterday))  # fmt: skip
        session.commit()
    engine.dispose()


def _group_chat(group: int, now: datetime) -> Chat:
    return Chat(id=group, kind="group", time_zone="UTC", delivery_time="08:00",
                next_due_at=now + timedelta(days=1), current_drop_id="1.2",
                current_opened=True)  # fmt: skip


def _seed_round(url: str, group: int, *, now: datetime, first_closes_at: datetime) -> None:
    """A group's round of two questions: the first poll sent (closing at ``first_closes_at``),
    the second still to ask."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(_group_chat(group, now))
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
