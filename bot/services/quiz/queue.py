"""What to ask a learner next: the rest of a drop's quiz, or the day's reviews up to the cap."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.services.quiz.bank import drop_of
from bot.services.quiz.cards import cards_for, never_reviewed
from bot.services.quiz.due import due_cards, next_due
from bot.services.quiz.questions import Asked
from bot.storage.models import Learner, ReviewRecord
from quizzes import QuizBank


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
    session: Session, learner: Learner, today: Today, bank: QuizBank, asked: Asked
) -> ReviewQueue:
    due = [
        card
        for card in due_cards(session, learner.id, today.end)
        if card.item_id not in asked.open_items and drop_of(bank, card.item_id) is not None
    ]
    return ReviewQueue(due=len(due), done=asked.reviews_done, cap=learner.review_cap)


def next_review_item(
    session: Session,
    learner: Learner,
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
    session: Session, learner_id: int, drop_id: str, today: Today, bank: QuizBank, asked: Asked
) -> list[str]:
    """The rest of a drop's own quiz: never-answered cards of the drop due by now, in order."""
    items = [item.id for item in bank.items_for_drop(drop_id)]
    waiting = {
        card.item_id
        for card in cards_for(session, learner_id, items)
        if card.due_at <= today.now
        and never_reviewed(card)
        and card.item_id not in asked.open_items
    }
    return [item for item in items if item in waiting]


@dataclass(frozen=True)
class Score:
    right: int
    total: int


def drop_quiz_score(
    session: Session, learner_id: int, drop_id: str, today: Today, bank: QuizBank
) -> Score:
    """Today's private answers on the drop's items (for the line that closes its quiz)."""
    items = [item.id for item in bank.items_for_drop(drop_id)]
    rows = session.exec(
        select(ReviewRecord.correct).where(
            ReviewRecord.learner_id == learner_id,
            col(ReviewRecord.reviewed_at) >= today.start,
            col(ReviewRecord.item_id).in_(items),
            ReviewRecord.source == "private",
        )
    ).all()
    return Score(right=sum(1 for correct in rows if correct), total=len(rows))
