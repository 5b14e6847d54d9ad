"""An answer becomes an FSRS review: the card moves, the review is logged, the day counts.

Undo puts the card back as the log remembers it and deletes the log, for a mis-tap.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fsrs import Scheduler
from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.services.journey import record_activity
from bot.services.quiz.cards import card_for, parsed_state
from bot.storage.kinds import AnswerSource
from bot.storage.models import LearnerCard, ReviewRecord, table_of
from quizzes import CardStateError, rating_for, review

log = logging.getLogger(__name__)

SOURCES = (AnswerSource.PRIVATE, AnswerSource.GROUP)
CARDS, LOGS = table_of(LearnerCard), table_of(ReviewRecord)
# Built once, run with parameters: building a statement costs more than running it.
_CARD = sa.select(CARDS.c.id, CARDS.c.state, CARDS.c.due_at).where(
    CARDS.c.learner_id == sa.bindparam("learner_id"), CARDS.c.item_id == sa.bindparam("item_id")
)
_NEW_CARD, _LOG = sa.insert(CARDS), sa.insert(LOGS)
_MOVE_CARD = (
    sa.update(CARDS)
    .where(CARDS.c.id == sa.bindparam("card_id"))
    .values(state=sa.bindparam("state"), due_at=sa.bindparam("due_at"))
)


def record_answer(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    correct: bool,
    today: Today,
    scheduler: Scheduler,
    source: str,
    chat_id: int | None,
    answered_after: datetime | None,
    poll_id: str | None = None,
) -> ReviewRecord:
    """Review the learner's card for ``item_id`` (created if missing) and log the answer.

    Args:
        session: Open session; the caller commits.
        learner_id: Who answered.
        item_id: What was answered.
        correct: Whether the chosen option was the right one.
        today: The answer's instant and the learner's day (for the streak).
        scheduler: The learner's FSRS scheduler.
        source: ``"private"`` (buttons) or ``"group"`` (a quiz poll).
        chat_id: Where the answer was given.
        answered_after: When the question was sent; the log keeps the answer's
            duration from it.
        poll_id: The group quiz poll answered, if it was one.

    Returns:
        The new log row (written: it has an id).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    connection = session.connection()
    card = connection.execute(_CARD, {"learner_id": learner_id, "item_id": item_id}).first()
    stored = parsed_state(card.state) if card is not None else None
    zone, day_start_hour = today.zone, today.day_start_hour  # days elapsed are the learner's
    try:
        outcome = review(
            stored, item_id, correct, today.now, scheduler, zone=zone, day_start_hour=day_start_hour
        )
    except CardStateError:
        log.warning(
            "card of learner %s for item %s is unreadable; starting it over", learner_id, item_id
        )
        outcome = review(
            None, item_id, correct, today.now, scheduler, zone=zone, day_start_hour=day_start_hour
        )
    moved = {"state": json.dumps(outcome.card_state), "due_at": outcome.due}
    if card is None:
        connection.execute(_NEW_CARD, {"learner_id": learner_id, "item_id": item_id, **moved})
    else:
        connection.execute(_MOVE_CARD, {"card_id": card.id, **moved})
    return _log(
        session, today, learner_id=learner_id, item_id=item_id, rating=int(outcome.rating),
        correct=correct, source=source, chat_id=chat_id, answered_after=answered_after,
        poll_id=poll_id, previous_state=card.state if card is not None else None,
        previous_due_at=card.due_at if card is not None else None,
    )  # fmt: skip


def record_relearning(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    correct: bool,
    today: Today,
    chat_id: int | None,
    answered_after: datetime | None,
) -> ReviewRecord:
    """Log a same-day repeat of a missed item; the card is not reviewed a second time."""
    return _log(
        session, today, learner_id=learner_id, item_id=item_id, rating=int(rating_for(correct)),
        correct=correct, source=AnswerSource.RELEARN, chat_id=chat_id,
        answered_after=answered_after, previous_state=None, previous_due_at=None,
    )  # fmt: skip


def _log(
    session: Session, today: Today, *, answered_after: datetime | None, **fields: Any
) -> ReviewRecord:
    """Log the answer (its duration timed from ``answered_after``) and count the day."""
    duration = None
    if answered_after is not None:
        duration = max(0, int((today.now - answered_after).total_seconds() * 1000))
    values = {**fields, "reviewed_at": today.now, "duration_ms": duration}
    inserted = session.connection().execute(_LOG, values)
    (entry_id,) = inserted.inserted_primary_key or (None,)
    assert isinstance(entry_id, int)
    record_activity(session, fields["learner_id"], today.now, today.zone, today.day_start_hour)
    return ReviewRecord(id=entry_id, **values)


class UndoRefused(Exception):
    """The answer cannot be undone; the message says why, in the learner's words."""


def latest_answer_id(session: Session, learner_id: int) -> int | None:
    return session.exec(
        select(ReviewRecord.id)
        .where(ReviewRecord.learner_id == learner_id)
        .order_by(col(ReviewRecord.reviewed_at).desc(), col(ReviewRecord.id).desc())
        .limit(1)
    ).first()


def undo_answer(session: Session, *, learner_id: int, review_log_id: int) -> None:
    """Restore the card to its state before the answer and delete the answer's log.

    Raises:
        UndoRefused: The log is gone, belongs to someone else, or is not the
            learner's latest answer (undoing an older one would leave the card
            in a state that never existed).
    """
    entry = session.get(ReviewRecord, review_log_id)
    if entry is None:
        raise UndoRefused("That answer was already undone.")
    if entry.learner_id != learner_id:
        raise UndoRefused("Only the person who answered can undo it.")
    if latest_answer_id(session, learner_id) != entry.id:
        raise UndoRefused("Only your latest answer can be undone.")
    card = card_for(session, learner_id, entry.item_id)
    if card is not None and entry.source != AnswerSource.RELEARN:  # a repeat left the card
        if entry.previous_state is None or entry.previous_due_at is None:
            session.delete(card)  # the answer created the card
        else:
            card.state, card.due_at = entry.previous_state, entry.previous_due_at
            session.add(card)
    session.delete(entry)
    session.flush()
