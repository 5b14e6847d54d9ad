"""Which chats are due now, and what each gets: the next drop, one reminder, or a pause.

Rules (see README, "Daily drops"):
- at most one scheduled drop per chat per local day (days start at 4 am local);
- a private chat gets the next drop only once the previous one was opened (Done or its
  quiz); otherwise one short reminder, and after three silent days the chat pauses;
- a group gets the next drop every day;
- after downtime, a chat whose time passed gets one drop now (catch-up), not a stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core import local_day, next_delivery
from bot.services.delivery.outbox import Work, claim_delivery
from bot.storage.models import Chat
from drops.model import Course

SILENT_DAYS_BEFORE_PAUSE = 3


@dataclass(frozen=True)
class Notice:
    """A short message that is not a drop: a reminder, a pause, the end of the path."""

    chat_id: int
    kind: str  # reminder | paused
    drop_id: str | None = None


@dataclass
class DuePlan:
    works: list[Work] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def chat_zone(chat: Chat) -> ZoneInfo:
    return ZoneInfo(chat.time_zone or "UTC")


def first_or_next(course: Course, chat: Chat) -> str | None:
    if chat.current_drop_id is None:
        return course.drops[0].id
    return course.next_id(chat.current_drop_id)


def claim_due(
    session: Session,
    course: Course,
    now: datetime,
    *,
    day_start_hour: int,
    lease: timedelta,
    limit: int = 200,
) -> DuePlan:
    """Claim up to ``limit`` due chats in one transaction (row locks where the DB has them)."""
    plan = DuePlan()
    chats = session.exec(
        select(Chat)
        .where(col(Chat.next_due_at) <= now)
        .where(col(Chat.paused).is_(False))
        .where(col(Chat.active).is_(True))
        .order_by(col(Chat.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for chat in chats:
        _plan_chat(session, chat, course, now, day_start_hour, lease, plan)
    return plan


def _plan_chat(
    session: Session,
    chat: Chat,
    course: Course,
    now: datetime,
    day_start_hour: int,
    lease: timedelta,
    plan: DuePlan,
) -> None:
    if chat.delivery_time is None or chat.time_zone is None:
        chat.next_due_at = None
        return
    zone = chat_zone(chat)
    chat.next_due_at = next_delivery(now, parse_hhmm(chat.delivery_time), zone)
    today = local_day(now, zone, day_start_hour).isoformat()
    if chat.last_scheduled_day == today:
        return  # today's drop went out already (at onboarding, or before a restart)
    chat.last_scheduled_day = today
    is_group = chat.kind != "private"
    if is_group or chat.current_drop_id is None or chat.current_opened:
        drop_id = first_or_next(course, chat)
        if drop_id is None:
            chat.next_due_at = None  # the path is finished
            return
        work = claim_delivery(
            session, chat, drop_id, local_day=today, scheduled=True, now=now, lease=lease
        )
        if work is not None:
            chat.current_drop_id = drop_id
            chat.current_opened = is_group
            chat.reminded = False
            chat.silent_days = 0
            plan.works.append(work)
        return
    chat.silent_days += 1
    if chat.silent_days >= SILENT_DAYS_BEFORE_PAUSE:
        chat.paused = True
        chat.next_due_at = None
        plan.notices.append(Notice(chat.id, "paused", chat.current_drop_id))
    elif not chat.reminded:
        chat.reminded = True
        plan.notices.append(Notice(chat.id, "reminder", chat.current_drop_id))
