"""Who answers: a learner's zone, their FSRS scheduler, their record created on first answer."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fsrs import Scheduler
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.services.learner_zones import zone_named
from bot.storage.models import Chat, Learner, SrsParameters, table_of
from bot.storage.registry import register_learner
from quizzes import make_scheduler
from quizzes.srs import DEFAULT_DESIRED_RETENTION

log = logging.getLogger(__name__)


LEARNERS, CHATS, FITS = table_of(Learner), table_of(Chat), table_of(SrsParameters)
# Built once, run with parameters: building a statement costs more than running it.
_QUIZ_LEARNER = (
    sa.select(
        LEARNERS.c.id,
        LEARNERS.c.desired_retention,
        LEARNERS.c.review_cap,
        LEARNERS.c.reviews_with_drop,
        CHATS.c.time_zone,
    )
    .select_from(LEARNERS)
    .outerjoin(CHATS, CHATS.c.id == LEARNERS.c.private_chat_id)
    .where(LEARNERS.c.id == sa.bindparam("user_id"))
)
_LATEST_FIT = sa.select(FITS.c.id, FITS.c.parameters).order_by(FITS.c.fitted_at.desc()).limit(1)


@dataclass(frozen=True)
class QuizLearner:
    """What scoring a learner's answers and choosing their next question need of them."""

    id: int
    desired_retention: float
    review_cap: int
    reviews_with_drop: bool
    time_zone: str | None  # their private chat's; None: not set, or a group-only member

    def zone(self, default_zone: str) -> ZoneInfo:
        return zone_named(self.time_zone, default_zone)


def quiz_learner(session: Session, user_id: int, first_name: str = "") -> QuizLearner:
    """The learner being quizzed (registered now if a group member new to us), in one read."""
    row = session.connection().execute(_QUIZ_LEARNER, {"user_id": user_id}).first()
    if row is not None:
        return QuizLearner(*row)
    learner = ensure_learner(session, user_id, first_name)
    return QuizLearner(
        learner.id, learner.desired_retention, learner.review_cap, learner.reviews_with_drop, None
    )


def ensure_learner(session: Session, user_id: int, first_name: str) -> Learner:
    """The learner's row; a group member who never wrote to the bot gets one too."""
    learner = session.get(Learner, user_id)
    if learner is not None:
        return learner
    try:
        # Two of a new member's votes handled at once (two instances, or votes Telegram
        # held while the bot was down) both create the row: the later is refused, and
        # takes the row the earlier committed instead of failing the vote.
        with session.begin_nested():
            return register_learner(
                session, user_id=user_id, first_name=first_name, private_chat_id=None
            )
    except IntegrityError:
        learner = session.get(Learner, user_id)
        if learner is None:
            raise
        return learner


def scheduler_for(
    session: Session, desired_retention: float | None, *, enable_fuzzing: bool = True
) -> Scheduler:
    """FSRS with the learner's desired retention and the course's fitted parameters, if any.

    Without a retention (a group's poll choice) the default one is used.
    """
    retention = DEFAULT_DESIRED_RETENTION if desired_retention is None else desired_retention
    fitted = session.connection().execute(_LATEST_FIT).first()
    parameters = None
    if fitted is not None:
        try:
            parameters = [float(value) for value in json.loads(fitted.parameters)]
        except (ValueError, TypeError):
            log.warning("stored FSRS parameters %s are unreadable; using defaults", fitted.id)
    try:
        return make_scheduler(retention, parameters, enable_fuzzing=enable_fuzzing)
    except ValueError:
        # Parameters out of FSRS's bounds must not stop anyone from answering.
        log.warning("stored FSRS parameters are out of bounds; using defaults")
        return make_scheduler(retention, enable_fuzzing=enable_fuzzing)
