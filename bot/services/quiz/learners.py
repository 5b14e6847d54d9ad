"""Who answers: a learner's zone, their FSRS scheduler, their record created on first answer."""

from __future__ import annotations

import json
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs import Scheduler
from sqlmodel import Session, col, select

from bot.storage.models import Chat, Learner, SrsParameters
from bot.storage.registry import register_learner
from quizzes import make_scheduler
from quizzes.srs import DEFAULT_DESIRED_RETENTION

log = logging.getLogger(__name__)


def learner_zone(session: Session, learner_id: int, default_zone: str) -> ZoneInfo:
    """The zone of the learner's private chat; ``default_zone`` for a group-only member."""
    learner = session.get(Learner, learner_id)
    chat_id = learner.private_chat_id if learner is not None else None
    chat = session.get(Chat, chat_id) if chat_id is not None else None
    name = chat.time_zone if chat is not None and chat.time_zone else default_zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_zone)


def ensure_learner(session: Session, user_id: int, first_name: str) -> Learner:
    """The learner's row; a group member who never wrote to the bot gets one too."""
    learner = session.get(Learner, user_id)
    if learner is not None:
        return learner
    return register_learner(session, user_id=user_id, first_name=first_name, private_chat_id=None)


def scheduler_for(
    session: Session, learner: Learner | None, *, enable_fuzzing: bool = True
) -> Scheduler:
    """FSRS with the learner's desired retention and the course's fitted parameters, if any.

    Without a learner (a group's poll choice) the default retention is used.
    """
    retention = DEFAULT_DESIRED_RETENTION if learner is None else learner.desired_retention
    fitted = session.exec(
        select(SrsParameters).order_by(col(SrsParameters.fitted_at).desc()).limit(1)
    ).first()
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
