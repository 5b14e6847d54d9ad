"""/plan, /cancel and /plans through the real Application and the Bot API stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.storage.models import Chat, Delivery, PlanConversation, SavedPlan
from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.harness import BotHarness, running_bot

USER = 3001
OTHER_USER = 3002
GROUP = -4001
PROMPT = (
    "Classify this support ticket as billing, bug, account, feature_request or other. "
    "Reply with the label only. Ticket: {ticket}"
)


def button(call: ApiCall, key: str, value: str) -> str:
    """The callback data of the button that answers `key` with `value`."""
    for data in (b["callback_data"] for b in call.buttons()):
        if data.endswith(f":{key}:{value}"):
            return str(data)
    raise AssertionError(f"no {key}={value} button under {call.text[:60]!r}")


def stored(harness: BotHarness, user: int = USER) -> PlanConversation | None:
    with Session(harness.services.engine) as session:
        return session.get(PlanConversation, user)


def stored_answers(harness: BotHarness, user: int = USER) -> dict[str, object]:
    row = stored(harness, user)
    assert row is not None
    answers: dict[str, object] = json.loads(row.answers)
    return answers


def plans_of(harness: BotHarness, user: int = USER) -> list[SavedPlan]:
    with Session(harness.services.engine) as session:
        return list(session.exec(select(SavedPlan).where(SavedPlan.learner_id == user)).all())


def no_rejected_calls(api: FakeBotApi) -> None:
    """The stand-in rejects texts over 4096 characters, bad entities, long callback data."""
    assert [(c.method, c.error) for c in api.calls if not c.ok] == []


async def press(harness: BotHarness, call: ApiCall, data: str) -> ApiCall:
    sent = await harness.press(USER, call, data)
    assert sent is not None, f"no reply to {data}"
    return sent


async def answer_up_to_latency(harness: BotHarness) -> ApiCall:
    """/plan, the prompt, a tapped output kind and a typed volume; returns the latency question."""
    ask_prompt = await harness.command(USER, "/plan")
    assert "Question 1 of 11" in ask_prompt.text and not ask_prompt.buttons()
    ask_output = await harness.command(USER, PROMPT)
    assert "Question 2 of 11" in ask_output.text
    ask_volume = await press(harness, ask_output, button(ask_output, "output", "label"))
    assert "Question 3 of 11" in ask_volume.text
    ask_latency = await harness.command(USER, "150k/month")
    assert "5,000 calls a day" in ask_latency.text and "Question 4 of 11" in ask_latency.text
    return ask_latency


async def answer_the_rest(harness: BotHarness, ask_latency: ApiCall) -> ApiCall:
    """Latency to teacher, tapped and typed; returns the summary message."""
    ask_cost = await press(harness, ask_latency, button(ask_latency, "latency", "skip"))
    assert "Question 5 of 11" in ask_cost.text
    ask_quality = await harness.command(USER, "$0.50")
    assert "$0.50 per 1,000 calls" in ask_quality.text
    ask_reasoning = await press(harness, ask_quality, button(ask_quality, "quality", "match"))
    ask_logprobs = await press(harness, ask_reasoning, button(ask_reasoning, "reasoning", "hidden"))
    ask_prefs = await press(harness, ask_logprobs, button(ask_logprobs, "logprobs", "topk"))
    ask_privacy = await press(harness, ask_prefs, button(ask_prefs, "prefs", "none"))
    ask_teacher = await press(harness, ask_privacy, button(ask_privacy, "privacy", "hosted"))
    assert "Question 11 of 11" in ask_teacher.text
    summary = await harness.command(USER, "gpt-4o-mini")
    assert summary.method == "sendMessage"
    after_summary = harness.api.calls.index(summary) + 1
    await harness.next_message(USER, after=after_summary)  # the document follows the summary
    return summary


def documents(harness: BotHarness, user: int = USER) -> list[ApiCall]:
    return harness.api.sent("sendDocument", user)


async def test_a_whole_plan_with_buttons_and_typed_answers(harness: BotHarness) -> None:
    summary = await answer_the_rest(harness, await answer_up_to_latency(harness))

    assert "Distillation plan" in summary.text and "Regime:" in summary.text
    assert any(e["type"] == "bold" for e in summary.params["entities"])
    [document] = documents(harness)
    [plan] = plans_of(harness)
    assert document.files["document"].decode() == plan.document
    assert plan.document.startswith("# Distillation plan") and PROMPT in plan.document
    assert "/plans" in document.text  # the caption says how to get it again
    profile = json.loads(plan.profile)
    assert profile["volume"] == 5000 and profile["latency"] is None and profile["cost"] == 0.5
    assert profile["teacher"] == "gpt-4o-mini"
    row = stored(harness)
    assert row is not None and row.step == "ended"
    no_rejected_calls(harness.api)
    # Every button the conversation offered fits Telegram's 64 bytes.
    for call in harness.api.sent(chat_id=USER):
        assert all(len(b["callback_data"].encode()) <= 64 for b in call.buttons())


async def test_a_tapped_answer_stays_visible_and_a_second_tap_changes_nothing(
    harness: BotHarness,
) -> None:
    await harness.command(USER, "/plan")
    ask_output = await harness.command(USER, PROMPT)
    label = button(ask_output, "output", "label")
    await press(harness, ask_output, label)
    shown = harness.api.message_for(ask_output).reply_markup["inline_keyboard"]
    assert shown == [[{"text": "✓ A label / category", "callback_data": "noop"}]]
    again = await harness.press(USER, ask_output, button(ask_output, "output", "fields"))
    assert again is None
    assert stored_answers(harness)["output"] == "label"


async def test_cancel_ends_it_and_plan_starts_fresh(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    await harness.command(USER, PROMPT)
    first = stored(harness)
    assert first is not None

    stopped = await harness.command(USER, "/cancel")
    assert "Stopped" in stopped.text
    row = stored(harness)
    assert row is not None and row.step == "ended" and json.loads(row.answers) == {}
    # Typed text is no longer an answer.
    after = await harness.command(USER, "some more words about my prompt")
    assert "Question" not in after.text
    nothing = await harness.command(USER, "/cancel")
    assert "nothing to cancel" in nothing.text

    fresh = await harness.command(USER, "/plan")
    assert "Question 1 of 11" in fresh.text and not fresh.buttons()
    again = stored(harness)
    assert again is not None and again.conversation_id == first.conversation_id + 1


async def test_a_restart_mid_conversation_resumes_where_it_was(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    try:
        async with running_bot(tmp_path, api=api) as first:
            await first.command(USER, "/plan")
            ask_output = await first.command(USER, PROMPT)
            ask_volume = await press(first, ask_output, button(ask_output, "output", "fields"))
            assert "Question 3 of 11" in ask_volume.text
        async with running_bot(tmp_path, api=api) as second:
            # A typed answer after the restart answers the stored question.
            ask_latency = await second.command(USER, "10k")
            assert "Question 4 of 11" in ask_latency.text
            assert stored_answers(second) == {"prompt": PROMPT, "output": "fields", "volume": 10000}
            # A button sent before the restart still works: the data names the conversation.
            summary = await answer_the_rest(second, ask_latency)
            assert "Distillation plan" in summary.text
            [plan] = plans_of(second)
            assert json.loads(plan.profile)["output"] == "fields"
            no_rejected_calls(api)
    finally:
        await api.stop()


async def test_plan_again_offers_resume_or_start_over(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    ask_output = await harness.command(USER, PROMPT)
    choice = await harness.command(USER, "/plan")
    assert "1 of 11 questions answered" in choice.text
    assert [b["text"] for b in choice.buttons()] == ["▶️ Resume", "🔄 Start over"]

    resumed = await press(harness, choice, choice.buttons()[0]["callback_data"])
    assert "Question 2 of 11" in resumed.text
    assert stored_answers(harness) == {"prompt": PROMPT}

    choice = await harness.command(USER, "/plan")
    restarted = await press(harness, choice, choice.buttons()[1]["callback_data"])
    assert "Question 1 of 11" in restarted.text
    assert stored_answers(harness) == {}

    # A button of the first conversation: said so, nothing stored changes.
    old = await press(harness, ask_output, button(ask_output, "output", "label"))
    assert "earlier plan" in old.text and "Question 1 of 11" in old.text
    assert stored_answers(harness) == {}


async def test_a_too_long_or_too_short_prompt_is_explained(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    too_long = await harness.command(USER, "Summarise this contract. " * 120)
    assert "the limit is 2,000" in too_long.text and "Question 1 of 11" in too_long.text
    assert stored_answers(harness) == {}
    too_short = await harness.command(USER, "hi")
    assert "too short" in too_short.text
    assert stored_answers(harness) == {}
    no_rejected_calls(harness.api)


async def test_a_volume_that_is_not_a_number_changes_nothing(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    ask_output = await harness.command(USER, PROMPT)
    await press(harness, ask_output, button(ask_output, "output", "label"))
    before = stored_answers(harness)

    bad = await harness.command(USER, "lots and lots")
    assert "Question 3 of 11" in bad.text and bad.text.split("\n")[0]
    assert "Question 3 of 11" not in bad.text.split("\n")[0]  # the explanation comes first
    assert [b["text"] for b in bad.buttons()][:2] == ["100", "1k"]
    assert stored_answers(harness) == before
    good = await harness.command(USER, "2,500")
    assert "2,500 calls a day" in good.text and "Question 4 of 11" in good.text


async def test_another_command_mid_plan_works_and_the_plan_waits(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    await harness.command(USER, PROMPT)
    help_reply = await harness.command(USER, "/help")
    assert "/plan" in help_reply.text and "/cancel" in help_reply.text
    assert stored_answers(harness) == {"prompt": PROMPT}
    ask_volume = await harness.command(USER, "a label / category")
    assert "Question 3 of 11" in ask_volume.text
    assert stored_answers(harness)["output"] == "label"


async def test_plans_lists_earlier_plans_and_sends_one_again(harness: BotHarness) -> None:
    empty = await harness.command(USER, "/plans")
    assert "No plans yet" in empty.text
    await answer_the_rest(harness, await answer_up_to_latency(harness))
    [plan] = plans_of(harness)

    listing = await harness.command(USER, "/plans")
    assert "Your plans" in listing.text and "2 Mar 2026" in listing.text
    assert "Classify this support ticket" in listing.text
    [data] = [b["callback_data"] for b in listing.buttons()]
    assert data == f"plans:{plan.id}"

    again = await press(harness, listing, data)
    assert again.method == "sendDocument"
    assert again.files["document"].decode() == plan.document
    assert len(documents(harness)) == 2

    # Another learner pressing the same data gets nothing of it.
    before = len(documents(harness, OTHER_USER))
    stolen = await harness.press(OTHER_USER, listing, data)
    assert stolen is None and len(documents(harness, OTHER_USER)) == before
    no_rejected_calls(harness.api)


async def test_in_a_group_plan_points_to_the_private_chat(harness: BotHarness) -> None:
    answer = await harness.command(USER, "/plan", chat_id=GROUP)
    [link] = [e for e in answer.params["entities"] if e["type"] == "text_link"]
    assert link["url"] == "https://t.me/distill_drops_bot?start=plan"
    assert stored(harness) is None
    # The link opens the private chat with `/start plan`, which starts the plan there.
    first = await harness.command(USER, "/start plan")
    assert "Question 1 of 11" in first.text


async def test_finishing_the_plan_completes_drop_4_1_and_the_path(harness: BotHarness) -> None:
    ask_latency = await answer_up_to_latency(harness)
    now = harness.clock()
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, USER)
        assert chat is not None
        chat.time_zone, chat.delivery_time = "UTC", "08:00"
        chat.current_drop_id, chat.next_due_at = "4.1", datetime(2026, 3, 3, 8, tzinfo=UTC)
        session.add(Delivery(chat_id=USER, drop_id="4.1", local_day="2026-03-02", sent_at=now))
        session.add(chat)
        session.commit()

    await answer_the_rest(harness, ask_latency)
    finished = await harness.api.wait_for(
        lambda calls: [c for c in calls if c.ok and "finished the path" in c.text]
    )
    assert finished[0].chat_id == USER
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, USER)
        delivery = session.exec(select(Delivery).where(Delivery.chat_id == USER)).one()
    assert chat is not None and chat.finished_at == now and chat.next_due_at is None
    assert delivery.completed_at == now


async def test_onboarding_input_and_plan_answers_do_not_mix(harness: BotHarness) -> None:
    ask_time = await harness.command(USER, "/start")  # onboarding now waits for a typed time
    assert "time" in ask_time.text
    await harness.command(USER, "/plan")  # the more recent request wins
    ask_output = await harness.command(USER, PROMPT)
    assert "Question 2 of 11" in ask_output.text
    # Asked for a time mid-plan, the typed time goes to onboarding, the next answer to /plan.
    await harness.command(USER, "/start")
    ask_zone = await harness.command(USER, "07:30")
    assert "time zone" in ask_zone.text
    assert stored_answers(harness) == {"prompt": PROMPT}


async def test_a_message_that_is_not_text_asks_for_a_typed_answer(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    before = len(harness.api.calls)
    harness.api.push_update(
        message={
            "message_id": 1,
            "date": 1772431200,
            "chat": harness.api.chat_payload(USER),
            "from": {"id": USER, "is_bot": False, "first_name": "Ada"},
            "dice": {"emoji": "🎲", "value": 3},
        }
    )
    answer = await harness.next_message(USER, after=before)
    assert "typed answers" in answer.text and "Question 1 of 11" in answer.text
    assert stored_answers(harness) == {}
