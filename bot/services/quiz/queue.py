"""What to ask a learner next: the rest of a drop's quiz, or the day's reviews up to the cap."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session

from bot.core.today import Today
from bot.services.quiz.bank import drop_of
from bot.services.quiz.cards import never_reviewed
from bot.services.quiz.due import CARDS, due_cards, next_due
from bot.services.quiz.questions import Asked
from bot.storage.kinds import AnswerSource, QuestionKind
from bot.storage.models import ReviewRecord, table_of
from quizzes import QuizBank

LOGS = table_of(ReviewRecord)
# Built once, run with parameters: each answer in a drop's quiz runs them.
_DROP_CARDS = sa.select(CARDS.c.item_id, CARDS.c.state, CARDS.c.due_at).where(
    CARDS.c.learner_id == sa.bindparam("learner_id"),
    CARDS.c.item_id.in_(sa.bindparam("items", expanding=True)),
)
_DROP_ANSWERS = sa.select(LOGS.c.correct).where(
    LOGS.c.learner_id == sa.bindparam("learner_id"),
    LOGS.c.reviewed_at >= sa.bindparam("since"),
    LOGS.c.item_id.in_(sa.bindparam("items", expanding=True)),
    LOGS.c.source == AnswerSource.PRIVATE,
)


class Reviewer(Protocol):
    """The learner whose reviews are counted: a stored learner, or what was read of one."""

    @property
    def id(self) -> int: ...

    @property
    def review_cap(self) -> int: ...


@dataclass(frozen=True)
class ReviewQueue:
    """The learner's reviews today.

    Attributes:
        due: Cards due before the end of the day and not open in a question.
        done: Review questions answered today.
        cap: The learner's daily cap.
        available: How many may still be asked today: ``min(due, cap - done)``.
    """

    due: int
    done: int
    cap: int

    @property
    def available(self) -> int:
        return max(0, min(self.due, self.cap - self.done))

    @property
    def capped(self) -> bool:
        """Reviews are due but the cap is reached."""
        return self.due > 0 and self.done >= self.cap


def review_queue(
    session: Session, learner: Reviewer, today: Today, bank: QuizBank, asked: Asked
) -> ReviewQueue:
    """The reviews left today: due cards of items in the bank, none open in a question."""
    return _queue(session, learner, today, bank, asked.open_items, asked.reviews_done)


def review_command_queue(
    session: Session, learner: Reviewer, today: Today, bank: QuizBank, asked: Asked
) -> ReviewQueue:
    """The queue /review would start now, as /stats counts it: /review replaces the open
    review session, so only items open in a drop's quiz stay out."""
    in_drop_quiz = frozenset(
        question.item_id for question in asked.open if asked.quiz_of(question) == QuestionKind.NEW
    )
    return _queue(session, learner, today, bank, in_drop_quiz, asked.reviews_done)


def _queue(
    session: Session,
    learner: Reviewer,
    today: Today,
    bank: QuizBank,
    open_items: Collection[str],
    done: int,
) -> ReviewQueue:
    due = [
        card
        for card in due_cards(session, learner.id, today.end)
        if card.item_id not in open_items and drop_of(bank, card.item_id) is not None
    ]
    return ReviewQueue(due=len(due), done=done, cap=learner.review_cap)


def next_review_item(
    session: Session,
    learner: Reviewer,
    today: Today,
    bank: QuizBank,
    asked: Asked,
    *,
    after_drop: str | None,
) -> str | None:
    """The next review to ask, or None when nothing is due or the cap is reached."""
    if asked.reviews_done >= learner.review_cap:
        return None
    card = next_due(
        due_cards(session, learner.id, today.end),
        bank,
        exclude=asked.open_items,
        avoid_drop=after_drop,
    )
    return None if card is None else card.item_id


def drop_items_waiting(
    session: Session, learner_id: int, items: Sequence[str], started: datetime, asked: Asked
) -> list[str]:
    """The rest of a drop's own quiz (its ``items``), in order: never-answered cards that
    were due when the quiz ``started`` (the others fall due later, as reviews)."""
    cards = session.connection().execute(_DROP_CARDS, {"learner_id": learner_id, "items": items})
    waiting = {
        item_id
        for item_id, state, due_at in cards
        if due_at <= started and never_reviewed(state) and item_id not in asked.open_items
    }
    return [item for item in items if item in waiting]


@dataclass(frozen=True)
class Score:
    right: int
    total: int


def drop_quiz_score(
    session: Session, learner_id: int, items: Sequence[str], started: datetime
) -> Score:
    """The private answers on a drop's ``items`` since its quiz ``started`` (for "Quiz n
    of m" and the line that closes the quiz, also when it ends on another day)."""
    answers = {"learner_id": learner_id, "since": started, "items": items}
    rows = session.connection().execute(_DROP_ANSWERS, answers).scalars().all()
    return Score(right=sum(1 for correct in rows if correct), total=len(rows))
