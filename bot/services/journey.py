"""A chat's journey through the path: schedule, progress, pause, restart. No Telegram here.

Every function takes the session and ``now``; the handlers read the clock and send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from bot.core import local_day, streak
from bot.core.journey import (
    LAST_DROP_ID,
    chat_zone,
    finish_path,
    first_or_next,
    hand_over,
    open_current,
    reschedule,
)
from bot.services.delivery.outbox import Work, claim_delivery
from bot.storage.kinds import AnswerSource, ChatKind
from bot.storage.models import ActivityDay, Chat, Delivery, Learner, ReviewRecord, table_of
from drops.model import Course


def deliver_now(
    session: Session,
    chat: Chat,
    course: Course,
    now: datetime,
    *,
    day_start_hour: int,
    lease: timedelta,
    scheduled: bool,
    holder: str | None,
) -> Work | None:
    """Claim the next drop for immediate sending (onboarding, /next, /restart)."""
    drop_id = first_or_next(course, chat)
    if drop_id is None:
        return None
    today = local_day(now, chat_zone(chat), day_start_hour).isoformat()
    work = claim_delivery(
        session,
        chat,
        drop_id,
        local_day=today,
        scheduled=scheduled,
        now=now,
        lease=lease,
        holder=holder,
    )
    if work is None:
        return None
    hand_over(chat, drop_id)
    if scheduled:
        chat.last_scheduled_day = today
        reschedule(chat, now, day_start_hour)
    return work


def complete_drop(
    session: Session,
    chat: Chat,
    learner_id: int,
    *,
    path_round: int,
    drop_id: str,
    now: datetime,
    day_start_hour: int,
    learners_zone: ZoneInfo,
) -> bool:
    """Mark a delivered drop done; False when that delivery doesn't exist (stale button).

    Doing the last drop the first time finishes the path (by its Done button or by a
    finished /plan, the Phase 4 exercise). The press counts for the learner's own day, in
    ``learners_zone`` (a group's zone may be on another date), as their streak counts it.
    """
    delivery = session.exec(
        select(Delivery)
        .where(
            Delivery.chat_id == chat.id,
            Delivery.path_round == path_round,
            Delivery.drop_id == drop_id,
        )
        .with_for_update()  # a double tap's second press waits and finds it done
    ).first()
    if delivery is None or path_round != chat.path_round:
        return False
    first_time = delivery.completed_at is None
    if first_time:
        delivery.completed_at = now
        if drop_id == LAST_DROP_ID:
            finish_path(chat, now)
    open_current(chat, drop_id)
    record_activity(session, learner_id, now, learners_zone, day_start_hour)
    return first_time


_DAYS = table_of(ActivityDay)
# Built once, run with parameters: every answer runs it. A day already recorded is left
# alone by the insert itself: a read first would let two answers at once (on PostgreSQL,
# two threads or instances) both insert it, and the second fail.
_ACTIVE_DAY = {
    "postgresql": postgresql.insert(_DAYS).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_DAYS).on_conflict_do_nothing(),
}
_CHATS, _LEARNERS = table_of(Chat), table_of(Learner)
# The learner's private chat has heard from them: its quiet days start again from none.
_HEARD_FROM = (
    sa.update(_CHATS)
    .where(
        _CHATS.c.id
        == sa.select(_LEARNERS.c.private_chat_id)
        .where(_LEARNERS.c.id == sa.bindparam("learner_id"))
        .scalar_subquery(),
        _CHATS.c.kind == ChatKind.PRIVATE,
        _CHATS.c.silent_days > 0,
    )
    .values(silent_days=0)
)


def record_activity(
    session: Session, learner_id: int, now: datetime, zone: ZoneInfo, day_start_hour: int
) -> None:
    """The learner's day counts for the streak, and is not a quiet one for their private
    chat wherever they were active: a member who answers the group's polls every day is
    not paused there for three quiet days, though their private drop stays unread."""
    active = {"learner_id": learner_id, "day": local_day(now, zone, day_start_hour).isoformat()}
    connection = session.connection()
    connection.execute(_ACTIVE_DAY[connection.dialect.name], active)
    connection.execute(_HEARD_FROM, {"learner_id": learner_id})


@dataclass(frozen=True)
class Progress:
    done: frozenset[str]
    delivered: frozenset[str]
    current: str | None
    streak: int
    active_days: int
    reviews: int


def progress(session: Session, chat: Chat, learner_id: int, learners_day: date) -> Progress:
    """The chat's path and the learner's streak up to ``learners_day``: their local day in
    their own zone (``learner_today``), where their active days are recorded and /stats
    counts the streak; the chat's zone may be on another date, or unset."""
    rows = session.exec(
        select(Delivery.drop_id, Delivery.completed_at).where(
            Delivery.chat_id == chat.id, Delivery.path_round == chat.path_round
        )
    ).all()
    days = session.exec(select(ActivityDay.day).where(ActivityDay.learner_id == learner_id)).all()
    reviews = session.exec(
        select(func.count())
        .select_from(ReviewRecord)
        .where(
            col(ReviewRecord.learner_id) == learner_id,
            # A same-day repeat of a missed item is practice, not an answer (as /stats counts).
            col(ReviewRecord.source) != AnswerSource.RELEARN,
        )
    ).one()
    done = frozenset(d for d, completed in rows if completed is not None)
    delivered = frozenset(d for d, _ in rows)
    if chat.kind != ChatKind.PRIVATE:
        # A group gets the next drop every day, Done or not: it is past the ones before it.
        done |= delivered - {chat.current_drop_id}
    return Progress(
        done=done,
        delivered=delivered,
        current=chat.current_drop_id,
        streak=streak((date.fromisoformat(d) for d in days), learners_day),
        active_days=len(days),
        reviews=int(reviews),
    )


class DropState(StrEnum):
    DONE = "done"
    CURRENT = "current"  # delivered, not done yet
    AHEAD = "ahead"


MARKS = {DropState.DONE: "✅", DropState.CURRENT: "📖", DropState.AHEAD: "▫️"}


def drop_state(progress: Progress, drop_id: str) -> DropState:
    """Where the drop stands on the learner's path."""
    if drop_id in progress.done:
        return DropState.DONE
    if drop_id == progress.current or drop_id in progress.delivered:
        return DropState.CURRENT
    return DropState.AHEAD


def progress_map(course: Course, progress: Progress) -> str:
    """The path as a text map: phases, each drop ✅ done / 📖 current / ▫️ ahead."""
    lines: list[str] = []
    for phase in course.phases:
        lines.append(f"**Phase {phase.number} · {phase.title}**")
        for drop in course.drops_in_phase(phase.number):
            mark = MARKS[drop_state(progress, drop.id)]
            place = f"{drop.id} · {course.index(drop.id)} of {len(course)}"
            lines.append(f"{mark} {place} · {drop.title}")
        lines.append("")
    return "\n".join(lines).rstrip()
