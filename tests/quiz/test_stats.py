"""/stats numbers through the database: reviews vs first answers, lapses, weakest drops."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from bot.services.quiz import questions
from bot.services.quiz.answers import record_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.cards import introduce_drop
from bot.services.quiz.stats import DropStrength, learner_stats
from bot.storage.models import Learner, LearnerCard
from quizzes import make_scheduler
from tests.quiz.conftest import ANNA, BEN, MONDAY, today_at

BANK = quiz_bank()
SCHEDULER = make_scheduler(enable_fuzzing=False)


def answer(session: Session, item_id: str, correct: bool, now: datetime) -> None:
    record_answer(
        session,
        learner_id=ANNA,
        item_id=item_id,
        correct=correct,
        today=today_at(now),
        scheduler=SCHEDULER,
        source="private",
        chat_id=ANNA,
        answered_after=None,
    )
    session.commit()


def test_stats_separate_reviews_from_first_answers(session: Session) -> None:
    introduce_drop(session, ANNA, BANK.items_for_drop("1.1"), today_at(MONDAY))
    for item_id, correct in (("1.1a", True), ("1.1b", True), ("2.2a", False)):
        answer(session, item_id, correct, MONDAY)
    two_days = MONDAY + timedelta(days=2)
    answer(session, "1.1a", False, two_days)  # a lapse in drop 1.1
    answer(session, "1.1b", True, two_days)
    answer(session, "2.2a", True, MONDAY + timedelta(days=1))

    stats = learner_stats(session, ANNA, today_at(two_days), SCHEDULER, BANK)
    assert (stats.answers, stats.right) == (6, 4)
    assert (stats.reviews, stats.remembered) == (3, 2)
    assert stats.retention == 2 / 3
    assert stats.streak == 3  # Monday, Tuesday, Wednesday
    assert stats.cards == 7  # six of drop 1.1 and 2.2a
    # Drop 2.2's card was last seen a day ago, drop 1.1's just now, so 2.2's recall is
    # lower; but one of drop 1.1's two reviews lapsed: 1.1 is the weaker by far.
    assert [(weak.drop_id, weak.lapses) for weak in stats.weakest] == [("1.1", 1), ("2.2", 0)]
    assert stats.weakest[0].retrievability > stats.weakest[1].retrievability
    assert stats.weakest[0].weakness > stats.weakest[1].weakness
    assert len(stats.forecast) == 14 and sum(stats.forecast) <= stats.cards
    assert stats.forecast[0] == stats.due_today


def test_retention_by_week_counts_each_review_in_its_own_week(session: Session) -> None:
    introduce_drop(session, ANNA, BANK.items_for_drop("1.1"), today_at(MONDAY))
    answer(session, "1.1a", True, MONDAY)  # first meetings: no review
    answer(session, "1.1b", True, MONDAY)
    answer(session, "1.1a", False, MONDAY + timedelta(days=2))  # reviews 7 days before day 9
    answer(session, "1.1b", True, MONDAY + timedelta(days=2))
    answer(session, "1.1a", True, MONDAY + timedelta(days=9))  # in the 7 days ending on day 9

    stats = learner_stats(session, ANNA, today_at(MONDAY + timedelta(days=9)), SCHEDULER, BANK)
    weeks = [(week.weeks_ago, week.reviews, week.remembered) for week in stats.weekly]
    assert weeks == [(3, 0, 0), (2, 0, 0), (1, 2, 1), (0, 1, 1)]
    assert sum(week.reviews for week in stats.weekly) == stats.reviews


def test_no_answers_no_numbers(session: Session) -> None:
    stats = learner_stats(session, BEN, today_at(MONDAY), SCHEDULER, BANK)
    assert (stats.answers, stats.cards, stats.retention, stats.weakest) == (0, 0, None, [])
    assert stats.forecast == [0] * 14


def test_a_drop_held_perfectly_is_not_weak() -> None:
    assert not DropStrength("1.1", 1.0, 0, 3).weak
    assert not DropStrength("1.1", 0.996, 0, 3).weak  # shown as 100%
    assert DropStrength("1.1", 1.0, 1, 3).weak  # a lapse is something to work on
    assert DropStrength("1.1", 0.9, 0, 0).weak
    assert DropStrength("1.1", 0.9, 1, 2).weakness == pytest.approx(0.6)


def test_due_today_is_what_review_would_ask(session: Session) -> None:
    """/review stops at the daily cap, never asks an item gone from the bank, and leaves
    an item open in a drop's quiz to that quiz (an open review it asks again: a new
    session replaces it). /stats counts due today by the same rule."""
    learner = session.get(Learner, ANNA)
    assert learner is not None
    learner.review_cap = 5
    items = [item.id for item in BANK.all()[:8]]
    for hours, item_id in enumerate([*items, "9.9z"], start=1):
        due = MONDAY - timedelta(hours=hours)
        session.add(LearnerCard(learner_id=ANNA, item_id=item_id, state="{}", due_at=due))
    for item_id, kind in ((items[0], "new"), (items[1], "review")):
        questions.ask(session, learner_id=ANNA, chat_id=ANNA, item_id=item_id, kind=kind,
                      now=MONDAY)  # fmt: skip
    session.commit()

    stats = learner_stats(session, ANNA, today_at(MONDAY), SCHEDULER, BANK)
    assert (stats.due_today, stats.due_past_cap, stats.review_cap) == (5, 2, 5)


def test_the_forecast_asks_no_more_a_day_than_the_cap_and_carries_the_rest(
    session: Session,
) -> None:
    """/stats said "due today: 5, 7 more wait" beside a chart whose today bar said 12 (and
    counted an item gone from the bank): the chart is what /review will ask each day."""
    learner = session.get(Learner, ANNA)
    assert learner is not None
    learner.review_cap = 5
    items = [item.id for item in BANK.all()[:15]]
    overdue, tomorrow = items[:12], items[12:]
    for item_id in [*overdue, "9.9z"]:
        due = MONDAY - timedelta(hours=1)
        session.add(LearnerCard(learner_id=ANNA, item_id=item_id, state="{}", due_at=due))
    for item_id in tomorrow:
        due = MONDAY + timedelta(days=1)
        session.add(LearnerCard(learner_id=ANNA, item_id=item_id, state="{}", due_at=due))
    session.commit()

    stats = learner_stats(session, ANNA, today_at(MONDAY), SCHEDULER, BANK)
    assert (stats.due_today, stats.due_past_cap) == (5, 7)
    # Today 5 of 12; tomorrow 5 of the 7 left and 3 new; then the rest, then nothing.
    assert stats.forecast[:4] == [5, 5, 5, 0]
    assert sum(stats.forecast) == 15


def test_an_item_answered_last_night_is_not_fully_recalled_this_morning(
    session: Session,
) -> None:
    """Reviews count the learner's days: a night has passed, so /stats' weakest drops do
    not show the drop as held at 100% (it was left out as perfect)."""
    evening = MONDAY.replace(hour=21)
    introduce_drop(session, ANNA, BANK.items_for_drop("1.1"), today_at(evening))
    answer(session, "1.1a", True, evening)
    morning = evening + timedelta(hours=10)
    stats = learner_stats(session, ANNA, today_at(morning), SCHEDULER, BANK)
    assert [weak.drop_id for weak in stats.weakest] == ["1.1"]
    assert stats.weakest[0].retrievability < 0.995
