"""Quiz buttons are input: undo only one's own latest answer; forged, repeated, stale presses."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.storage.models import Learner, QuizQuestion
from tests.e2e.harness import BotHarness
from tests.quiz.steps import (
    answer,
    answer_buttons,
    cards,
    eventually,
    finish_drop,
    is_question,
    option_for,
    question_id,
    review_logs,
    start_learner,
)

USER = 7201
INTRUDER = 7202


async def press(harness: BotHarness, user: int, data: str, *, chat_id: int, message_id: int) -> str:
    query_id = harness.api.press(user, None, data, chat_id=chat_id, message_id=message_id)
    await harness.api.wait_for(lambda _: query_id not in harness.api.open_callback_queries)
    return query_id


def questions_snapshot(harness: BotHarness) -> list[tuple[int | None, object, object, object]]:
    with Session(harness.services.engine) as session:
        rows = session.exec(select(QuizQuestion).order_by(QuizQuestion.id))  # type: ignore[arg-type]
        return [(q.id, q.answered_at, q.chosen, q.review_log_id) for q in rows]


def everything(harness: BotHarness, *learners: int) -> object:
    """All the state a press could change."""
    with Session(harness.services.engine) as session:
        settings = [
            (row.desired_retention, row.review_cap, row.reviews_with_drop)
            for row in session.exec(select(Learner).order_by(Learner.id))  # type: ignore[arg-type]
        ]
    return (
        [(log.id, log.item_id, log.correct) for log in review_logs(harness)],
        {learner: cards(harness, learner) for learner in learners},
        questions_snapshot(harness),
        settings,
    )


async def test_undo_restores_the_card_and_asks_again(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    await start_learner(harness, INTRUDER)
    first = await finish_drop(harness, USER)
    qid = question_id(first)
    before = cards(harness, USER)

    harness.clock.advance(seconds=7)
    second = await answer(harness, USER, first, right=False)
    assert len(review_logs(harness, USER)) == 1
    assert review_logs(harness, USER)[0].duration_ms == 7000
    assert cards(harness, USER) != before

    # Someone else's press on the Undo button changes nothing.
    snapshot = everything(harness, USER)
    await press(harness, INTRUDER, f"qu:{qid}", chat_id=INTRUDER, message_id=first.message_id or 0)
    assert everything(harness, USER) == snapshot

    harness.api.press(USER, first, f"qu:{qid}")
    await eventually(lambda: not review_logs(harness, USER))
    await harness.settle()  # the undo edits the question back in after its transaction
    assert cards(harness, USER) == before
    shown = harness.api.message_for(first)
    assert answer_buttons_of(shown.reply_markup) == answer_buttons(first)
    assert "Quiz" in (shown.text or "") and "Not quite" not in (shown.text or "")

    # Answered again (now right): one answer counts, and no extra question is sent while
    # the second one is still open.
    sent_before = len(harness.api.sent("sendMessage", USER))
    harness.api.press(USER, first, f"qa:{qid}:{option_for(harness, first, right=True)}")
    await eventually(lambda: len(review_logs(harness, USER)) == 1)
    await harness.settle(0.5)
    assert [log.correct for log in review_logs(harness, USER)] == [True]
    assert len(harness.api.sent("sendMessage", USER)) == sent_before

    # Only the latest answer can be undone.
    third = await answer(harness, USER, second, right=True)
    assert is_question(third)
    snapshot = everything(harness, USER)
    await press(harness, USER, f"qu:{qid}", chat_id=USER, message_id=first.message_id or 0)
    assert everything(harness, USER) == snapshot


def answer_buttons_of(markup: dict[str, list[list[dict[str, str]]]] | None) -> list[str]:
    assert markup is not None
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def test_a_question_answered_twice_counts_once(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    right = f"qa:{question_id(first)}:{option_for(harness, first, right=True)}"
    wrong = f"qa:{question_id(first)}:{option_for(harness, first, right=False)}"
    # Three presses arrive before the first is handled (a double tap, then a change of mind).
    ids = [harness.api.press(USER, first, data) for data in (right, right, wrong)]
    await harness.api.wait_for(lambda _: not set(ids) & harness.api.open_callback_queries)
    await harness.settle(0.5)
    assert [log.correct for log in review_logs(harness, USER)] == [True]
    questions = [c for c in harness.api.sent("sendMessage", USER) if is_question(c)]
    assert len(questions) == 2  # the first and exactly one next question
    toasts = {
        str(call.params.get("callback_query_id")): call.params.get("text")
        for call in harness.api.calls
        if call.method == "answerCallbackQuery"
    }
    assert [toasts[query] for query in ids] == [
        "✅ Right!", "You've already answered this one.", "You've already answered this one.",
    ]  # fmt: skip


async def test_a_stale_question_has_expired(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    harness.clock.advance(days=2)
    snapshot = everything(harness, USER)
    data = f"qa:{question_id(first)}:{option_for(harness, first, right=True)}"
    await press(harness, USER, data, chat_id=USER, message_id=first.message_id or 0)
    assert everything(harness, USER) == snapshot
    answers = [c for c in harness.api.calls if c.method == "answerCallbackQuery"]
    assert "expired" in str(answers[-1].params.get("text"))


async def test_forged_and_malformed_callbacks_change_nothing(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    await start_learner(harness, INTRUDER)
    first = await finish_drop(harness, USER)
    second = await answer(harness, USER, first, right=True)
    open_id, answered_id = question_id(second), question_id(first)
    right = option_for(harness, second, right=True)
    crafted = [
        f"qa:{open_id}:{right}",  # the victim's open question
        f"qa:{answered_id}:0",
        f"qu:{answered_id}",  # undo the victim's answer
        "qa:999999:0",
        "qu:999999",
        f"qa:{open_id}:9",
        f"qa:{open_id}:-1",
        f"qa:{open_id}",
        f"qa:{open_id}:1:2",
        "qa:1e3:0",
        "qa::",
        "qa:" + "9" * 60,
        "qu:-1",
        "qr:now",
        "st:cap=1000",
        "st:retention=0.5",
        "st:retention=0.90;drop",
        "done:1:9.9",
    ]
    junk = random.Random(20260302)
    alphabet = string.printable + "éßΩ中😀\x00"
    for _ in range(150):
        length = junk.randint(1, 64)
        prefix = junk.choice(["", "qa:", "qu:", "st:", "qr", "done:"])
        crafted.append((prefix + "".join(junk.choices(alphabet, k=length)))[:64])

    snapshot = everything(harness, USER, INTRUDER)
    for data in crafted:
        harness.api.press(INTRUDER, None, data, chat_id=INTRUDER, message_id=second.message_id or 0)
    await harness.api.wait_for(lambda _: not harness.api.open_callback_queries, timeout=30)
    # The victim's own malformed presses change nothing either.
    for data in crafted[3:]:
        harness.api.press(USER, second, data)
    await harness.api.wait_for(lambda _: not harness.api.open_callback_queries, timeout=30)
    await harness.settle(0.5)
    assert everything(harness, USER, INTRUDER) == snapshot
    # The real answer still works afterwards.
    harness.api.press(USER, second, f"qa:{open_id}:{right}")
    await eventually(lambda: len(review_logs(harness, USER)) == 2)
    assert harness.clock.now - datetime(2026, 3, 2, 6, 0, tzinfo=UTC) < timedelta(hours=1)
