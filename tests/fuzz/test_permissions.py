"""Hands that aren't allowed: group members who aren't admins, and other users' buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.services.quiz.questions import Refusal
from bot.storage.models import Delivery, QuizQuestion, SavedPlan
from tests.botapi import ApiCall
from tests.e2e.harness import BotHarness, running_bot
from tests.fuzz.live_bot import snapshot
from tests.quiz.steps import answer, eventually, finish_drop, start_learner

GROUP = -6660201
ADMIN, MEMBER = 6660202, 6660203
OWNER, STRANGER = 6660204, 6660205
PLAN_ANSWERS = (
    "Extract the invoice number, date and total from an email; reply with JSON.",
    # The prompt says it extracts JSON and gpt-4o-mini's API is known: those aren't asked.
    "300", "1000", "skip", "skip", "match", "gpt-4o-mini", "hosted", "10000", "365",
)  # fmt: skip


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, sandbox_enabled=False) as running:
        yield running


async def press(harness: BotHarness, user: int, data: str, chat_id: int, message_id: int) -> str:
    """Press and wait for the bot's answer to the query; returns the answer's text."""
    api = harness.api
    query = api.press(user, None, data, chat_id=chat_id, message_id=message_id)
    await api.wait_for(lambda _: query not in api.open_callback_queries)
    await harness.settle(0.2)
    [answered] = [
        c for c in api.sent("answerCallbackQuery") if str(c.params["callback_query_id"]) == query
    ]
    return str(answered.params.get("text") or "")


def last_message(harness: BotHarness, chat_id: int) -> ApiCall:
    return harness.api.sent("sendMessage", chat_id)[-1]


def no_failed_calls(harness: BotHarness) -> None:
    assert [(c.method, c.error) for c in harness.api.calls if not c.ok] == []


async def test_members_who_are_not_admins_cannot_change_the_groups_schedule(
    harness: BotHarness,
) -> None:
    harness.api.admins[GROUP] = {ADMIN}
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    engine = harness.services.engine

    def group_deliveries() -> list[str]:
        with Session(engine) as session:
            return list(session.exec(select(Delivery.status).where(Delivery.chat_id == GROUP)))

    await eventually(lambda: group_deliveries() == ["sent"])
    await harness.command(MEMBER, "/help", chat_id=GROUP)  # the member's first contact
    await harness.settle(0.3)
    before = snapshot(engine)

    for command in ("/settime 07:00", "/timezone Asia/Tokyo", "/pause", "/resume", "/restart",
                    "/settings rounds=admins"):  # fmt: skip
        refusal = await harness.command(MEMBER, command, chat_id=GROUP)
        assert "administrators" in refusal.text, command
    refused_next = await harness.command(MEMBER, "/next", chat_id=GROUP)
    assert "only administrators" in refused_next.text
    drop_message = last_message(harness, GROUP).message_id
    assert drop_message is not None
    for data in ("time:07:00", "time:type", "tz:3", "tz:type", "restart:yes:1", "gr:admins",
                 "resume"):  # fmt: skip
        said = await press(harness, MEMBER, data, GROUP, drop_message)
        assert "administrators" in said, data
    await harness.settle(0.3)
    assert snapshot(engine) == before
    no_failed_calls(harness)

    # The admin can, so the refusals above were about who asked.
    await harness.command(ADMIN, "/pause", chat_id=GROUP)
    assert snapshot(engine)["chats"] != before["chats"]


async def owner_with_plan_and_questions(harness: BotHarness) -> tuple[int, int, int]:
    """OWNER's plan id, an answered and an open quiz question id; STRANGER has a drop too."""
    await start_learner(harness, OWNER)
    await start_learner(harness, STRANGER)
    first = await finish_drop(harness, OWNER)
    await answer(harness, OWNER, first, right=True)
    await harness.command(OWNER, "/plan")
    for text in PLAN_ANSWERS:
        await harness.command(OWNER, text)
    await eventually(lambda: harness.api.sent("sendDocument", OWNER))
    with Session(harness.services.engine) as session:
        plan = session.exec(select(SavedPlan).where(SavedPlan.learner_id == OWNER)).one()
        questions = list(session.exec(select(QuizQuestion).where(QuizQuestion.learner_id == OWNER)))
    answered = next(q for q in questions if q.answered_at is not None)
    still_open = next(q for q in questions if q.answered_at is None)
    assert plan.id is not None and answered.id is not None and still_open.id is not None
    return plan.id, answered.id, still_open.id


async def test_a_users_buttons_cannot_reach_another_users_plans_or_questions(
    harness: BotHarness,
) -> None:
    plan_id, answered_id, open_id = await owner_with_plan_and_questions(harness)
    engine = harness.services.engine
    await harness.settle(0.3)
    before = snapshot(engine)
    documents = len(harness.api.sent("sendDocument"))
    own_message = last_message(harness, STRANGER).message_id
    assert own_message is not None

    said = await press(harness, STRANGER, f"plans:{plan_id}", STRANGER, own_message)
    assert said == "That plan isn't available."
    for option in range(4):
        said = await press(harness, STRANGER, f"qa:{open_id}:{option}", STRANGER, own_message)
        assert said == Refusal.NOT_YOURS.value
    said = await press(harness, STRANGER, f"qu:{answered_id}", STRANGER, own_message)
    assert said == "Only the person who answered can undo it."

    assert snapshot(engine) == before
    assert len(harness.api.sent("sendDocument")) == documents
    assert harness.api.sent(chat_id=OWNER)[-1].method == "sendDocument"  # nothing new for OWNER
    no_failed_calls(harness)


async def test_presses_forged_into_someone_elses_private_chat_change_nothing(
    harness: BotHarness,
) -> None:
    """Telegram only shows a private chat to its user; a press from anyone else is forged."""
    await start_learner(harness, OWNER)
    await start_learner(harness, STRANGER)
    engine = harness.services.engine
    await harness.settle(0.3)
    before = snapshot(engine)
    drop = next(
        c
        for c in harness.api.sent("sendMessage", OWNER)
        if any(b.get("callback_data", "").startswith("done:") for b in c.buttons())
    )
    assert drop.message_id is not None
    for data in ("done:1:1.1", "restart:yes:1", "time:09:00", "tz:5", "forget:yes"):
        await press(harness, STRANGER, data, OWNER, drop.message_id)
    await harness.settle(0.3)
    assert snapshot(engine) == before
