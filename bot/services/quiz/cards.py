"""Cards: one per learner per quiz item, its FSRS state as JSON and its due instant indexed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.storage.models import LearnerCard
from quizzes import QuizItem, new_card_state

ITEMS_AFTER_DROP = 3
"""How many of a drop's items are asked right after it; the rest join the reviews tomorrow."""


def card_for(session: Session, learner_id: int, item_id: str) -> LearnerCard | None:
    return session.exec(
        select(LearnerCard).where(
            LearnerCard.learner_id == learner_id, LearnerCard.item_id == item_id
        )
    ).first()


def cards_for(session: Session, learner_id: int, item_ids: Iterable[str]) -> list[LearnerCard]:
    return list(
        session.exec(
            select(LearnerCard).where(
                LearnerCard.learner_id == learner_id, col(LearnerCard.item_id).in_(list(item_ids))
            )
        )
    )


def parsed_state(stored: str) -> dict[str, Any] | None:
    """A card's FSRS state as stored, or None when it is unreadable (it is then started over)."""
    try:
        state = json.loads(stored)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def never_reviewed(stored: str) -> bool:
    """Whether a card's stored state (``LearnerCard.state``) has never had a review."""
    state = parsed_state(stored)
    return state is None or state.get("last_review") is None


def introduce_drop(
    session: Session, learner_id: int, items: Sequence[QuizItem], today: Today
) -> list[str]:
    """Give the learner a card for every item of a finished drop they have none for.

    The first :data:`ITEMS_AFTER_DROP` of them are due now (the quiz right after
    the drop); the others fall due at the start of the learner's next day, so each
    item of the drop is asked once and then scheduled by FSRS.

    Returns:
        The ids of the items due now, in file order (empty when the learner had
        cards for them all, as after /restart).
    """
    existing = {card.item_id for card in cards_for(session, learner_id, (i.id for i in items))}
    fresh = [item for item in items if item.id not in existing]
    now_ids = [item.id for item in fresh[:ITEMS_AFTER_DROP]]
    for item in fresh:
        state = new_card_state(today.now)
        due = today.now if item.id in now_ids else today.end
        state["due"] = due.isoformat()
        session.add(
            LearnerCard(learner_id=learner_id, item_id=item.id, state=json.dumps(state), due_at=due)
        )
    session.flush()
    return now_ids
