"""The learner's path as use cases: today's drop, the next one early, Done, pause, resume,
progress and restart. Each is one unit of work; the chat is registered inside it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from bot.core import journey as rules
from bot.services import journey
from bot.services.context import Services
from bot.services.delivery.outbox import Work, resend_current
from bot.services.learner_zones import learner_today, learner_zone
from bot.services.schedule import await_input, claim_next_drop
from bot.storage.kinds import Awaiting
from bot.storage.models import Chat
from bot.storage.registry import register_chat, register_learner
from drops.model import Course


@dataclass(frozen=True)
class ChatRef:
    """The chat an update came from, as Telegram describes it."""

    id: int
    kind: str
    title: str | None = None


@dataclass(frozen=True)
class Person:
    """A user as Telegram describes them; ``private_chat_id`` when they wrote to us directly."""

    id: int
    first_name: str
    private_chat_id: int | None = None


def first_contact(session: Session, chat: ChatRef | None, person: Person | None) -> None:
    """Register the chat and the user an update came from (created, or kept up to date)."""
    if chat is not None:
        chat_of(session, chat)
    if person is not None:
        register_learner(
            session, user_id=person.id, first_name=person.first_name,
            private_chat_id=person.private_chat_id,
        )  # fmt: skip


def chat_of(session: Session, ref: ChatRef) -> Chat:
    """The chat's row, created on first contact; a chat that blocked the bot (or removed it)
    and writes again gets the drop whose send failed meanwhile."""
    known = session.get(Chat, ref.id)
    unreachable = known is not None and not known.active
    chat = register_chat(session, chat_id=ref.id, kind=ref.kind, title=ref.title)
    if unreachable:
        resend_current(session, chat)
    return chat


class NextRefusal(StrEnum):
    """Why /next brings nothing."""

    NOT_SCHEDULED = "not scheduled"
    CURRENT_NOT_DONE = "current not done"
    END_OF_PATH = "end of path"
    ALREADY_SENT = "already sent"
    PAUSED = "paused"


def why_no_next(chat: Chat, course: Course) -> NextRefusal | None:
    """Why /next would bring nothing now; None when it would bring the next drop."""
    if not rules.is_scheduled(chat):
        return NextRefusal.NOT_SCHEDULED
    if chat.paused:
        return NextRefusal.PAUSED
    if chat.current_drop_id is not None and not chat.current_opened:
        return NextRefusal.CURRENT_NOT_DONE
    at_end = chat.current_drop_id is not None and course.next_id(chat.current_drop_id)
    if chat.finished_at is not None or at_end is None:
        return NextRefusal.END_OF_PATH
    return None


def next_drop(session: Session, services: Services, ref: ChatRef) -> Work | NextRefusal:
    """Claim the next drop now, once the current one is done."""
    chat = chat_of(session, ref)
    refusal = why_no_next(chat, services.course)
    if refusal is not None:
        return refusal
    work = claim_next_drop(services, session, chat, scheduled=False)
    return NextRefusal.ALREADY_SENT if work is None else work


@dataclass(frozen=True)
class Done:
    """What a press of Done under a drop changed."""

    known: bool  # the button belongs to this chat's current round
    first_time: bool
    next_drop: str
    next_now: bool  # /next would bring the next drop now
    finished: journey.Progress | None  # the path's summary when this press finished it


def complete(
    session: Session, services: Services, chat_id: int, learner_id: int, *,
    path_round: int, drop_id: str,
) -> Done:  # fmt: skip
    settings, now = services.settings, services.clock()
    chat = session.get(Chat, chat_id)
    if chat is None or chat.path_round != path_round:
        return Done(known=False, first_time=False, next_drop="", next_now=False, finished=None)
    first_time = journey.complete_drop(
        session, chat, learner_id, path_round=path_round, drop_id=drop_id, now=now,
        day_start_hour=settings.day_start_hour,
        learners_zone=learner_zone(session, learner_id, settings.default_time_zone),
    )  # fmt: skip
    finished = None
    if first_time and chat.finished_at == now:
        learners_day = learner_today(session, services, learner_id).day
        finished = journey.progress(session, chat, learner_id, learners_day)
    when = rules.describe_next(chat, now, settings.day_start_hour)
    next_now = why_no_next(chat, services.course) is None
    return Done(
        known=True, first_time=first_time, next_drop=when, next_now=next_now, finished=finished
    )


def member_done(
    session: Session, services: Services, chat_id: int, learner_id: int, first_name: str
) -> None:
    """A group member who is not an administrator pressed Done: the group's path stays
    where it is, and the member's own day counts as active (their streak)."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        return
    register_learner(session, user_id=learner_id, first_name=first_name, private_chat_id=None)
    settings = services.settings
    # The member's own day, as their streak counts it: the group's zone may be on another date.
    zone = learner_zone(session, learner_id, settings.default_time_zone)
    journey.record_activity(session, learner_id, services.clock(), zone, settings.day_start_hour)


def current_drop(session: Session, ref: ChatRef) -> tuple[str | None, int, bool]:
    """The chat's current drop (None before drop 1), its path round, and whether it is done."""
    chat = chat_of(session, ref)
    return chat.current_drop_id, chat.path_round, chat.current_opened


def pause(session: Session, ref: ChatRef) -> None:
    rules.pause(chat_of(session, ref))


@dataclass(frozen=True)
class Resumed:
    """When the next drop comes, and the drop that must be done first, if any (the reply
    names it, which counts as the reminder about it)."""

    next_drop: str
    waiting: str | None  # a private chat's current drop, not done: no next one comes before


def resume(session: Session, services: Services, ref: ChatRef) -> Resumed:
    """Daily drops again."""
    chat, now, day_start = chat_of(session, ref), services.clock(), services.settings.day_start_hour
    rules.resume(chat, now, day_start)
    not_done = why_no_next(chat, services.course) is NextRefusal.CURRENT_NOT_DONE
    waiting = chat.current_drop_id if not_done and chat.kind == "private" else None
    # The reply points at the waiting drop: that is the day's reminder, not a second one.
    chat.reminded = waiting is not None
    return Resumed(rules.describe_next(chat, now, day_start), waiting)


def progress(
    session: Session, services: Services, ref: ChatRef, learner_id: int
) -> tuple[journey.Progress, str]:
    """The learner's path so far, and when the next drop comes."""
    return path_so_far(session, services, chat_of(session, ref), learner_id)


def path_so_far(
    session: Session, services: Services, chat: Chat, learner_id: int
) -> tuple[journey.Progress, str]:
    """The chat's path and when its next drop comes, as stored: nothing is written."""
    learners_day = learner_today(session, services, learner_id).day
    stats = journey.progress(session, chat, learner_id, learners_day)
    return stats, rules.describe_next(chat, services.clock(), services.settings.day_start_hour)


@dataclass(frozen=True)
class Restarted:
    """A new round from drop 1: claimed now when the chat has a schedule; without one,
    drop 1 comes once the schedule is set."""

    scheduled: bool
    drop_one: Work | None


def restart(
    session: Session, services: Services, ref: ChatRef, *, path_round: int
) -> Restarted | None:
    """Start round ``path_round`` over; None when the chat has moved past it (a second
    tap on Yes, or the Yes of an older /restart)."""
    session.get(Chat, ref.id, with_for_update=True)  # a second tap waits, then sees the new round
    chat = chat_of(session, ref)
    if chat.path_round != path_round:
        return None
    rules.restart(chat, services.clock(), services.settings.day_start_hour)
    if not rules.is_scheduled(chat):
        return Restarted(scheduled=False, drop_one=None)
    return Restarted(
        scheduled=True, drop_one=claim_next_drop(services, session, chat, scheduled=True)
    )


def welcome(session: Session, services: Services, ref: ChatRef, *, ask_time: bool) -> str | None:
    """When a scheduled chat's next drop comes; None for a chat still to be set up, which
    (``ask_time``) now owes us a typed time."""
    chat = chat_of(session, ref)
    if not rules.is_scheduled(chat):
        if ask_time:
            await_input(chat, Awaiting.TIME, services.clock())
        return None
    return rules.describe_next(chat, services.clock(), services.settings.day_start_hour)
