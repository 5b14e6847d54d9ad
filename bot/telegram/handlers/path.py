"""The learner's path: /today, /next, /pause, /resume, /progress, /restart and "Done"."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.journey import with_next_step
from bot.services import journey, path
from bot.services.delivery import outbox
from bot.telegram import buttons, quiz_flow
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.delivery_job import deliver_drop
from bot.telegram.handlers.common import (
    chat_ref,
    follow_up,
    is_private,
    may_change_settings,
    reply,
)
from bot.telegram.transport.sender import Sender
from bot.telegram.views import notices
from bot.telegram.views.parts import Paging

NEXT_REFUSALS = {
    path.NextRefusal.NOT_SCHEDULED: "Set your schedule first: send /start.",
    path.NextRefusal.CURRENT_NOT_DONE: (
        "Finish the current drop first (press ✅ Done under it, or /today to see it)."
    ),
    path.NextRefusal.END_OF_PATH: "You've reached the end of the path. /restart starts it over.",
    path.NextRefusal.ALREADY_SENT: "That drop has already been sent — see /today.",
    path.NextRefusal.PAUSED: "Your drops are paused. Resume them, and /next works again.",
}


async def today(update: Update, context: AppContext) -> None:
    """/today: the current drop again."""
    services = services_of(context)
    drop_id, path_round, finished = await services.transaction(path.current_drop, chat_ref(update))
    if drop_id is None:
        await reply(context, update, "No drop yet — send /start to set your time and get drop 1.")
        return
    paging = Paging.REREAD if is_private(update) else Paging.NONE
    done_already = finished and is_private(update)  # a group counts a drop opened on arrival
    closing = ((("✅ Done", buttons.NOOP.encode(True)),),) if done_already else None
    cards = context.bot_data.sender.cards_of(drop_id, path_round, closing, paging)
    shown = cards[0] if paging == Paging.REREAD else [p for card in cards for p in card]
    await context.bot_data.sender.send_parts(chat_ref(update).id, shown)


CARD_REFUSALS = {
    outbox.CardRefusal.ALREADY_OPEN: "Already here — scroll down ↓",
    outbox.CardRefusal.BUSY: "On its way…",
}


async def on_continue(update: Update, context: AppContext) -> None:
    """ "Continue ▸ (2/4)" under a delivered card: open the next card, once (the outbox
    holds which cards are open, so a repeated press or a restart sends none twice)."""
    query = update.callback_query
    assert query is not None
    press = buttons.MORE.decode(query.data)
    chat = update.effective_chat
    services = services_of(context)
    if press is None or chat is None or press.drop_id not in services.course.ids:
        await query.answer("This button has expired.", show_alert=True)
        return
    sender = context.bot_data.sender
    cards = sender.cards_of(press.drop_id, press.path_round, None, Paging.DELIVERY)
    outcome = await services.transaction(
        outbox.open_card, chat.id, path_round=press.path_round, drop_id=press.drop_id,
        card=press.card, cards=len(cards), now=services.clock(),
        lease=timedelta(seconds=services.settings.delivery_lease_s),
        holder=services.claimant.holder,
    )  # fmt: skip
    if outcome == outbox.CardRefusal.UNKNOWN:
        await query.answer("This button has expired.", show_alert=True)
        return
    if isinstance(outcome, outbox.CardRefusal):
        await query.answer(CARD_REFUSALS[outcome])
        return
    await query.answer()
    await follow_up(context, update, _send_card(query, sender, outcome))


async def _send_card(query: CallbackQuery, sender: Sender, work: outbox.Work) -> None:
    """The opened card through the outbox, then the pressed Continue button goes."""
    if await sender.deliver(work):
        with contextlib.suppress(BadRequest):  # already edited
            await query.edit_message_reply_markup(None)


async def next_drop(update: Update, context: AppContext) -> None:
    """/next: the next drop now, for the eager, once the current one is done."""
    services = services_of(context)
    if not await may_change_settings(update, context):
        await reply(
            context, update, "In a group, only administrators can pull the next drop early."
        )
        return
    outcome = await services.transaction(path.next_drop, services, chat_ref(update))
    if outcome == path.NextRefusal.PAUSED:
        resume_key = InlineKeyboardButton("▶️ Resume", callback_data=buttons.RESUME.encode(True))
        markup = InlineKeyboardMarkup([[resume_key]])
        await reply(context, update, NEXT_REFUSALS[outcome], markup=markup)
        return
    if isinstance(outcome, path.NextRefusal):
        await reply(context, update, NEXT_REFUSALS[outcome])
        return
    await deliver_drop(context.bot_data.sender, outcome)


MEMBER_DONE = (
    "✅ Noted for you: today counts for your streak. An administrator's Done marks the drop "
    "done for the group."
)


async def on_done(update: Update, context: AppContext) -> None:
    """The "Done" button under a drop: mark it complete (once), say what comes next."""
    query = update.callback_query
    assert query is not None
    done_press = buttons.DONE.decode(query.data)
    user = update.effective_user
    if done_press is None or user is None or update.effective_chat is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    services = services_of(context)
    if not await may_change_settings(update, context):
        # Only an administrator marks the group's drop done; a member's press counts for them.
        await services.transaction(
            path.member_done, services, update.effective_chat.id, user.id, user.first_name
        )
        await query.answer(MEMBER_DONE, show_alert=True)
        return
    done = await services.transaction(
        path.complete, services, update.effective_chat.id, user.id,
        path_round=done_press.path_round, drop_id=done_press.drop_id,
    )  # fmt: skip
    if not done.known:
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer("Marked as done ✅" if done.first_time else "Already done ✅")
    label = done_label(done.next_drop, finished=done.finished is not None)
    shown = query.message.reply_markup if isinstance(query.message, Message) else None
    kept = [  # the rows above Done (▶️ Run it) stay
        list(row)
        for row in (shown.inline_keyboard if shown is not None else ())
        if not any(buttons.DONE.decode(b.callback_data) for b in row)  # type: ignore[arg-type]
    ]
    done_row = [InlineKeyboardButton(label, callback_data=buttons.NOOP.encode(True))]
    with contextlib.suppress(BadRequest):  # already edited by a double tap
        await query.edit_message_reply_markup(InlineKeyboardMarkup([*kept, done_row]))
    if done.first_time:
        await follow_up(context, update, _after_done(update, context, done, done_press.drop_id))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def done_label(when: str, *, finished: bool) -> str:
    """What the Done button says once pressed: "✅ Done · next drop tomorrow 07:30"."""
    if finished:
        return "✅ Done · path finished 🎓"
    day_and_time = when.split(",")[0]
    if day_and_time[:1].isdigit() or day_and_time.startswith(("today", "tomorrow", *DAYS)):
        return f"✅ Done · next drop {day_and_time}"
    return "✅ Done"  # paused, not scheduled: the reply under it says so


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def _after_done(update: Update, context: AppContext, done: path.Done, drop_id: str) -> None:
    """What follows a counted Done: a word on what comes next, then the drop's quiz."""
    services = services_of(context)
    if done.finished is not None:
        await reply(
            context, update, _finished_text(done.finished, len(services.course), is_private(update))
        )
    else:
        eager = " Eager? /next brings it now." if done.next_now else ""
        await reply(context, update, f"Nice. Next drop: {done.next_drop}.{eager}")
    if is_private(update) and update.effective_chat is not None and update.effective_user:
        # The drop's quiz starts right away (then the day's reviews, see bot/telegram/quiz_flow.py).
        await quiz_flow.after_drop(
            context.bot_data,
            chat_id=update.effective_chat.id,
            learner_id=update.effective_user.id,
            drop_id=drop_id,
        )


def _finished_text(finished: journey.Progress, drops: int, private: bool) -> str:
    """The path's end: the learner's numbers; in a group only the group's, as personal
    numbers stay out of the group (the admin who pressed Done is not the group)."""
    done = f"{len(finished.done)} of {drops} drops done"
    if not private:
        return (
            f"🎓 **This group has finished the path!** {done}.\n\n"
            "Now make it yours: /plan, in a private chat with me, turns one of your real "
            "prompts into a distillation plan."
        )
    return (
        "🎓 **You've finished the path!**\n"
        f"{done} over {_plural(finished.active_days, 'active day')}, a streak of "
        f"{finished.streak}, and {finished.reviews} quiz answers.\n\n"
        "Now make it yours: /plan turns one of your real prompts into a distillation plan."
    )


async def noop(update: Update, context: AppContext) -> None:
    """A button that only shows state."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def pause(update: Update, context: AppContext) -> None:
    """/pause: stop the daily drops (nothing is lost)."""
    if not await may_change_settings(update, context):
        await reply(context, update, "Only this group's administrators can pause its drops.")
        return
    await services_of(context).transaction(path.pause, chat_ref(update))
    kept = "Your progress is kept" if is_private(update) else "This group's progress is kept"
    whose = "you" if is_private(update) else "it"
    await reply(context, update, f"⏸ Paused. {kept}; /resume picks up where {whose} left off.")


async def resume(update: Update, context: AppContext) -> None:
    """/resume (or the Resume button): daily drops again from the next delivery time."""
    query = update.callback_query
    if not await may_change_settings(update, context):
        refusal = "Only this group's administrators can resume its drops."
        if query is not None:  # a press is answered privately, like every admin-only button
            await query.answer(refusal, show_alert=True)
        else:
            await reply(context, update, refusal)
        return
    if query is not None:
        await query.answer()
    services = services_of(context)
    resumed = await services.transaction(path.resume, services, chat_ref(update))
    if resumed.waiting is not None:  # "Next drop: today 09:00" would bring only a reminder
        await reply(
            context, update, f"▶️ Resumed. {notices.still_waiting(services.course, resumed.waiting)}"
        )
        return
    await reply(context, update, f"▶️ Resumed. Next drop: {resumed.next_drop}.")


async def progress(update: Update, context: AppContext) -> None:
    """/progress: the path as a map, the streak and the next delivery."""
    services = services_of(context)
    user = update.effective_user
    assert user is not None
    stats, when = await services.transaction(path.progress, services, chat_ref(update), user.id)
    when = with_next_step(when, private=is_private(update))
    done = f"{len(stats.done)} of {len(services.course)} drops done"
    if is_private(update):
        summary = (
            f"**Your path** — {done}\n"
            f"🔥 Streak: {_plural(stats.streak, 'day')} · next drop: {when}\n\n"
        )
    else:  # the group's path; a member's own streak is theirs (/stats in private)
        summary = f"**This group's path** — {done}\nNext drop: {when}\n\n"
    await reply(context, update, summary + journey.progress_map(services.course, stats))


async def restart(update: Update, context: AppContext) -> None:
    """/restart: start the path over, after a confirmation."""
    if not await may_change_settings(update, context):
        await reply(context, update, "Only this group's administrators can restart its path.")
        return
    _, path_round, _ = await services_of(context).transaction(path.current_drop, chat_ref(update))
    yes, no = (buttons.RESTART.encode(buttons.RestartAnswer(path_round, a)) for a in (True, False))
    markup = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("Yes, start over", callback_data=yes),
            InlineKeyboardButton("No, keep going", callback_data=no),
        ]]
    )  # fmt: skip
    await reply(
        context,
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
    answer = buttons.RESTART.decode(query.data)
    if answer is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    if not answer.start_over:
        await query.answer()
        with contextlib.suppress(BadRequest):  # a double tap: already edited
            await query.edit_message_text("OK — keeping your place on the path.")
        return
    services = services_of(context)
    restarted = await services.transaction(
        path.restart, services, chat_ref(update), path_round=answer.path_round
    )
    if restarted is None:
        await query.answer("Already started over.")
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(_restarted_text(restarted, private=is_private(update)))
    if restarted.drop_one is not None:
        await deliver_drop(context.bot_data.sender, restarted.drop_one)


def _restarted_text(restarted: path.Restarted, *, private: bool) -> str:
    if restarted.scheduled:
        return "🔄 Starting over. Here is drop 1."
    if private:
        return "🔄 Starting over. Send /start to set your time and zone; drop 1 comes then."
    return "🔄 Starting over. Drop 1 comes once an administrator sets /settime or /timezone."


COMMANDS = (
    Command("today", "Show the current drop again", today),
    Command("next", "Get the next drop now (once the current one is done)", next_drop),
    Command("progress", "Your path, streak and next delivery", progress),
    Command("pause", "Pause the daily drops", pause),
    Command("resume", "Resume the daily drops", resume),
    Command("restart", "Start the path over", restart),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CallbackQueryHandler(on_done, pattern=buttons.DONE.pattern),
        CallbackQueryHandler(on_continue, pattern=buttons.MORE.pattern),
        CallbackQueryHandler(resume, pattern=buttons.RESUME.pattern),
        CallbackQueryHandler(on_restart_answer, pattern=buttons.RESTART.pattern),
        CallbackQueryHandler(noop, pattern=buttons.NOOP.pattern),
    ]
