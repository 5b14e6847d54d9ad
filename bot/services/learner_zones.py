"""Where a learner lives: the zone of their private chat, in which their days (streak,
"due today") are counted, wherever they answer or press Done, and wherever the streak is
shown (/stats, /progress, the Mini App)."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.services.context import Services
from bot.storage.models import Chat, Learner


def learner_zone(session: Session, learner_id: int, default_zone: str) -> ZoneInfo:
    """The zone of the learner's private chat; ``default_zone`` for a group-only member."""
    return learner_zones(session, [learner_id], default_zone)[learner_id]


def learner_today(session: Session, services: Services, learner_id: int) -> Today:
    """The learner's day now, in ``learner_zone`` (DEFAULT_TIME_ZONE for a group-only member)."""
    zone = learner_zone(session, learner_id, services.settings.default_time_zone)
    return Today.at(services.clock(), zone, services.settings.day_start_hour)


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
