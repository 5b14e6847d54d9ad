"""/export and /forget through the real Application: everything about a user, then nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import BodyPartReader, web
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from bot.services.distill import record_run
from bot.services.your_data import EXPORT_FILENAME
from bot.storage.models import (
    Chat,
    Delivery,
    Learner,
    QuizPoll,
    QuizRound,
    ReviewRecord,
    RoundAnswer,
    RoundQuestion,
)
from tests.botapi import ApiCall, FakeBotApi
from tests.botapi.server import _decode_value
from tests.e2e.harness import BotHarness, running_bot
from tests.quiz.steps import answer, eventually, finish_drop, start_learner

USER = 5550123  # unlike any message id, count or option index, so a stray match is real
OTHER = 5550456
ADMIN = 5550789
GROUP = -5550001
PROMPT = "Classify a support ticket as billing, bug, account or other; reply with the label."
# Every /plan question answered by typing (choices accept their value typed). The prompt
# says it classifies, and gpt-4o-mini's API is known, so those questions are not asked.
PLAN_ANSWERS = (
    PROMPT, "300", "1000", "skip", "skip", "match", "gpt-4o-mini", "hosted", "10000", "365",
)  # fmt: skip
USER_TABLES = {
    "learners", "chats", "deliveries", "cards", "review_logs", "activity_days",
    "quiz_questions", "plan_conversations", "plans", "distill_runs", "quiz_rounds",
    "round_answers",
}  # fmt: skip


class FileNamesApi(FakeBotApi):
    """The stand-in, also keeping each upload's file name (the name Telegram shows)."""

    def __init__(self) -> None:
        super().__init__()
        self.file_names: list[str] = []

    async def _decode(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        if not request.content_type.startswith("multipart/"):
            return await super()._decode(request)
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        async for part in await request.multipart():
            assert isinstance(part, BodyPartReader)
            if part.filename is not None:
                self.file_names.append(part.filename)
                files[part.name or ""] = await part.read()
            else:
                params[part.name or ""] = _decode_value(part.name or "", await part.text())
        return params, files


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    api = FileNamesApi()
    await api.start()
    try:
        async with running_bot(tmp_path, api=api, sandbox_enabled=False) as running:
            yield running
    finally:
        await api.stop()


async def seed(harness: BotHarness) -> None:
    """USER: a drop, a quiz answer, a finished plan, /distill runs, a poll answer in a group,
    a quiz round there that USER started and won.

    OTHER, in the same group, answers the same poll and the round; the group gets its drop
    and polls.
    """
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
    await start_learner(harness, USER)
    question = await finish_drop(harness, USER)
    await answer(harness, USER, question, right=True)
    await harness.command(USER, "/plan")
    for text in PLAN_ANSWERS:
        await harness.command(USER, text)
    await eventually(lambda: harness.api.sent("sendDocument", USER))
    now = harness.clock()
    record = harness.services.run_transaction
    record(record_run, user_id=USER, chat_id=USER, settings="T=4", now=now, owner="a")
    record(record_run, user_id=USER, chat_id=GROUP, settings="", now=now, owner="a")

    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await eventually(lambda: group_drops(harness.services.engine) == ["sent"])  # drop 1
    harness.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await harness.tick()  # the group's drop 2 and its two polls
    poll = min(_rows(harness.services.engine, QuizPoll), key=lambda p: int(p.poll_id))
    harness.api.answer_poll(USER, poll.poll_id, [poll.correct_option])
    harness.api.answer_poll(OTHER, poll.poll_id, [poll.correct_option])
    await eventually(
        lambda: (
            {r.learner_id for r in _rows(harness.services.engine, ReviewRecord)} >= {USER, OTHER}
        )
    )
    await harness.settle(0.3)
    harness.services.run_transaction(won_round, now=harness.clock(), item_id=poll.item_id)


def won_round(session: Session, *, now: datetime, item_id: str) -> None:
    """A finished quiz round in the group: USER started and won it, OTHER took part."""
    game = QuizRound(chat_id=GROUP, started_by=USER, open_period_s=30, status="done",
                     started_at=now, ended_at=now, winner_id=USER)  # fmt: skip
    session.add(game)
    session.flush()
    assert game.id is not None
    question = RoundQuestion(round_id=game.id, position=1, item_id=item_id, sent_at=now)
    session.add(question)
    session.flush()
    assert question.id is not None
    for learner, correct in ((USER, True), (OTHER, False)):
        session.add(RoundAnswer(question_id=question.id, learner_id=learner, correct=correct,
                                answer_ms=1500))  # fmt: skip


def group_drops(engine: Engine) -> list[str]:
    return [d.status for d in _rows(engine, Delivery) if d.chat_id == GROUP]


def _rows(engine: Engine, model: type[SQLModel]) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model)))


def tables_naming(engine: Engine, value: int) -> set[str]:
    """Tables with a row that holds ``value`` (as a number or as text) in any column."""
    found = set()
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                if any(cell in (value, str(value)) for cell in row):
                    found.add(table.name)
    return found


def exported(call: ApiCall) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(call.files["document"].decode("utf-8"))
    return document


def utc_instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    assert instant.utcoffset() == timedelta(0), text
    return instant


async def test_export_sends_everything_stored_about_the_user_and_nothing_else(
    harness: BotHarness,
) -> None:
    await seed(harness)
    assert isinstance(harness.api, FileNamesApi)

    reply = await harness.command(USER, "/export")
    assert reply.method == "sendDocument" and "/forget" in reply.text
    assert harness.api.file_names[-1] == EXPORT_FILENAME
    data = exported(reply)

    assert data["user_id"] == USER and data["learner"]["id"] == USER
    assert data["learner"]["private_chat_id"] == USER and data["learner"]["review_cap"] == 20
    assert [chat["id"] for chat in data["private_chats"]] == [USER]
    assert data["private_chats"][0]["time_zone"] == "UTC"
    assert [d["drop_id"] for d in data["deliveries"]][:1] == ["1.1"]
    assert {d["chat_id"] for d in data["deliveries"]} == {USER}  # not the group's drops
    assert data["cards"] and all(c["learner_id"] == USER for c in data["cards"])
    assert all(isinstance(c["state"], dict) and "stability" in c["state"] for c in data["cards"])
    sources = {(log["source"], log["chat_id"]) for log in data["review_logs"]}
    assert sources == {("private", USER), ("group", GROUP)}
    assert [(a["learner_id"], a["correct"]) for a in data["round_answers"]] == [(USER, True)]
    assert data["activity_days"] and data["quiz_questions"]
    assert all(q["learner_id"] == USER for q in data["quiz_questions"])
    assert data["plan_conversation"]["learner_id"] == USER
    [plan] = data["plans"]
    assert plan["document"].startswith("# Distillation plan") and PROMPT in plan["document"]
    assert plan["profile"]["teacher"] == "gpt-4o-mini"
    assert [(r["chat_id"], r["settings"]) for r in data["distill_runs"]] == [
        (USER, "T=4"),
        (GROUP, ""),
    ]
    # Timestamps are ISO 8601 in UTC.
    utc_instant(data["exported_at"])
    utc_instant(data["learner"]["created_at"])
    utc_instant(data["review_logs"][0]["reviewed_at"])
    utc_instant(data["cards"][0]["due_at"])
    # Nothing about anyone else: the other member, the admin, the group itself.
    text = reply.files["document"].decode("utf-8")
    assert str(OTHER) not in text and str(ADMIN) not in text
    assert [(c.method, c.error) for c in harness.api.calls if not c.ok] == []


async def test_forget_deletes_every_row_of_the_user_and_keeps_the_groups(
    harness: BotHarness,
) -> None:
    await seed(harness)
    engine = harness.services.engine
    assert tables_naming(engine, USER) == USER_TABLES  # every table the check covers is seeded
    others_before = tables_naming(engine, OTHER)
    group_deliveries = [d.id for d in _rows(engine, Delivery) if d.chat_id == GROUP]
    polls = _rows(engine, QuizPoll)

    ask = await harness.command(USER, "/forget")
    assert "can't be undone" in ask.text
    assert [b["callback_data"] for b in ask.buttons()] == ["forget:yes", "forget:no"]
    deleted = await harness.press(USER, ask, "forget:yes")
    assert deleted is None  # the question is edited, nothing new is sent
    assert "deleted" in (harness.api.message_for(ask).text or "")

    assert tables_naming(engine, USER) == set()
    assert tables_naming(engine, OTHER) == others_before
    with Session(engine) as session:
        group = session.get(Chat, GROUP)
        assert group is not None and group.delivery_time == "09:00"
    assert [d.id for d in _rows(engine, Delivery) if d.chat_id == GROUP] == group_deliveries
    assert _rows(engine, QuizPoll) == polls
    assert {log.learner_id for log in _rows(engine, ReviewRecord)} == {OTHER}
    [game] = _rows(engine, QuizRound)  # the group's round stays, without USER's name
    assert (game.chat_id, game.winner_id, game.started_by) == (GROUP, None, 0)
    assert [a.learner_id for a in _rows(engine, RoundAnswer)] == [OTHER]

    # Back as a brand-new learner: greeted as on the first day, with default settings.
    hello = await harness.command(USER, "/start")
    assert f"Hi User{USER}" in hello.text and hello.buttons()
    with Session(engine) as session:
        learner = session.get(Learner, USER)
        chat = session.get(Chat, USER)
    assert learner is not None and learner.private_chat_id == USER
    assert chat is not None and chat.delivery_time is None and chat.current_drop_id is None
    fresh = exported(await harness.command(USER, "/export"))
    assert [fresh[k] for k in ("cards", "review_logs", "plans", "deliveries")] == [[]] * 4
    assert [(c.method, c.error) for c in harness.api.calls if not c.ok] == []


async def test_forget_needs_the_users_own_yes_in_a_private_chat(harness: BotHarness) -> None:
    await start_learner(harness, USER)
    engine = harness.services.engine
    before = tables_naming(engine, USER)
    ask = await harness.command(USER, "/forget")

    # Someone else's press under USER's question (a forged update) is refused.
    forged = harness.api.press(OTHER, ask, "forget:yes")
    await harness.api.wait_for(lambda _: forged not in harness.api.open_callback_queries)
    [refusal] = [
        c.params for c in harness.api.sent("answerCallbackQuery")
        if str(c.params["callback_query_id"]) == forged
    ]  # fmt: skip
    assert refusal["text"] == "This button isn't yours." and refusal["show_alert"] is True
    no = await harness.press(USER, ask, "forget:no")
    assert no is None and harness.api.message_for(ask).text == "Nothing was deleted."
    await harness.settle(0.2)
    assert tables_naming(engine, USER) == before

    # In a group both commands point to the private chat and delete nothing.
    for command in ("/export", "/forget"):
        answer_in_group = await harness.command(USER, command, chat_id=GROUP)
        assert "private chat" in answer_in_group.text and not answer_in_group.buttons()
    press_in_group = harness.api.press(USER, None, "forget:yes", chat_id=GROUP, message_id=1)
    await harness.api.wait_for(lambda _: press_in_group not in harness.api.open_callback_queries)
    await harness.settle(0.2)
    assert tables_naming(engine, USER) == before
    assert harness.api.sent("sendDocument") == []
