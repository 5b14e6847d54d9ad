"""Which cards are due today, and in what order they come: oldest first, drops interleaved."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from bot.services.quiz.bank import drop_of
from bot.storage.models import LearnerCard, table_of
from quizzes import QuizBank

CARDS = table_of(LearnerCard)
_DUE = (
    sa.select(CARDS.c.item_id, CARDS.c.due_at)
    .where(CARDS.c.learner_id == sa.bindparam("learner_id"))
    .where(CARDS.c.due_at < sa.bindparam("before"))
    .order_by(CARDS.c.due_at, CARDS.c.id)
)


class OfItem(Protocol):
    @property
    def item_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DueCard:
    item_id: str
    due_at: datetime


Card = TypeVar("Card", bound=OfItem)


def due_cards(session: Session, learner_id: int, before: datetime) -> list[DueCard]:
    """The learner's cards due before an instant, oldest due first.

    ``before`` is the end of the learner's local day, not now: a card answered at
    19:05 is due at 19:05 some days later, and belongs in that morning's session.
    """
    due = session.connection().execute(_DUE, {"learner_id": learner_id, "before": before})
    return [DueCard(*row) for row in due]


def next_due(
    cards: Sequence[Card],
    bank: QuizBank,
    *,
    exclude: Collection[str] = (),
    avoid_drop: str | None = None,
) -> Card | None:
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
