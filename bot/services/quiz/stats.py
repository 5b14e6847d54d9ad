"""A learner's quiz statistics: answers, retention on reviews, streak, weakest drops, forecast."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from fsrs import Scheduler
from sqlmodel import Session, col, select

from bot.core import local_day, streak
from bot.core.today import Today
from bot.services.context import Services
from bot.services.learner_zones import learner_today
from bot.services.quiz.bank import drop_of, quiz_bank
from bot.services.quiz.cards import parsed_state
from bot.services.quiz.learners import scheduler_for
from bot.services.quiz.questions import asked_lately
from bot.services.quiz.queue import ReviewQueue, review_command_queue
from bot.storage.kinds import AnswerSource
from bot.storage.models import ActivityDay, Learner, LearnerCard, ReviewRecord
from quizzes import QuizBank, forecast_due, retrievability, within_daily_cap
from quizzes.bank import drop_order

WEAKEST_SHOWN = 3
WEEKS_SHOWN = 4


@dataclass(frozen=True)
class DropStrength:
    """How well one drop's items are held: mean retrievability now, and lapses so far."""

    drop_id: str
    retrievability: float
    lapses: int
    reviews: int = 0  # answers on this drop's items met before (lapses are the wrong ones)

    @property
    def weakness(self) -> float:
        """Share of its items likely forgotten now, plus share of its reviews that lapsed:
        0 for a drop held perfectly, up to 2."""
        lapse_rate = self.lapses / self.reviews if self.reviews else 0.0
        return (1.0 - self.retrievability) + lapse_rate

    @property
    def weak(self) -> bool:
        """Anything to work on: not at 100% recall with no lapse (rounded as shown)."""
        return self.lapses > 0 or round(self.retrievability, 2) < 1.0


@dataclass(frozen=True)
class WeekRetention:
    """Reviews in one week and how many were remembered (0 weeks ago: the last 7 days)."""

    weeks_ago: int
    reviews: int
    remembered: int


@dataclass(frozen=True)
class Stats:
    """A learner's numbers, as /stats shows them.

    Attributes:
    answers, right: Every quiz answer (buttons and polls) and how many were right.
    reviews, remembered: Answers on cards answered before (a review, not a first
        meeting) and how many were right: the retention FSRS aims at.
    streak: Days in a row with a drop done or a quiz answered.
    cards: Items met so far.
    due_today: The reviews /review would still ask today (its queue, up to the cap).
    due_past_cap: Reviews due today that the daily cap leaves for the next days.
    review_cap: The learner's daily cap.
    weakest: The weakest drops by ``DropStrength.weakness``, at most three; a drop at 100%
        recall with no lapse is not weak and is left out.
    forecast: Reviews /review will ask on each of the next 14 days (today first), within
        the daily cap: what one day cannot ask waits for the next.
    weekly: Retention on reviews in each of the last WEEKS_SHOWN weeks (seven local days
        ending today, then the seven before, ...), oldest first.
    """

    answers: int
    right: int
    reviews: int
    remembered: int
    streak: int
    cards: int
    due_today: int
    due_past_cap: int
    review_cap: int
    weakest: list[DropStrength]
    forecast: list[int]
    first_day: date
    weekly: list[WeekRetention] = field(default_factory=list)

    @property
    def retention(self) -> float | None:
        return self.remembered / self.reviews if self.reviews else None


def learner_stats(
    session: Session, learner_id: int, today: Today, scheduler: Scheduler, bank: QuizBank
) -> Stats:
    logs = session.exec(
        select(
            ReviewRecord.item_id,
            ReviewRecord.correct,
            ReviewRecord.previous_state,
            ReviewRecord.reviewed_at,
        ).where(
            ReviewRecord.learner_id == learner_id,
            # A same-day repeat of a missed item is practice, not another answer to count.
            col(ReviewRecord.source) != AnswerSource.RELEARN,
        )
    ).all()
    lapses: defaultdict[str, int] = defaultdict(int)
    drop_reviews: defaultdict[str, int] = defaultdict(int)
    reviews = remembered = 0
    weeks = [[0, 0] for _ in range(WEEKS_SHOWN)]  # per week: reviews, remembered
    for item_id, correct, previous_state, reviewed_at in logs:
        if not _was_reviewed(previous_state):
            continue
        reviews += 1
        remembered += int(correct)
        answered = local_day(reviewed_at, today.zone, today.day_start_hour)
        weeks_ago = (today.day - answered).days // 7
        if 0 <= weeks_ago < WEEKS_SHOWN:
            weeks[weeks_ago][0] += 1
            weeks[weeks_ago][1] += int(correct)
        drop_id = drop_of(bank, item_id)
        if drop_id is not None:
            drop_reviews[drop_id] += 1
        if not correct and drop_id is not None:
            lapses[drop_id] += 1
    cards = list(session.exec(select(LearnerCard).where(LearnerCard.learner_id == learner_id)))
    strength: defaultdict[str, list[float]] = defaultdict(list)
    for card in cards:
        state, drop_id = parsed_state(card.state), drop_of(bank, card.item_id)
        if state is not None and state.get("last_review") is not None and drop_id is not None:
            recall = retrievability(
                state, today.now, scheduler, zone=today.zone, day_start_hour=today.day_start_hour
            )
            strength[drop_id].append(recall)
    held = (
        DropStrength(drop_id, sum(values) / len(values), lapses[drop_id], drop_reviews[drop_id])
        for drop_id, values in strength.items()
    )
    weakest = sorted(
        (drop for drop in held if drop.weak),
        key=lambda d: (-d.weakness, drop_order(d.drop_id)),
    )[:WEAKEST_SHOWN]
    days = session.exec(select(ActivityDay.day).where(col(ActivityDay.learner_id) == learner_id))
    queue = _review_queue(session, learner_id, today, bank)
    return Stats(
        answers=len(logs),
        right=sum(1 for _, correct, _, _ in logs if correct),
        reviews=reviews,
        remembered=remembered,
        streak=streak((date.fromisoformat(day) for day in days), today.day),
        cards=len(cards),
        due_today=queue.available,
        due_past_cap=queue.due - queue.available,
        review_cap=queue.cap,
        weakest=weakest,
        forecast=_forecast(cards, queue, today, bank),
        first_day=today.day,
        weekly=[WeekRetention(ago, *weeks[ago]) for ago in reversed(range(WEEKS_SHOWN))],
    )


def _forecast(
    cards: list[LearnerCard], queue: ReviewQueue, today: Today, bank: QuizBank
) -> list[int]:
    """The reviews /review will ask on each of the next days: today's queue, then what
    falls due each day, within the daily cap (what a day cannot ask waits for the next)."""
    due_each_day = forecast_due(
        (card.due_at for card in cards if drop_of(bank, card.item_id) is not None),
        today.day,
        today.zone,
        day_start_hour=today.day_start_hour,
    )
    due_each_day[0] = queue.due  # as /review counts it: none open in a drop's quiz
    return within_daily_cap(due_each_day, cap=queue.cap, room_today=queue.cap - queue.done)


def _review_queue(session: Session, learner_id: int, today: Today, bank: QuizBank) -> ReviewQueue:
    """What /review would ask: the same rule, so "due today" and "Review 1 of n" agree."""
    # Read only: a learner with no row yet has the default cap, and is not stored.
    learner = session.get(Learner, learner_id) or Learner(id=learner_id)
    asked = asked_lately(session, learner_id, today)
    return review_command_queue(session, learner, today, bank, asked)


def _was_reviewed(previous_state: str | None) -> bool:
    """Whether the card had been answered before this answer (so this one is a review)."""
    if previous_state is None:
        return False
    try:
        state = json.loads(previous_state)
    except ValueError:
        return False
    return isinstance(state, dict) and state.get("last_review") is not None


def my_stats(session: Session, services: Services, user_id: int) -> Stats:
    """/stats for one learner, as of now in the learner's zone.

    Only read: the Mini App's Stats page calls it too, and opening the app is not writing
    to the bot (a user who did /forget is not stored again); no row, no numbers yet.
    """
    learner = session.get(Learner, user_id)
    retention = learner.desired_retention if learner is not None else None
    today = learner_today(session, services, user_id)
    return learner_stats(session, user_id, today, scheduler_for(session, retention), quiz_bank())


@dataclass(frozen=True)
class FromGroups:
    """What a learner did in study groups before writing to the bot in private."""

    answers: int
    right: int
    cards: int


def from_groups(session: Session, learner_id: int) -> FromGroups | None:
    """The learner's quiz-poll answers in groups and the cards they made; None if none."""
    logs = session.exec(
        select(ReviewRecord.correct).where(
            ReviewRecord.learner_id == learner_id, ReviewRecord.source == AnswerSource.GROUP
        )
    ).all()
    if not logs:
        return None
    cards = session.exec(select(LearnerCard.id).where(LearnerCard.learner_id == learner_id)).all()
    return FromGroups(answers=len(logs), right=sum(1 for c in logs if c), cards=len(cards))
