"""Where a learner lives: the zone of their private chat, in which their days (streak,
"due today") are counted, wherever they answer or press Done."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.storage.models import Chat, Learner


def learner_zone(session: Session, learner_id: int, default_zone: str) -> ZoneInfo:
    """The zone of the learner's private chat; ``default_zone`` for a group-only member."""
    return learner_zones(session, [learner_id], default_zone)[learner_id]


def learner_zones(
    session: Session, learner_ids: Collection[int], default_zone: str
) -> dict[int, ZoneInfo]:
    """``learner_zone`` of each learner, in one read."""
    rows = session.exec(
        select(Learner.id, Chat.time_zone)
        .join(Chat, col(Chat.id) == col(Learner.private_chat_id))
        .where(col(Learner.id).in_(learner_ids))
    )
    names: dict[int | None, str | None] = dict(rows.all())
    return {
        learner_id: zone_named(names.get(learner_id), default_zone) for learner_id in learner_ids
    }


def zone_named(name: str | None, default_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or default_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_zone)
