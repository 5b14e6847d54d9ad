"""The learner's path: /today, /next, /pause, /resume, /progress, /restart and "Done"."""

from __future__ import annotations

import contextlib
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.services import journey
from bot.services.context import AppContext, Services, services_of
from bot.storage.db import session_scope
from bot.storage.models import Chat
from bot.telegram import quiz_flow
from bot.telegram.delivery_job import deliver_drop
from bot.telegram.handlers.common import (
    chat_row,
    claim_next_drop,
    follow_up,
    is_private,
    may_change_settings,
    reply,
)
from bot.telegram.views.parts import drop_parts

DONE_DATA = re.compile(r"^done:(?P<round>\d{1,6}):(?P<drop>\d\.\d)$")
LAST_DROP = "4.1"


async def today(update: Update, context: AppContext) -> None:
    """/today: the current drop again."""
    services = services_of(context)
    chat = chat_row(context, update)
    if chat.current_drop_id is None:
        await reply(update, "No drop yet — send /start to set your time and get drop 1.")
        return
    assert services.sender is not None
    drop = services.course.drop(chat.current_drop_id)
    await services.sender.send_parts(
        chat.id, drop_parts(services.course, drop, path_round=chat.path_round)
    )


async def next_drop(update: Update, context: AppContext) -> None:
    """/next: the next drop now, for the eager, once the current one is done."""
    services = services_of(context)
    if not await may_change_settings(update, context):
        await reply(update, "In a group, only administrators can pull the next drop early.")
        return
    with session_scope(services.engine) as session:
        chat = session.get(Chat, chat_row(context, update).id)
        assert chat is not None
        if not journey.is_scheduled(chat):
            blocked = "Set your schedule first: send /start."
        elif chat.current_drop_id is not None and not chat.current_opened:
            blocked = "Finish the current drop first (press ✅ Done under it, or /today to see it)."
        elif chat.finished_at is not None or (
            chat.current_drop_id is not None
            and services.course.next_id(chat.current_drop_id) is None
        ):
            blocked = "You've reached the end of the path. /restart starts it over."
        else:
            blocked = ""
        work = None
        if not blocked:
            work = claim_next_drop(services, session, chat, scheduled=False)
    if blocked or work is None:
        await reply(update, blocked or "That drop has already been sent — see /today.")
        return
    assert services.sender is not None
    await deliver_drop(services.sender, work)


async def on_done(update: Update, context: AppContext) -> None:
    """The "Done" button under a drop: mark it complete (once), say what comes next."""
    query = update.callback_query
    assert query is not None
    match = DONE_DATA.match(query.data or "")
    user = update.effective_user
    if match is None or user is None or update.effective_chat is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    services = services_of(context)
    settings = services.settings
    now = services.clock()
    with session_scope(services.engine) as session:
        chat = session.get(Chat, update.effective_chat.id)
        completed = chat is not None and journey.complete_drop(
            session,
            chat,
            user.id,
            path_round=int(match["round"]),
            drop_id=match["drop"],
            now=now,
            day_start_hour=settings.day_start_hour,
        )
        known = chat is not None and chat.path_round == int(match["round"])
        finished = False
        if completed and chat is not None and match["drop"] == LAST_DROP:
            chat.finished_at = now
            chat.next_due_at = None
            finished = True
        when = journey.describe_next(chat, now, settings.day_start_hour) if chat else ""
        stats = (
            journey.progress(session, chat, user.id, now, settings.day_start_hour)
            if finished and chat
            else None
        )
    if not known:
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer("Marked as done ✅" if completed else "Already done ✅")
    with contextlib.suppress(BadRequest):  # already edited by a double tap
        await query.edit_message_reply_markup(
            InlineKeyboardMarkup([[InlineKeyboardButton("✅ Done", callback_data="noop")]])
        )
    if completed:
        await follow_up(context, update, _after_done(update, services, stats, when, match["drop"]))


async def _after_done(
    update: Update,
    services: Services,
    finished: journey.Progress | None,
    when: str,
    drop_id: str,
) -> None:
    """What follows a counted Done: a word on what comes next, then the drop's quiz."""
    if finished is not None:
        await reply(
            update,
            "🎓 **You've finished the path!**\n"
            f"{len(finished.done)} of {len(services.course)} drops done over "
            f"{finished.active_days} active days, a streak of {finished.streak}, and "
            f"{finished.reviews} quiz answers.\n\n"
            "Now make it yours: /plan turns one of your real prompts into a distillation plan.",
        )
    else:
        await reply(update, f"Nice. Next drop: {when}. Eager? /next brings it now.")
    if is_private(update) and update.effective_chat is not None and update.effective_user:
        # The drop's quiz starts right away (then the day's reviews, see bot/telegram/quiz_flow.py).
        await quiz_flow.after_drop(
            services,
            chat_id=update.effective_chat.id,
            learner_id=update.effective_user.id,
            drop_id=drop_id,
        )


async def noop(update: Update, context: AppContext) -> None:
    """A button that only shows state."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def pause(update: Update, context: AppContext) -> None:
    """/pause: stop the daily drops (nothing is lost)."""
    if not await may_change_settings(update, context):
        await reply(update, "Only this group's administrators can pause its drops.")
        return
    with session_scope(services_of(context).engine) as session:
        chat = session.get(Chat, chat_row(context, update).id)
        assert chat is not None
        journey.pause(chat)
    await reply(update, "⏸ Paused. Your progress is kept; /resume picks up where you left off.")


async def resume(update: Update, context: AppContext) -> None:
    """/resume (or the Resume button): daily drops again from the next delivery time."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    if not await may_change_settings(update, context):
        await reply(update, "Only this group's administrators can resume its drops.")
        return
    services = services_of(context)
    now = services.clock()
    with session_scope(services.engine) as session:
        chat = session.get(Chat, chat_row(context, update).id)
        assert chat is not None
        journey.resume(chat, now, services.settings.day_start_hour)
        when = journey.describe_next(chat, now, services.settings.day_start_hour)
    await reply(update, f"▶️ Resumed. Next drop: {when}.")


async def progress(update: Update, context: AppContext) -> None:
    """/progress: the path as a map, the streak and the next delivery."""
    services = services_of(context)
    user = update.effective_user
    assert user is not None
    now = services.clock()
    with session_scope(services.engine) as session:
        chat = session.get(Chat, chat_row(context, update).id)
        assert chat is not None
        stats = journey.progress(session, chat, user.id, now, services.settings.day_start_hour)
        when = journey.describe_next(chat, now, services.settings.day_start_hour)
    summary = (
        f"**Your path** — {len(stats.done)} of {len(services.course)} drops done\n"
        f"🔥 Streak: {stats.streak} day{'s' if stats.streak != 1 else ''} · "
        f"next drop: {when}\n\n"
    )
    await reply(update, summary + journey.progress_map(services.course, stats))


async def restart(update: Update, context: AppContext) -> None:
    """/restart: start the path over, after a confirmation."""
    if not await may_change_settings(update, context):
        await reply(update, "Only this group's administrators can restart its path.")
        return
    markup = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("Yes, start over", callback_data="restart:yes"),
            InlineKeyboardButton("No, keep going", callback_data="restart:no"),
        ]]
    )  # fmt: skip
    await reply(
        update,
        "Start the path over from drop 1? Your quiz history and streak stay; "
        "the drops come again one a day.",
        markup=markup,
    )


async def on_restart_answer(update: Update, context: AppContext) -> None:
    """The confirmation buttons of /restart."""
    query = update.callback_query
    assert query is not None
    if not await may_change_settings(update, context):
        await query.answer("Only administrators can do that.", show_alert=True)
        return
    await query.answer()
    if query.data != "restart:yes":
        with contextlib.suppress(BadRequest):  # a double tap: already edited
            await query.edit_message_text("OK — keeping your place on the path.")
        return
    services = services_of(context)
    settings = services.settings
    now = services.clock()
    with session_scope(services.engine) as session:
        chat = session.get(Chat, chat_row(context, update).id)
        assert chat is not None
        journey.restart(chat, now, settings.day_start_hour)
        work = None
        if journey.is_scheduled(chat):
            work = claim_next_drop(services, session, chat, scheduled=True)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text("🔄 Starting over. Here is drop 1.")
    if work is not None:
        assert services.sender is not None
        await deliver_drop(services.sender, work)
    elif is_private(update):
        await reply(update, "Send /start to set your time and zone.")
