"""/start, /settime, /timezone: a delivery time and a time zone, then drop 1 at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.config import Settings
from bot.core import (
    InputError,
    could_be_a_time,
    could_be_a_zone,
    parse_delivery_time,
    parse_time_zone,
    zone_from_location,
)
from bot.core.journey import LaterBecause
from bot.services import path
from bot.services.quiz.stats import FromGroups, from_groups
from bot.services.schedule import apply_schedule, awaiting, set_awaiting
from bot.storage.kinds import Awaiting
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.delivery_job import deliver_drop
from bot.telegram.handlers.common import (
    chat_ref,
    command_args,
    is_private,
    may_change_settings,
    reply,
    reply_plain,
)
from bot.telegram.handlers.content import answer_free_text
from drops.markdown import escape_markdown

log = logging.getLogger(__name__)

COMMON_TIMES = ("07:00", "07:30", "08:00", "09:00", "12:30", "18:00", "20:00", "21:30")
COMMON_ZONES = (
    "Europe/London", "Europe/Berlin", "Europe/Moscow", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "UTC",
)  # fmt: skip
TYPE_IT = "type"  # the time or zone button that asks for typed input
NOT_ADMIN = "Only this group's administrators can change when drops arrive."


def time_keyboard() -> InlineKeyboardMarkup:
    keys = [InlineKeyboardButton(t, callback_data=buttons.TIME.encode(t)) for t in COMMON_TIMES]
    rows = [keys[i : i + 4] for i in range(0, len(keys), 4)]
    rows.append(
        [InlineKeyboardButton("⌨️ Type another time", callback_data=buttons.TIME.encode(TYPE_IT))]
    )
    return InlineKeyboardMarkup(rows)


def zone_keyboard() -> InlineKeyboardMarkup:
    keys = [
        InlineKeyboardButton(
            z.split("/")[-1].replace("_", " "), callback_data=buttons.ZONE.encode(str(i))
        )
        for i, z in enumerate(COMMON_ZONES)
    ]
    rows = [keys[i : i + 3] for i in range(0, len(keys), 3)]
    rows.append(
        [
            InlineKeyboardButton(
                "⌨️ Type a zone or share location", callback_data=buttons.ZONE.encode(TYPE_IT)
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def start(update: Update, context: AppContext) -> None:
    """Greet; in a private chat ask for a time and a zone, or say where the chat is."""
    services = services_of(context)
    when = await services.transaction(
        path.welcome, services, chat_ref(update), ask_time=is_private(update)
    )
    user = update.effective_user
    name = user.first_name if user else "there"
    if not is_private(update):
        await reply(
            context,
            update,
            group_hello(services.settings) if when is None else group_on_course(when),
        )
        return
    if when is not None:
        await reply(
            context,
            update,
            f"Welcome back, {name}! Next drop: {when}.\n"
            "/today shows your current drop, /progress your path, /help everything else.",
        )
        return
    known = await services.transaction(from_groups, user.id) if user else None
    await reply(
        context,
        update,
        f"Hi {name}! I'm **Distill Drops**: a two-week course on model distillation — one "
        "short drop a day, quizzes that come back before you forget, and `/distill` to run "
        f"a real teacher→student training from this chat.\n\n{_known_text(known)}"
        "When should your daily drop arrive? Pick a time or type one (like 07:45).",
        markup=time_keyboard(),
    )


def _known_text(known: FromGroups | None) -> str:
    """A member who answered quiz polls in a group hears that nothing of it is lost."""
    if known is None:
        return ""
    answers = f"{known.answers} quiz poll{'s' if known.answers != 1 else ''}"
    items = "That item is" if known.cards == 1 else f"Those {known.cards} items are"
    return (
        f"I know you already: you answered {answers} in a study group ({known.right} right). "
        f"{items} in your reviews here too (/review, /stats).\n\n"
    )


def group_hello(settings: Settings) -> str:
    """The welcome in a group: what the bot does, and exactly what starts the course."""
    return (
        "Hello, study group! I'm **Distill Drops**: one short lesson on model distillation a "
        "day, with a quiz poll after each drop, timed quiz rounds with /quiz, and a "
        "/leaderboard.\n\n"
        "An administrator starts the course with `/settime 09:00` or `/timezone Europe/Berlin`: "
        "drop 1 comes at once, and the other setting keeps its default "
        f"({settings.default_delivery_time:%H:%M}, {settings.default_time_zone}) until it is "
        "set too. Anyone can use /distill to run a real distillation and /help for the rest."
    )


def group_on_course(when: str) -> str:
    """/start in a group that has its schedule: where it is, not how to begin."""
    return (
        f"This group is on the course already. Next drop: {when}.\n"
        "/progress shows the group's path, /help everything else."
    )


async def on_time_button(update: Update, context: AppContext) -> None:
    """A time button: store it, or ask for a typed one."""
    query = update.callback_query
    assert query is not None
    if not await may_change_settings(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    value = buttons.TIME.decode(query.data)
    await query.answer()
    if value == TYPE_IT:
        assert update.effective_chat is not None
        services = services_of(context)
        await services.transaction(set_awaiting, services, update.effective_chat.id, Awaiting.TIME)
        await reply(context, update, "Send me a time like `07:45` or `7:45 pm`.")
        return
    try:
        chosen = parse_delivery_time(value or "")
    except InputError:
        await reply(context, update, "That button has expired. Send /settime to pick a time.")
        return
    await _apply_schedule(update, context, delivery_time=chosen)


async def on_zone_button(update: Update, context: AppContext) -> None:
    """A time-zone button: store it, or ask for a typed name or a location."""
    query = update.callback_query
    assert query is not None
    if not await may_change_settings(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    value = buttons.ZONE.decode(query.data)
    await query.answer()
    if value == TYPE_IT:
        assert update.effective_chat is not None
        services = services_of(context)
        await services.transaction(set_awaiting, services, update.effective_chat.id, Awaiting.ZONE)
        markup = None
        if is_private(update):
            markup = ReplyKeyboardMarkup(
                [[KeyboardButton("📍 Share location", request_location=True)]],
                one_time_keyboard=True,
                resize_keyboard=True,
            )
        await reply_plain(
            context,
            update,
            "Type your time zone as a city or IANA name (Europe/Berlin, Tokyo, UTC+2), "
            "or share your location (it is only used to look up the zone, offline, and "
            "not stored).",
            markup=markup,
        )
        return
    if value is None or not value.isdigit() or int(value) >= len(COMMON_ZONES):
        await reply(context, update, "That button has expired. Send /timezone to pick a zone.")
        return
    await _apply_schedule(update, context, zone=ZoneInfo(COMMON_ZONES[int(value)]))


async def on_typed_text(update: Update, context: AppContext) -> None:
    """Typed input the chat owes us: a time or a zone (only while we asked for one)."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_chat is None:
        return
    chat_id = update.effective_chat.id
    services = services_of(context)
    owed = await services.transaction(awaiting, services, chat_id)
    if owed in (Awaiting.TIME, Awaiting.ZONE):
        what = TIME_INPUT if owed == Awaiting.TIME else ZONE_INPUT
        if what.meant_as(message.text):
            await _schedule_from_text(update, context, what, message.text, owed=True)
            return
        # Clearly something else (a question instead of the answer): the wait ends, and
        # the text is answered as any other.
        await services.transaction(set_awaiting, services, chat_id, None)
        await reply(context, update, what.wait_over)
    elif is_private(update) and (hint := _command_for(message.text)) is not None:
        await reply(context, update, hint)
        return
    if is_private(update):
        await answer_free_text(update, context, message.text)


def _command_for(text: str) -> str | None:
    """A clear time or zone typed when none was asked for (an onboarding left for hours,
    say): the command that sets it. Not set unasked: "2" may not mean 02:00."""
    if text.strip().lstrip("+-").isdigit():  # "2", "+3": a count, not a time or offset
        return None
    for what in (TIME_INPUT, ZONE_INPUT):
        try:
            value = what.parse(text)
        except InputError:
            continue
        shown = value.key if isinstance(value, ZoneInfo) else f"{value:%H:%M}"
        command = "timezone" if isinstance(value, ZoneInfo) else "settime"
        return f"To set that, send `/{command} {shown}`."
    return None


async def on_location(update: Update, context: AppContext) -> None:
    """A shared location: resolved to a zone offline; the coordinates are not stored."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    # Off the event loop: a lookup is CPU work (and the first one may load the data).
    where = message.location
    zone = await asyncio.to_thread(zone_from_location, where.latitude, where.longitude)
    if zone is None:
        await message.reply_text(
            "I couldn't find a time zone there (open sea?). Type one instead, like Europe/Berlin.",
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    await _apply_schedule(update, context, zone=zone)


@dataclass(frozen=True)
class _ScheduleInput:
    """A schedule field the learner can type: how to parse it and how to ask for it."""

    parse: Callable[[str], time | ZoneInfo]
    meant_as: Callable[[str], bool]  # typed text that answers us (or misses narrowly)
    awaiting: Awaiting  # what the chat owes us once we asked
    question: str
    keyboard: Callable[[], InlineKeyboardMarkup]
    usage: str
    wait_over: str  # typed text that clearly answers something else ends the wait


TIME_INPUT = _ScheduleInput(
    parse_delivery_time, could_be_a_time, Awaiting.TIME, "When should your daily drop arrive?",
    time_keyboard, "Usage: `/settime 09:00` (24-hour clock, local time).",
    "I was waiting for a time, and that doesn't look like one, so I've stopped waiting. "
    "Send `/settime 07:45` whenever you want to set it.",
)  # fmt: skip
ZONE_INPUT = _ScheduleInput(
    parse_time_zone, could_be_a_zone, Awaiting.ZONE, "Which time zone are you in?",
    zone_keyboard, "Usage: `/timezone Europe/Berlin` (a city or IANA name).",
    "I was waiting for a time zone, and that doesn't look like one, so I've stopped "
    "waiting. Send `/timezone Europe/Berlin` whenever you want to set it.",
)  # fmt: skip


async def _schedule_from_text(
    update: Update, context: AppContext, what: _ScheduleInput, text: str, *, owed: bool = False
) -> None:
    """``owed``: the text answers our question; its correction ("Send a time like ...")
    asks again, so the wait for the answer (``TYPED_ANSWER_WAIT``) starts over."""
    try:
        value = what.parse(text)
    except InputError as exc:
        if owed:
            assert update.effective_chat is not None
            services = services_of(context)
            await services.transaction(
                set_awaiting, services, update.effective_chat.id, what.awaiting
            )
        await reply(context, update, escape_markdown(exc.user_message))
        return
    if isinstance(value, ZoneInfo):
        await _apply_schedule(update, context, zone=value)
    else:
        await _apply_schedule(update, context, delivery_time=value)


async def _schedule_command(update: Update, context: AppContext, what: _ScheduleInput) -> None:
    if not await may_change_settings(update, context):
        await reply(context, update, NOT_ADMIN)
        return
    text = command_args(context)
    if text:
        await _schedule_from_text(update, context, what, text)
    elif is_private(update):
        assert update.effective_chat is not None
        services = services_of(context)
        await services.transaction(set_awaiting, services, update.effective_chat.id, what.awaiting)
        await reply(context, update, what.question, markup=what.keyboard())
    else:
        await reply(context, update, what.usage)


async def settime(update: Update, context: AppContext) -> None:
    """/settime [HH:MM]: change the delivery time (group admins only in groups)."""
    await _schedule_command(update, context, TIME_INPUT)


async def timezone_command(update: Update, context: AppContext) -> None:
    """/timezone [name]: change the time zone (group admins only in groups)."""
    await _schedule_command(update, context, ZONE_INPUT)


async def _apply_schedule(
    update: Update,
    context: AppContext,
    *,
    delivery_time: time | None = None,
    zone: ZoneInfo | None = None,
) -> None:
    """Store the change, ask for what is still missing, confirm, and start the path."""
    services = services_of(context)
    chat_id = update.effective_chat.id if update.effective_chat else None
    assert chat_id is not None
    change = await services.transaction(
        apply_schedule, services, chat_id, in_group=not is_private(update),
        delivery_time=delivery_time, zone=zone,
    )  # fmt: skip
    missing, when, work = change.missing, change.next_drop, change.work
    if missing == Awaiting.TIME:
        await reply(
            context, update, "Got it. When should the daily drop arrive?", markup=time_keyboard()
        )
        return
    if missing == Awaiting.ZONE:
        await reply(context, update, "And which time zone are you in?", markup=zone_keyboard())
        return
    await reply_plain(
        context,
        update,
        f"✅ Next drop: {when}.{_why_later(change.later, services.settings.day_start_hour)} "
        "Change it any time with /settime or /timezone.",
        markup=ReplyKeyboardRemove() if is_private(update) else None,
    )
    if work is not None:
        await deliver_drop(context.bot_data.sender, work)


def _why_later(later: LaterBecause | None, day_start_hour: int) -> str:
    if later == LaterBecause.SERVED_TODAY:
        return " Today's drop has already come: one drop a day, so the next is the day after."
    if later == LaterBecause.BEFORE_DAY_START:
        return (
            f" A drop day starts at {day_start_hour:02d}:00, so a time before that belongs to "
            "the day before, which has had its drop already."
        )
    return ""


COMMANDS = (
    Command("start", "Start the course, or see where you are", start),
    Command("settime", "Change the delivery time, e.g. /settime 07:30", settime),
    Command("timezone", "Change the time zone, e.g. /timezone Europe/Berlin", timezone_command),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CallbackQueryHandler(on_time_button, pattern=buttons.TIME.pattern),
        CallbackQueryHandler(on_zone_button, pattern=buttons.ZONE.pattern),
    ]


def typed_input_handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """A time or zone typed (or a location shared) when we asked for one."""
    return [
        MessageHandler(filters.LOCATION & filters.ChatType.PRIVATE, on_location),
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_typed_text),
    ]
