"""/drop <id> (any drop already reached) and /faq (the five questions, answered)."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.services.delivery.chats import reached_drops
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_row, command_args, reply
from bot.telegram.views.parts import Part, drop_parts
from drops.render import render_faq_entry

DROP_ID = re.compile(r"^\d\.\d$")


async def drop_command(update: Update, context: AppContext) -> None:
    """/drop <id>: show a drop this chat has already reached."""
    services = services_of(context)
    course = services.course
    chat = await chat_row(context, update)
    reached = await services.transaction(reached_drops, chat.id)
    wanted = command_args(context).strip()
    if not wanted:
        if not reached:
            await reply(update, "No drops yet — send /start to begin the path.")
            return
        ordered = [d for d in course.drops if d.id in reached]
        keys = [
            InlineKeyboardButton(d.id, callback_data=buttons.DROP.encode(d.id)) for d in ordered
        ]
        rows = [keys[i : i + 5] for i in range(0, len(keys), 5)]
        await reply(
            update, "Which drop? Tap one, or send `/drop 2.2`.", markup=InlineKeyboardMarkup(rows)
        )
        return
    await _show(update, context, wanted, reached)


async def on_drop_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    wanted = buttons.DROP.decode(query.data)
    if wanted is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer()
    chat = await chat_row(context, update)
    reached = await services_of(context).transaction(reached_drops, chat.id)
    await _show(update, context, wanted, reached)


async def _show(update: Update, context: AppContext, wanted: str, reached: set[str]) -> None:
    services = services_of(context)
    course = services.course
    if not DROP_ID.match(wanted) or wanted not in {d.id for d in course.drops}:
        shown = wanted[:20].replace("`", "'")
        await reply(update, f"There is no drop `{shown}`. Drops are numbered 1.1 to 4.1.")
        return
    if wanted not in reached:
        await reply(
            update,
            f"You haven't reached drop {wanted} yet — the drops come in order, one a day. "
            "/next brings the next one once the current one is done.",
        )
        return
    chat = await chat_row(context, update)
    drop = course.drop(wanted)
    parts = drop_parts(course, drop, path_round=chat.path_round, closing=())
    await context.bot_data.sender.send_parts(chat.id, parts)


async def faq(update: Update, context: AppContext) -> None:
    """/faq: the questions as buttons; each answer on a tap."""
    course = services_of(context).course
    keys = [
        [InlineKeyboardButton(entry.question[:60], callback_data=buttons.FAQ.encode(i))]
        for i, entry in enumerate(course.faq)
    ]
    await reply(
        update, "**Frequently asked questions** — tap one:", markup=InlineKeyboardMarkup(keys)
    )


async def on_faq_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    services = services_of(context)
    index = buttons.FAQ.decode(query.data)
    if index is None or index >= len(services.course.faq):
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer()
    assert update.effective_chat is not None
    messages = render_faq_entry(services.course.faq[index])
    await context.bot_data.sender.send_parts(
        update.effective_chat.id, [Part(m.text, list(m.entities)) for m in messages]
    )


COMMANDS = (
    Command("drop", "Show any drop you have reached, e.g. /drop 2.2", drop_command),
    Command("faq", "Frequently asked questions about distillation", faq),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CallbackQueryHandler(on_drop_button, pattern=buttons.DROP.pattern),
        CallbackQueryHandler(on_faq_button, pattern=buttons.FAQ.pattern),
    ]
