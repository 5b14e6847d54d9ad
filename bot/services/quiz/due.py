"""Which cards are due today, and in what order they come: oldest first, drops interleaved."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.services.quiz.bank import drop_of
from bot.storage.models import LearnerCard
from quizzes import QuizBank


def due_cards(session: Session, learner_id: int, before: datetime) -> list[LearnerCard]:
    """The learner's cards due before an instant, oldest due first.

    ``before`` is the end of the learner's local day, not now: a card answered at
    19:05 is due at 19:05 some days later, and belongs in that morning's session.
    """
    return list(
        session.exec(
            select(LearnerCard)
            .where(LearnerCard.learner_id == learner_id, col(LearnerCard.due_at) < before)
            .order_by(col(LearnerCard.due_at), col(LearnerCard.id))
        )
    )


def next_due(
    cards: Sequence[LearnerCard],
    bank: QuizBank,
    *,
    exclude: Collection[str] = (),
    avoid_drop: str | None = None,
) -> LearnerCard | None:
    """The card to ask next: the oldest due one, from another drop than the last question's.

    Interleaving drops makes each answer a little harder to get from the previous
    question's context, which is the point of a review. Cards of items no longer in
    the bank, and ``exclude``d items (already asked and open), are skipped.
    """
    askable = [c for c in cards if c.item_id not in exclude and drop_of(bank, c.item_id)]
    for card in askable:
        if drop_of(bank, card.item_id) != avoid_drop:
            return card
    return askable[0] if askable else None
