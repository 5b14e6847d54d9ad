"""The private quiz: a drop's questions after Done, then the day's reviews, /review, the cap."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.services.quiz.bank import drop_of, quiz_bank
from bot.storage.models import LearnerCard
from tests.e2e.harness import BotHarness
from tests.quiz.steps import (
    answer,
    answer_all,
    cards,
    finish_drop,
    first_question,
    is_question,
    review_logs,
    start_learner,
    stored_question,
)

USER = 7101


async def test_done_starts_the_drop_quiz_one_question_at_a_time(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    assert "Quiz 1 of 3" in first.text and "Drop 1.1 · 1 of 14" in first.text
    assert [b["text"] for b in first.buttons()] == ["A", "B", "C", "D"][: len(first.buttons())]

    second = await answer(harness, USER, first, right=False)
    edited = harness.api.message_for(first)
    item = quiz_bank().get(stored_question(harness, first).item_id)
    assert item is not None
    assert "Not quite" in (edited.text or "") and item.explanation in (edited.text or "")
    assert [b["callback_data"] for row in edited.reply_markup["inline_keyboard"] for b in row] == [
        f"qu:{stored_question(harness, first).id}"
    ]
    assert is_question(second) and "Quiz 2 of 3" in second.text

    third = await answer(harness, USER, second, right=True)
    assert "Right!" in (harness.api.message_for(second).text or "")
    missed_card = card_state(harness, USER, item.id)
    again = await answer(harness, USER, third, right=True)
    # The missed item comes once more before the quiz closes (Anki's relearning step).
    assert "Once more" in again.text and item.question in again.text
    closing = await answer(harness, USER, again, right=True)
    assert "2 of 3 right" in closing.text
    assert "No reviews due today" in closing.text
    assert card_state(harness, USER, item.id) == missed_card, "not a second FSRS review today"

    logs = review_logs(harness, USER)
    assert [(log.correct, log.rating, log.source) for log in logs] == [
        (False, 1, "private"),
        (True, 3, "private"),
        (True, 3, "private"),
        (True, 3, "relearn"),
    ]
    assert all(log.duration_ms is not None and log.duration_ms >= 0 for log in logs)
    # Every item of the drop has a card: three answered, three waiting for tomorrow.
    assert len(cards(harness, USER)) == len(quiz_bank().items_for_drop("1.1"))


async def test_next_day_reviews_come_after_the_drop_quiz_interleaved(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    await answer_all(harness, USER, first, [False, True, True, True])  # the miss, once more

    harness.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))
    await harness.tick()  # drop 2
    quiz = await finish_drop(harness, USER)
    assert "Drop 1.2 · 2 of 14" in quiz.text
    _, offer = await answer_all(harness, USER, quiz, [True, True, True])
    # Due today: the wrong answer of yesterday (1 day) and drop 1's three items not yet asked.
    assert "4 reviews due today" in offer.text
    start = next(b for b in offer.buttons() if b["text"].endswith("Start"))
    before = len(harness.api.calls)
    harness.api.press(USER, offer, start["callback_data"])
    review = await first_question(harness, USER, before)
    assert "Review 1 of 4" in review.text
    asked, closing = await answer_all(harness, USER, review, [True, True, True, True])
    assert "All caught up: 4 reviews done today" in closing.text
    kinds = {stored_question(harness, q).kind for q in asked}
    assert kinds == {"review"}


async def test_review_command_respects_the_daily_cap(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    saved = await harness.command(USER, "/settings cap=5")
    assert "cap: 5 reviews a day" in saved.text
    # Each drop: three misses, then each once more (missed again: no third time).
    await answer_all(harness, USER, await finish_drop(harness, USER), [False] * 6)
    await harness.command(USER, "/next")
    await answer_all(harness, USER, await finish_drop(harness, USER), [False] * 6)

    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # 12 due: 6 lapses, 6 unasked
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    first = await first_question(harness, USER, before)
    assert "Review 1 of 5" in first.text
    asked, closing = await answer_all(harness, USER, first, [True] * 5)
    drops = [drop_of(quiz_bank(), stored_question(harness, q).item_id) for q in asked]
    assert all(a != b for a, b in itertools.pairwise(drops)), f"drops not interleaved: {drops}"
    assert "That's your 5 reviews for today. 7 reviews more wait" in closing.text
    again = await harness.command(USER, "/review")
    assert "That's your 5 reviews for today" in again.text

    harness.clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))  # a new day: the backlog goes on
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    nxt = await first_question(harness, USER, before)
    assert "Review 1 of 5" in nxt.text


def card_state(harness: BotHarness, user: int, item_id: str) -> tuple[str, datetime]:
    with Session(harness.services.engine) as session:
        card = session.exec(
            select(LearnerCard).where(
                LearnerCard.learner_id == user, LearnerCard.item_id == item_id
            )
        ).one()
        return card.state, card.due_at


async def test_a_right_first_answer_is_not_asked_again(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    asked, closing = await answer_all(harness, USER, await finish_drop(harness, USER), [True] * 3)
    assert len(asked) == 3 and "3 of 3 right" in closing.text


async def test_a_review_missed_today_comes_once_more_at_the_end_of_the_session(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    await answer_all(harness, USER, await finish_drop(harness, USER), [True, True, True])
    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # three unasked items are due
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    first = await first_question(harness, USER, before)
    missed = stored_question(harness, first).item_id
    asked, closing = await answer_all(harness, USER, first, [False, True, True, False])
    kinds = [stored_question(harness, q).kind for q in asked]
    assert kinds == ["review", "review", "review", "relearn"]
    assert stored_question(harness, asked[-1]).item_id == missed
    assert "Once more" in asked[-1].text
    # Missed twice today, it still is not asked a third time: the session closes.
    assert not is_question(closing)
