"""Which chats are due now, and what each gets: the next drop, one reminder, or a pause.

Rules (see README, "Daily drops"):
- at most one scheduled drop per chat per local day (days start at 4 am local);
- a private chat gets the next drop only once the previous one was opened (Done or its
  quiz); otherwise one short reminder, and after three silent days the chat pauses (a
  drop pulled early with /next is its day's delivery: that day is not silent; nor is one
  on which the learner answered a quiz or pressed Done anywhere, a group's poll included,
  before or after the chat's delivery time);
- a group gets the next drop every day;
- after downtime, a chat whose time passed gets one drop now (catch-up), not a stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.core.journey import Due, due_today, hand_over, reschedule
from bot.services import metrics
from bot.services.delivery.outbox import Work, claim_delivery
from bot.storage.models import ActivityDay, Chat, Delivery, Learner
from drops.model import Course


@dataclass(frozen=True)
class Notice:
    """A short message that is not a drop: a reminder, a pause, the end of the path."""

    chat_id: int
    kind: Due  # Due.REMINDER or Due.PAUSED
    drop_id: str | None = None


@dataclass
class DuePlan:
    works: list[Work] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    chats: int = 0  # how many due chats were claimed: none left once it is 0


def claim_due(
    session: Session,
    course: Course,
    now: datetime,
    *,
    day_start_hour: int,
    lease: timedelta,
    holder: str | None,
    limit: int = 200,
) -> DuePlan:
    """Claim up to ``limit`` due chats in one transaction (row locks where the DB has them),
    marked ``holder`` (see ``bot.storage.instance_lock``)."""
    chats = session.exec(
        select(Chat)
        .where(col(Chat.next_due_at) <= now)
        .where(col(Chat.paused).is_(False))
        .order_by(col(Chat.next_due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    plan = DuePlan(chats=len(chats))
    for chat in chats:
        if not chat.active:
            # It gets nothing until it writes again, but its days pass: a learner who
            # comes back is told a next drop still ahead.
            reschedule(chat, now, day_start_hour)
            continue
        if chat.next_due_at is not None:
            metrics.DELIVERY_LATENESS.observe((now - chat.next_due_at).total_seconds())
        _plan_chat(session, chat, course, now, day_start_hour, lease, holder, plan)
    return plan


def _plan_chat(
    session: Session,
    chat: Chat,
    course: Course,
    now: datetime,
    day_start_hour: int,
    lease: timedelta,
    holder: str | None,
    plan: DuePlan,
) -> None:
    arrived_on = current_arrival_day(session, chat)
    active_on = None if arrived_on is None else last_active_day(session, chat)
    today = due_today(
        chat, course, now, day_start_hour, current_arrived_on=arrived_on,
        last_active_on=active_on,
    )  # fmt: skip
    if today.what == Due.DROP:
        assert today.drop_id is not None
        work = claim_delivery(
            session, chat, today.drop_id, local_day=today.local_day, scheduled=True, now=now,
            lease=lease, holder=holder,
        )  # fmt: skip
        if work is not None:
            hand_over(chat, today.drop_id)
            plan.works.append(work)
    elif today.what in (Due.REMINDER, Due.PAUSED):
        plan.notices.append(Notice(chat.id, today.what, today.drop_id))


def current_arrival_day(session: Session, chat: Chat) -> str | None:
    """The local day the chat's current drop was delivered, while it is still unopened
    (only then can it make a day silent); None otherwise."""
    if chat.current_drop_id is None or chat.current_opened:
        return None
    return session.exec(
        select(Delivery.local_day).where(
            Delivery.chat_id == chat.id,
            Delivery.path_round == chat.path_round,
            Delivery.drop_id == chat.current_drop_id,
        )
    ).first()


def last_active_day(session: Session, chat: Chat) -> str | None:
    """The latest day the private chat's learner was active (their own days, counted in
    their private chat's zone, as the chat's are): a quiz answered or a Done pressed,
    anywhere. A day they were active on is not a silent one."""
    return session.exec(
        select(func.max(ActivityDay.day))
        .join(Learner, col(Learner.id) == col(ActivityDay.learner_id))
        .where(col(Learner.private_chat_id) == chat.id)
    ).one()
