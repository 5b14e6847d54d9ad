"""A chat's delivery schedule: what it still owes us, and a time or zone set from input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core import journey as rules
from bot.services import journey
from bot.services.context import Services
from bot.services.delivery.outbox import Work
from bot.storage.kinds import Awaiting
from bot.storage.models import Chat

# How long a question for a typed time or zone waits for its answer. The setup is answered
# within minutes (the buttons are under the question), and an hour outlasts an interruption;
# text hours or days later is about something else, and "thanks a lot" or "drop 2 was great"
# must not get the time or zone parser's correction. The buttons and `/settime 07:45` or
# `/timezone Berlin` keep working after the wait.
TYPED_ANSWER_WAIT = timedelta(hours=1)


def await_input(chat: Chat, what: str | None, now: datetime) -> None:
    """The chat owes us ``what`` (an ``Awaiting``) from ``now`` on; None: nothing."""
    if what is None:
        stop_waiting(chat)
        return
    chat.awaiting, chat.awaiting_since = what, now


def stop_waiting(chat: Chat) -> None:
    chat.awaiting, chat.awaiting_since = None, None


def owed_input(chat: Chat, now: datetime) -> str | None:
    """The input the chat owes us, while the wait for it lasts (``TYPED_ANSWER_WAIT``)."""
    since = chat.awaiting_since
    if chat.awaiting is None or since is None or now - since > TYPED_ANSWER_WAIT:
        return None
    return chat.awaiting


def set_awaiting(session: Session, services: Services, chat_id: int, what: str | None) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None:
        await_input(chat, what, services.clock())


def awaiting(session: Session, services: Services, chat_id: int) -> str | None:
    """The input the chat owes us, if we asked for one within ``TYPED_ANSWER_WAIT``."""
    chat = session.get(Chat, chat_id)
    return owed_input(chat, services.clock()) if chat is not None else None


@dataclass(frozen=True)
class ScheduleChange:
    """What a changed time or zone led to."""

    missing: str | None  # Awaiting.TIME or Awaiting.ZONE while the schedule is incomplete
    next_drop: str  # "tomorrow 07:30, Europe/Berlin"
    work: Work | None  # the first drop, claimed for sending now
    later: rules.LaterBecause | None = None  # why the next drop is over a day away


def claim_next_drop(
    services: Services, session: Session, chat: Chat, *, scheduled: bool
) -> Work | None:
    """Claim the chat's next drop for sending now (onboarding, /next, /restart)."""
    settings = services.settings
    return journey.deliver_now(
        session,
        chat,
        services.course,
        services.clock(),
        day_start_hour=settings.day_start_hour,
        lease=timedelta(seconds=settings.delivery_lease_s),
        scheduled=scheduled,
        holder=services.claimant.holder,
    )


def apply_schedule(
    session: Session,
    services: Services,
    chat_id: int,
    *,
    in_group: bool,
    delivery_time: time | None = None,
    zone: ZoneInfo | None = None,
) -> ScheduleChange:
    """Store the change; a group gets the defaults for what it did not set; a complete
    schedule on a chat that has no drop yet claims drop 1 at once."""
    settings = services.settings
    now = services.clock()
    chat = session.get(Chat, chat_id)
    assert chat is not None
    if zone is None and chat.time_zone is None and in_group:
        zone = ZoneInfo(settings.default_time_zone)
    if delivery_time is None and chat.delivery_time is None and in_group:
        delivery_time = settings.default_delivery_time
    rules.set_schedule(chat, now, settings.day_start_hour, delivery_time=delivery_time, zone=zone)
    missing = (
        Awaiting.TIME
        if chat.delivery_time is None
        else Awaiting.ZONE
        if chat.time_zone is None
        else None
    )
    await_input(chat, missing, now)
    work = None
    if missing is None and chat.current_drop_id is None and chat.finished_at is None:
        work = claim_next_drop(services, session, chat, scheduled=True)
    day_start = settings.day_start_hour
    later = rules.why_over_a_day(chat, now, day_start)
    if work is not None and later == rules.LaterBecause.SERVED_TODAY:
        later = None  # drop 1, coming now, is today's: the learner sees why the next is tomorrow
    return ScheduleChange(missing, rules.describe_next(chat, now, day_start), work, later)
