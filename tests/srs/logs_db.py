"""Puts simulated review logs into a migrated database, as the bot would have logged them."""

from __future__ import annotations

from collections.abc import Sequence

from fsrs import Rating
from sqlalchemy import Engine

from bot.storage.db import session_scope
from bot.storage.migrate import upgrade
from bot.storage.models import Learner, ReviewRecord
from tests.srs.simulate import SimulatedReview


def fill(engine: Engine, database_url: str, reviews: Sequence[SimulatedReview]) -> None:
    upgrade(database_url)
    with session_scope(engine) as session:
        for learner_id in sorted({review.learner_id for review in reviews}):
            session.add(Learner(id=learner_id, first_name=f"Learner {learner_id}"))
        session.flush()
        for review in reviews:
            session.add(
                ReviewRecord(
                    learner_id=review.learner_id,
                    item_id=review.item_id,
                    rating=int(review.rating),
                    correct=review.rating != Rating.Again,
                    reviewed_at=review.reviewed_at,
                    duration_ms=review.duration_ms,
                    source="private",
                    chat_id=review.learner_id,
                )
            )
