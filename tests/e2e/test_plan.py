"""/plan, /cancel and /plans through the real Application and the Bot API stand-in."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
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
# A prompt that says neither what it returns nor how long its input is: both are asked.
VAGUE_PROMPT = "Sort our support tickets into queues for the team. Ticket: {ticket}"


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
    """/plan, the prompt, a tapped input length and a typed volume; returns the latency question.

    The prompt says it classifies, so the output question is skipped; it doesn't say how
    long a ticket is, so that is asked.
    """
    ask_prompt = await harness.command(USER, "/plan")
    assert "Question 1." in ask_prompt.text and not ask_prompt.buttons()
    ask_length = await harness.command(USER, PROMPT)
    assert "What I read from it" in ask_length.text and "Output kind: labels" in ask_length.text
    assert (
        "Question 2 of 11" in ask_length.text and "How long is a typical input" in ask_length.text
    )
    ask_volume = await press(harness, ask_length, button(ask_length, "inputlen", "300"))
    assert "Question 3 of 11" in ask_volume.text and "calls a day" in ask_volume.text
    ask_latency = await harness.command(USER, "150k/month")
    assert "5,000 calls a day" in ask_latency.text and "Question 4 of 11" in ask_latency.text
    return ask_latency


async def answer_the_rest(
    harness: BotHarness, ask_latency: ApiCall, *, teacher: str = "gpt-4o-mini"
) -> ApiCall:
    """Latency to horizon, tapped and typed; returns the summary message."""
    ask_cost = await press(harness, ask_latency, button(ask_latency, "latency", "skip"))
    assert "Question 5 of 11" in ask_cost.text
    ask_quality = await harness.command(USER, "$0.50")
    assert "$0.50 per 1,000 calls" in ask_quality.text
    ask_teacher = await press(harness, ask_quality, button(ask_quality, "quality", "match"))
    assert "Question 7 of 11" in ask_teacher.text and "Which model" in ask_teacher.text
    # A known hosted model: what its API exposes is known, so that question goes.
    ask_privacy = await harness.command(USER, teacher)
    assert "Question 8 of 10" in ask_privacy.text and "leave your company" in ask_privacy.text
    ask_engineering = await press(harness, ask_privacy, button(ask_privacy, "privacy", "hosted"))
    assert "people's time" in ask_engineering.text
    ask_horizon = await harness.command(USER, "$12k")
    assert "$12,000 of engineering, once" in ask_horizon.text
    assert "Question 10 of 10" in ask_horizon.text
    summary = await press(harness, ask_horizon, button(ask_horizon, "horizon", "365"))
    assert summary.method == "sendMessage"
    after_summary = harness.api.calls.index(summary) + 1
    await harness.next_message(USER, after=after_summary)  # the documents follow the summary
    await harness.api.wait_for(lambda calls: [c for c in documents(harness) if c.ok][1:])
    return summary


async def answer_up_to_horizon(
    harness: BotHarness, *, volume: str = "5k", teacher: str = "gpt-4o-mini",
    engineering: str = "$12k",
) -> ApiCall:  # fmt: skip
    """/plan with typed answers up to the horizon question; returns that question."""
    await harness.command(USER, "/plan")
    await harness.command(USER, PROMPT)
    await harness.command(USER, "300 tokens")
    await harness.command(USER, volume)
    await harness.command(USER, "skip")
    ask_quality = await harness.command(USER, "skip")
    await press(harness, ask_quality, button(ask_quality, "quality", "match"))
    ask_privacy = await harness.command(USER, teacher)
    await press(harness, ask_privacy, button(ask_privacy, "privacy", "hosted"))
    ask_horizon = await harness.command(USER, engineering)
    assert "pay for itself" in ask_horizon.text, ask_horizon.text
    return ask_horizon


def documents(harness: BotHarness, user: int = USER) -> list[ApiCall]:
    return harness.api.sent("sendDocument", user)


async def test_a_whole_plan_with_buttons_and_typed_answers(harness: BotHarness) -> None:
    summary = await answer_the_rest(harness, await answer_up_to_latency(harness))

    assert "Distillation plan: Support ticket classifier" in summary.text
    assert "Payback:" in summary.text and "Options compared" in summary.text
    assert any(e["type"] == "bold" for e in summary.params["entities"])
    markdown, html = documents(harness)
    [plan] = plans_of(harness)
    assert plan.title == "Support ticket classifier"
    assert markdown.files["document"].decode() == plan.document
    assert plan.document.startswith("# Distillation plan") and PROMPT in plan.document
    assert "## Options side by side" in plan.document and "GPT-4o mini" in plan.document
    assert "/plans" in markdown.text  # the caption says how to get it again
    page = html.files["document"].decode()
    assert page.startswith("<!doctype html>") and "<table>" in page and "phone" in html.text
    profile = json.loads(plan.profile)
    assert profile["volume"] == 5000 and profile["latency"] is None and profile["cost"] == 0.5
    assert profile["teacher"] == "gpt-4o-mini" and profile["output"] == "label"
    assert profile["inputlen"] == 300 and profile["engineering"] == 12_000
    row = stored(harness)
    assert row is not None and row.step == "ended"
    no_rejected_calls(harness.api)
    # Every button the conversation offered fits Telegram's 64 bytes.
    for call in harness.api.sent(chat_id=USER):
        assert all(len(b["callback_data"].encode()) <= 64 for b in call.buttons())


async def test_a_prompt_sent_with_plan_is_the_first_answer(harness: BotHarness) -> None:
    pasted = PROMPT.replace(". ", ".\n", 1)  # its line breaks are the learner's, kept
    ask_length = await harness.command(USER, f"/plan {pasted}")
    assert "What I read from it" in ask_length.text and "Output kind: labels" in ask_length.text
    assert "Question 2 of 11" in ask_length.text
    row = stored(harness)
    assert row is not None and json.loads(row.answers)["prompt"] == pasted


async def test_a_prompt_too_short_sent_with_plan_is_explained_and_asked_for(
    harness: BotHarness,
) -> None:
    ask_prompt = await harness.command(USER, "/plan hi")
    assert "too short" in ask_prompt.text and "Question 1." in ask_prompt.text
    assert stored_answers(harness) == {}


async def test_a_tapped_answer_stays_visible_and_a_second_tap_changes_nothing(
    harness: BotHarness,
) -> None:
    await harness.command(USER, "/plan")
    ask_output = await harness.command(USER, VAGUE_PROMPT)
    assert "What does the prompt produce" in ask_output.text
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
    assert "answers are discarded" in stopped.text and "first question" in stopped.text
    row = stored(harness)
    assert row is not None and row.step == "ended" and json.loads(row.answers) == {}
    # Typed text is no longer an answer.
    after = await harness.command(USER, "some more words about my prompt")
    assert "Question" not in after.text
    nothing = await harness.command(USER, "/cancel")
    assert "nothing to cancel" in nothing.text

    fresh = await harness.command(USER, "/plan")
    assert "Question 1." in fresh.text and not fresh.buttons()
    assert "/cancel stops and discards the answers" in fresh.text  # as /cancel does
    again = stored(harness)
    assert again is not None and again.conversation_id == first.conversation_id + 1


async def test_a_restart_mid_conversation_resumes_where_it_was(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    try:
        async with running_bot(tmp_path, api=api) as first:
            await first.command(USER, "/plan")
            ask_length = await first.command(USER, PROMPT)
            ask_volume = await press(first, ask_length, button(ask_length, "inputlen", "700"))
            assert "Question 3 of 11" in ask_volume.text
        async with running_bot(tmp_path, api=api) as second:
            # A typed answer after the restart answers the stored question.
            ask_latency = await second.command(USER, "10k")
            assert "Question 4 of 11" in ask_latency.text
            assert stored_answers(second) == {"prompt": PROMPT, "inputlen": 700, "volume": 10000}
            # A button sent before the restart still works: the data names the conversation.
            summary = await answer_the_rest(second, ask_latency)
            assert "Distillation plan" in summary.text
            [plan] = plans_of(second)
            assert json.loads(plan.profile)["inputlen"] == 700
            no_rejected_calls(api)
    finally:
        await api.stop()


async def test_plan_again_offers_resume_or_start_over(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    ask_length = await harness.command(USER, PROMPT)
    choice = await harness.command(USER, "/plan")
    assert "1 of 11 questions answered" in choice.text
    assert [b["text"] for b in choice.buttons()] == ["▶️ Resume", "🔄 Start over"]

    resumed = await press(harness, choice, choice.buttons()[0]["callback_data"])
    assert "Question 2 of 11" in resumed.text and "typical input" in resumed.text
    assert stored_answers(harness) == {"prompt": PROMPT}

    choice = await harness.command(USER, "/plan")
    restarted = await press(harness, choice, choice.buttons()[1]["callback_data"])
    assert "Question 1." in restarted.text
    assert stored_answers(harness) == {}

    # A button of the first conversation: said so, nothing stored changes.
    old = await press(harness, ask_length, button(ask_length, "inputlen", "300"))
    assert "earlier plan" in old.text and "Question 1." in old.text
    assert stored_answers(harness) == {}


async def test_a_too_long_or_too_short_prompt_is_explained(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    too_long = await harness.command(USER, "Summarise this contract. " * 120)
    assert "the limit is 2,000" in too_long.text and "Question 1." in too_long.text
    assert stored_answers(harness) == {}
    too_short = await harness.command(USER, "hi")
    assert "too short" in too_short.text
    assert stored_answers(harness) == {}
    no_rejected_calls(harness.api)


async def test_a_volume_that_is_not_a_number_changes_nothing(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    ask_length = await harness.command(USER, PROMPT)
    await press(harness, ask_length, button(ask_length, "inputlen", "300"))
    before = stored_answers(harness)

    bad = await harness.command(USER, "lots and lots")
    assert "Question 3 of 11" in bad.text and bad.text.split("\n")[0]
    assert "Question 3 of 11" not in bad.text.split("\n")[0]  # the explanation comes first
    assert [b["text"] for b in bad.buttons()][:2] == ["100", "1k"]
    assert stored_answers(harness) == before
    good = await harness.command(USER, "2,500")
    assert "2,500 calls a day" in good.text and "Question 4 of 11" in good.text


@pytest.mark.parametrize(("typed", "days"), [("6 mos", 183), ("3 wks", 21)])
async def test_a_horizon_with_an_abbreviated_unit_is_read_in_that_unit(
    harness: BotHarness, typed: str, days: int
) -> None:
    # "6 mos" was read as 6 days: the unit it did not know was dropped.
    await answer_up_to_horizon(harness)
    summary = await harness.command(USER, typed)
    assert "Distillation plan" in summary.text
    [plan] = plans_of(harness)
    assert json.loads(plan.profile)["horizon"] == days, summary.text[:400]


async def test_a_payback_just_past_the_horizon_reads_past_it(harness: BotHarness) -> None:
    # One-off $312,008 ÷ $854.54 a day = 365.1 days: the verdict rounded it to "only in
    # 365 days", then called that past a horizon of 365 days.
    await answer_up_to_horizon(harness, volume="1M", teacher="gpt-4o", engineering="$312,000")
    summary = await harness.command(USER, "1 year")
    assert "past your horizon of 365 days" in summary.text, summary.text
    assert not re.search(r"only in 365 days [^.]*past your horizon of 365 days", summary.text), (
        summary.text
    )
    assert "only in 366 days" in summary.text, summary.text


async def test_a_latency_in_hours_is_refused_not_read_as_milliseconds(
    harness: BotHarness,
) -> None:
    # A batch job's "24 hours" was confirmed as "Latency target 24 ms".
    await harness.command(USER, "/plan")
    await harness.command(USER, PROMPT)
    await harness.command(USER, "300 tokens")
    await harness.command(USER, "5k")
    refused = await harness.command(USER, "24 hours")
    assert "Latency target 24 ms" not in refused.text, refused.text
    assert "over 10 minutes" in refused.text and "Question 4 of 11" in refused.text
    assert "latency" not in stored_answers(harness)


async def test_another_command_mid_plan_works_and_the_plan_waits(harness: BotHarness) -> None:
    await harness.command(USER, "/plan")
    await harness.command(USER, PROMPT)
    help_reply = await harness.command(USER, "/help")
    assert "/plan" in help_reply.text and "/cancel" in help_reply.text
    assert stored_answers(harness) == {"prompt": PROMPT}
    ask_volume = await harness.command(USER, "about 1,200 words")
    assert "~1,600 tokens an input" in ask_volume.text and "Question 3 of 11" in ask_volume.text
    assert stored_answers(harness)["inputlen"] == 1600


async def test_plans_lists_earlier_plans_and_sends_one_again(harness: BotHarness) -> None:
    empty = await harness.command(USER, "/plans")
    assert "No plans yet" in empty.text
    await answer_the_rest(harness, await answer_up_to_latency(harness))
    [plan] = plans_of(harness)

    listing = await harness.command(USER, "/plans")
    assert "Your plans" in listing.text and "2 Mar 2026" in listing.text
    [data] = [b["callback_data"] for b in listing.buttons()]
    assert data == f"plans:{plan.id}"

    assert "Support ticket classifier" in listing.text
    again = await press(harness, listing, data)
    assert again.method == "sendDocument"
    assert again.files["document"].decode() == plan.document
    await harness.api.wait_for(lambda calls: [c for c in documents(harness) if c.ok][3:])
    assert [d.files["document"][:15] for d in documents(harness)[2:]] == [
        b"# Distillation ",
        b"<!doctype html>",
    ]

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
    assert "Question 1." in first.text


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
    progress = await harness.command(USER, "/progress")
    assert "1 of 14 drops done" in progress.text  # 4.1, done by the plan


async def test_onboarding_input_and_plan_answers_do_not_mix(harness: BotHarness) -> None:
    ask_time = await harness.command(USER, "/start")  # onboarding now waits for a typed time
    assert "time" in ask_time.text
    await harness.command(USER, "/plan")  # the more recent request wins
    ask_length = await harness.command(USER, PROMPT)
    assert "Question 2 of 11" in ask_length.text
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
    assert "typed answers" in answer.text and "Question 1." in answer.text
    assert stored_answers(harness) == {}


async def test_other_asks_for_the_name_and_uses_it(harness: BotHarness) -> None:
    ask_latency = await answer_up_to_latency(harness)
    ask_cost = await press(harness, ask_latency, button(ask_latency, "latency", "skip"))
    ask_quality = await harness.command(USER, "skip")
    assert "Question 6 of 11" in ask_quality.text and ask_cost.text
    ask_teacher = await press(harness, ask_quality, button(ask_quality, "quality", "relaxed"))
    assert [b["text"] for b in ask_teacher.buttons()][-1] == "Other (type its name)"

    ask_name = await press(harness, ask_teacher, button(ask_teacher, "teacher", "other"))
    assert "Type the model's name" in ask_name.text
    assert "teacher" not in stored_answers(harness)  # nothing stored, no plan made
    assert plans_of(harness) == []
    # Typing "other" is not a name either.
    again = await harness.command(USER, "Other")
    assert "Type the model's name" in again.text and "Question 7 of 11" in again.text
    # A name the price table knows: matched, and its API's log-probs need no question.
    ask_privacy = await harness.command(USER, "claude haiku 4.5")
    assert "✓ claude haiku 4.5 → Claude Haiku 4.5" in ask_privacy.text
    assert "Question 8 of 10" in ask_privacy.text
    assert stored_answers(harness)["teacher"] == "claude haiku 4.5"
    ask_engineering = await press(harness, ask_privacy, button(ask_privacy, "privacy", "hosted"))
    ask_horizon = await press(
        harness, ask_engineering, button(ask_engineering, "engineering", "10000")
    )
    summary = await press(harness, ask_horizon, button(ask_horizon, "horizon", "730"))
    assert "claude haiku 4.5 (as Claude Haiku 4.5)" in summary.text
    assert "Other (type its name)" not in summary.text
    [plan] = plans_of(harness)
    assert "Teacher today: claude haiku 4.5" in plan.document
    assert "$1.00/1M" in plan.document  # Haiku's input price from the table
    no_rejected_calls(harness.api)


async def at_the_teachers_name(harness: BotHarness) -> None:
    """Up to "Other (type its name)" under the teacher question."""
    ask_latency = await answer_up_to_latency(harness)
    await press(harness, ask_latency, button(ask_latency, "latency", "skip"))
    ask_quality = await harness.command(USER, "skip")
    ask_teacher = await press(harness, ask_quality, button(ask_quality, "quality", "match"))
    await press(harness, ask_teacher, button(ask_teacher, "teacher", "other"))


async def test_an_unknown_model_asks_what_its_api_exposes(harness: BotHarness) -> None:
    await at_the_teachers_name(harness)
    ask_logprobs = await harness.command(USER, "our-llm $1/$4")
    assert "our-llm at your prices: $1.00/1M in, $4.00/1M out" in ask_logprobs.text
    assert "log-probabilities" in ask_logprobs.text and "Question 8 of 11" in ask_logprobs.text


async def test_own_prices_typed_per_1m_tokens_are_used(harness: BotHarness) -> None:
    # The question asks for "your own prices per 1M input/output tokens"; typed so, they
    # were dropped and the model priced like a frontier one.
    await at_the_teachers_name(harness)
    ask_next = await harness.command(USER, "our-llm $1/$4 per 1M")
    assert "priced like a frontier model" not in ask_next.text, ask_next.text
    assert "our-llm at your prices: $1.00/1M in, $4.00/1M out" in ask_next.text, ask_next.text


async def test_a_reasoning_teacher_is_priced_with_its_reasoning_tokens(
    harness: BotHarness,
) -> None:
    # o3 thinks before it labels a ticket and OpenAI bills that as output: the summary
    # prices it in and says the count is an estimate.
    await at_the_teachers_name(harness)
    ask_privacy = await harness.command(USER, "o3")
    assert "✓ o3 → o3" in ask_privacy.text, ask_privacy.text
    ask_engineering = await press(harness, ask_privacy, button(ask_privacy, "privacy", "hosted"))
    ask_horizon = await press(
        harness, ask_engineering, button(ask_engineering, "engineering", "10000")
    )
    summary = await press(harness, ask_horizon, button(ask_horizon, "horizon", "365"))
    assert "Keep o3" in summary.text
    assert "incl. ~300 reasoning tokens a call (estimate)" in summary.text, summary.text
    [plan] = plans_of(harness)
    assert "output + ~300 reasoning) tokens × $8.00/1M" in plan.document
    no_rejected_calls(harness.api)
