"""A chat's journey through the path as pure transitions on its state.

Each transition exists once here; the scheduled fan-out and the commands both call it.
The state is any object with the fields of ``ChatState`` (the stored chat row in
practice); nothing here reads the clock or touches the database: ``now`` comes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.schedule import local_day, next_delivery
from bot.core.time_zone import zone_label
from drops.model import Course
from drops.outline import DROPS

LAST_DROP_ID = DROPS[-1].id  # doing it finishes the path
SILENT_DAYS_BEFORE_PAUSE = 3
NOT_SCHEDULED = "not scheduled yet"  # ``describe_next`` of a chat with no time or zone


class ChatState(Protocol):
    """What the journey reads and writes of a chat."""

    kind: str
    time_zone: str | None
    delivery_time: str | None
    next_due_at: datetime | None
    paused: bool
    active: bool  # False once the bot is blocked or removed: skipped until the chat writes
    finished_at: datetime | None
    current_drop_id: str | None
    current_opened: bool
    last_scheduled_day: str | None
    reminded: bool
    silent_days: int
    path_round: int


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def chat_zone(chat: ChatState) -> ZoneInfo:
    return ZoneInfo(chat.time_zone or "UTC")


def is_scheduled(chat: ChatState) -> bool:
    return chat.delivery_time is not None and chat.time_zone is not None


def waiting_drop(chat: ChatState) -> str | None:
    """A private chat's current drop while it is not done: no next drop comes before it
    (a group gets its drop every day)."""
    if chat.kind != "private" or chat.current_opened:
        return None
    return chat.current_drop_id


def first_or_next(course: Course, chat: ChatState) -> str | None:
    """The drop the chat gets next; None at the end of the path."""
    if chat.current_drop_id is None:
        return course.drops[0].id
    return course.next_id(chat.current_drop_id)


def set_schedule(
    chat: ChatState,
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


def reschedule(chat: ChatState, now: datetime, day_start_hour: int) -> None:
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


def hand_over(chat: ChatState, drop_id: str) -> None:
    """The chat now has ``drop_id`` (its delivery was claimed): a group's counts as opened."""
    chat.current_drop_id = drop_id
    chat.current_opened = chat.kind != "private"
    chat.reminded = False
    chat.silent_days = 0


def open_current(chat: ChatState, drop_id: str) -> None:
    """The learner did ``drop_id``: if it is the current one, the next may come."""
    if chat.current_drop_id == drop_id:
        chat.current_opened = True
        chat.silent_days = 0


def finish_path(chat: ChatState, now: datetime) -> None:
    chat.finished_at = now
    chat.next_due_at = None


def pause(chat: ChatState) -> None:
    chat.paused = True
    chat.next_due_at = None


def resume(chat: ChatState, now: datetime, day_start_hour: int) -> None:
    chat.paused = False
    chat.silent_days = 0
    chat.reminded = False
    reschedule(chat, now, day_start_hour)


def restart(chat: ChatState, now: datetime, day_start_hour: int) -> None:
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


class Due(StrEnum):
    """What a due chat gets today."""

    NOTHING = "nothing"  # not scheduled, or today's drop went out already
    DROP = "drop"  # the next drop (see ``DueToday.drop_id``)
    REMINDER = "reminder"  # the current drop is still unopened: one nudge
    PAUSED = "paused"  # three silent days: the chat pauses
    FINISHED = "finished"  # the path has no next drop


@dataclass(frozen=True)
class DueToday:
    what: Due
    local_day: str = ""
    drop_id: str | None = None


def due_today(
    chat: ChatState,
    course: Course,
    now: datetime,
    day_start_hour: int,
    *,
    current_arrived_on: str | None = None,
    last_active_on: str | None = None,
) -> DueToday:
    """A due chat's day: its next delivery instant moves on, and what it gets is decided.

    At most one scheduled drop per local day; a private chat gets the next drop only once
    the previous one was opened, else one reminder and, after three silent days, a pause;
    a group gets the next drop every day. ``current_arrived_on`` is the local day the
    current drop was delivered: one pulled early today with /next is today's delivery, so
    the day is neither silent nor worth a reminder. ``last_active_on`` is the learner's
    latest active day (a quiz answered, a Done pressed, anywhere): a day on which they
    were active is not a silent one, even when they were active before its delivery time.
    """
    if not is_scheduled(chat):
        chat.next_due_at = None
        return DueToday(Due.NOTHING)
    zone = chat_zone(chat)
    assert chat.delivery_time is not None
    chat.next_due_at = next_delivery(now, parse_hhmm(chat.delivery_time), zone)
    today = local_day(now, zone, day_start_hour).isoformat()
    if chat.last_scheduled_day == today:
        return DueToday(Due.NOTHING, today)  # out already (at onboarding, or before a restart)
    chat.last_scheduled_day = today
    if chat.kind != "private" or chat.current_drop_id is None or chat.current_opened:
        drop_id = first_or_next(course, chat)
        if drop_id is None:
            chat.next_due_at = None
            return DueToday(Due.FINISHED, today)
        return DueToday(Due.DROP, today, drop_id)
    if current_arrived_on == today:
        return DueToday(Due.NOTHING, today)
    if last_active_on != today:
        chat.silent_days += 1
    if chat.silent_days >= SILENT_DAYS_BEFORE_PAUSE:
        pause(chat)
        return DueToday(Due.PAUSED, today, chat.current_drop_id)
    if not chat.reminded:
        chat.reminded = True
        return DueToday(Due.REMINDER, today, chat.current_drop_id)
    return DueToday(Due.NOTHING, today)


class LaterBecause(StrEnum):
    """Why the next drop is more than a day away after a schedule change."""

    SERVED_TODAY = "served_today"  # today's drop already came
    BEFORE_DAY_START = "before_day_start"  # the time falls before the day starts (4 am)


def why_over_a_day(chat: ChatState, now: datetime, day_start_hour: int) -> LaterBecause | None:
    """Why the next drop lands more than 24 h after ``now``; None when it does not.

    A local day runs from ``day_start_hour`` to the next, one drop a day: a time before
    that hour belongs to the day before, which may already have had its drop.
    """
    if chat.next_due_at is None or chat.delivery_time is None:
        return None
    if chat.current_drop_id == LAST_DROP_ID:
        return None  # no next drop comes at all (``describe_next`` says so)
    if chat.next_due_at - now <= timedelta(hours=24):
        return None
    if parse_hhmm(chat.delivery_time).hour < day_start_hour:
        return LaterBecause.BEFORE_DAY_START
    return LaterBecause.SERVED_TODAY


def describe_next(chat: ChatState, now: datetime, day_start_hour: int) -> str:
    """ "tomorrow 07:30, Europe/Berlin" — when the next drop comes, in the chat's words.

    In a private chat with its drop not done yet, "…, if you've finished drop 1.1 by then,
    else the first 07:30 after you do": a delivery time that finds it not done brings a
    reminder (``due_today``), and the drop comes at the first one after it is done.
    """
    if chat.finished_at is not None:
        return "none — you've finished the path"
    if chat.current_drop_id == LAST_DROP_ID:  # its Done finishes the path: nothing follows
        return f"none — {LAST_DROP_ID} is the last drop"
    if chat.paused:
        return "paused (send /resume to continue)"
    if not chat.active:
        return "paused: the bot can't reach this chat — send it any message to resume"
    if chat.next_due_at is None or chat.time_zone is None:
        return NOT_SCHEDULED
    zone = chat_zone(chat)
    due_local = chat.next_due_at.astimezone(zone)
    today = now.astimezone(zone).date()
    days = (due_local.date() - today).days
    day = {0: "today", 1: "tomorrow"}.get(days, due_local.strftime("%a %d %b"))
    when = f"{day} {due_local:%H:%M}, {zone_label(zone)}"
    waiting = waiting_drop(chat)
    if waiting is None:
        return when
    return (
        f"{when}, if you've finished drop {waiting} by then, "
        f"else the first {due_local:%H:%M} after you do"
    )


def with_next_step(when: str, *, private: bool) -> str:
    """ "not scheduled yet" with what sets the schedule, as /today says (else ``when``):
    what /progress and the Mini App's Path page show."""
    if when != NOT_SCHEDULED:
        return when
    if private:
        return f"{when} — send /start to set your time and get drop 1"
    return (
        f"{when} — an administrator starts the course with /settime 09:00 or "
        "/timezone Europe/Berlin"
    )
