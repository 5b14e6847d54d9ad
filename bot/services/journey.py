"""A chat's journey through the path: schedule, progress, pause, restart. No Telegram here.

Every function takes the session and ``now``; the handlers read the clock and send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.core import local_day, next_delivery, streak
from bot.services.delivery.due import chat_zone, first_or_next, parse_hhmm
from bot.services.delivery.outbox import Work, claim_delivery
from bot.storage.models import ActivityDay, Chat, Delivery, ReviewRecord
from drops.model import Course
from drops.outline import DROPS

LAST_DROP_ID = DROPS[-1].id  # doing it finishes the path


def set_schedule(
    chat: Chat,
    now: datetime,
    day_start_hour: int,
    *,
    delivery_time: time | None = None,
    zone: ZoneInfo | None = None,
) -> None:
    """Change the time and/or zone; the next delivery is recomputed from now."""
    if delivery_time is not None:
        chat.delivery_time = delivery_time.strftime("%H:%M")
    if zone is not None:
        chat.time_zone = zone.key
    reschedule(chat, now, day_start_hour)


def reschedule(chat: Chat, now: datetime, day_start_hour: int) -> None:
    """The next delivery instant after ``now``, never on a local day already served."""
    if chat.paused or chat.finished_at is not None or not is_scheduled(chat):
        chat.next_due_at = None
        return
    assert chat.delivery_time is not None
    zone, at = chat_zone(chat), parse_hhmm(chat.delivery_time)
    due = next_delivery(now, at, zone)
    served = chat.last_scheduled_day
    while served is not None and local_day(due, zone, day_start_hour).isoformat() <= served:
        due = next_delivery(due, at, zone)
    chat.next_due_at = due


def is_scheduled(chat: Chat) -> bool:
    return chat.delivery_time is not None and chat.time_zone is not None


def describe_next(chat: Chat, now: datetime, day_start_hour: int) -> str:
    """ "tomorrow 07:30, Europe/Berlin" — when the next drop comes, in the chat's words."""
    if chat.finished_at is not None:
        return "none — you've finished the path"
    if chat.paused:
        return "paused (send /resume to continue)"
    if chat.next_due_at is None or chat.time_zone is None:
        return "not scheduled yet"
    zone = chat_zone(chat)
    due_local = chat.next_due_at.astimezone(zone)
    today = now.astimezone(zone).date()
    days = (due_local.date() - today).days
    day = {0: "today", 1: "tomorrow"}.get(days, due_local.strftime("%a %d %b"))
    return f"{day} {due_local:%H:%M}, {zone.key}"


def deliver_now(
    session: Session,
    chat: Chat,
    course: Course,
    now: datetime,
    *,
    day_start_hour: int,
    lease: timedelta,
    scheduled: bool,
) -> Work | None:
    """Claim the next drop for immediate sending (onboarding, /next, /restart)."""
    drop_id = first_or_next(course, chat)
    if drop_id is None:
        return None
    today = local_day(now, chat_zone(chat), day_start_hour).isoformat()
    work = claim_delivery(
        session, chat, drop_id, local_day=today, scheduled=scheduled, now=now, lease=lease
    )
    if work is None:
        return None
    chat.current_drop_id = drop_id
    chat.current_opened = chat.kind != "private"
    chat.reminded = False
    chat.silent_days = 0
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
) -> bool:
    """Mark a delivered drop done; False when that delivery doesn't exist (stale button).

    Doing the last drop the first time finishes the path (by its Done button or by a
    finished /plan, the Phase 4 exercise).
    """
    delivery = session.exec(
        select(Delivery).where(
            Delivery.chat_id == chat.id,
            Delivery.path_round == path_round,
            Delivery.drop_id == drop_id,
        )
    ).first()
    if delivery is None or path_round != chat.path_round:
        return False
    first_time = delivery.completed_at is None
    if first_time:
        delivery.completed_at = now
        if drop_id == LAST_DROP_ID:
            finish_path(chat, now)
    if chat.current_drop_id == drop_id:
        chat.current_opened = True
        chat.silent_days = 0
    record_activity(session, learner_id, now, chat_zone(chat), day_start_hour)
    return first_time


def finish_path(chat: Chat, now: datetime) -> None:
    chat.finished_at = now
    chat.next_due_at = None


def record_activity(
    session: Session, learner_id: int, now: datetime, zone: ZoneInfo, day_start_hour: int
) -> None:
    day = local_day(now, zone, day_start_hour).isoformat()
    exists = session.exec(
        select(ActivityDay).where(ActivityDay.learner_id == learner_id, ActivityDay.day == day)
    ).first()
    if exists is None:
        session.add(ActivityDay(learner_id=learner_id, day=day))
        session.flush()


def pause(chat: Chat) -> None:
    chat.paused = True
    chat.next_due_at = None


def resume(chat: Chat, now: datetime, day_start_hour: int) -> None:
    chat.paused = False
    chat.silent_days = 0
    chat.reminded = False
    reschedule(chat, now, day_start_hour)


def restart(chat: Chat, now: datetime, day_start_hour: int) -> None:
    """Start the path over: a new round, so every drop can be delivered again."""
    chat.path_round += 1
    chat.current_drop_id = None
    chat.current_opened = False
    chat.finished_at = None
    chat.paused = False
    chat.silent_days = 0
    chat.reminded = False
    chat.last_scheduled_day = None
    reschedule(chat, now, day_start_hour)


@dataclass(frozen=True)
class Progress:
    done: frozenset[str]
    delivered: frozenset[str]
    current: str | None
    streak: int
    active_days: int
    reviews: int


def progress(
    session: Session, chat: Chat, learner_id: int, now: datetime, day_start_hour: int
) -> Progress:
    rows = session.exec(
        select(Delivery.drop_id, Delivery.completed_at).where(
            Delivery.chat_id == chat.id, Delivery.path_round == chat.path_round
        )
    ).all()
    days = session.exec(select(ActivityDay.day).where(ActivityDay.learner_id == learner_id)).all()
    reviews = session.exec(
        select(func.count())
        .select_from(ReviewRecord)
        .where(col(ReviewRecord.learner_id) == learner_id)
    ).one()
    today = local_day(now, chat_zone(chat), day_start_hour)
    return Progress(
        done=frozenset(d for d, completed in rows if completed is not None),
        delivered=frozenset(d for d, _ in rows),
        current=chat.current_drop_id,
        streak=streak((date.fromisoformat(d) for d in days), today),
        active_days=len(days),
        reviews=int(reviews),
    )


def progress_map(course: Course, progress: Progress) -> str:
    """The path as a text map: phases, each drop ✅ done / 📖 current / ▫️ ahead."""
    lines: list[str] = []
    for phase in course.phases:
        lines.append(f"**Phase {phase.number} · {phase.title}**")
        for drop in course.drops_in_phase(phase.number):
            if drop.id in progress.done:
                mark = "✅"
            elif drop.id == progress.current or drop.id in progress.delivered:
                mark = "📖"
            else:
                mark = "▫️"
            lines.append(f"{mark} {drop.id} {drop.title}")
        lines.append("")
    return "\n".join(lines).rstrip()
