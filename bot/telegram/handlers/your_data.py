"""/export (everything stored about you, as a JSON file) and /forget (delete it, after a yes)."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.services import your_data
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import is_private, reply

EXPORT_CAPTION = "Everything I store about you, as JSON. /forget deletes it."
FORGET_YES, FORGET_NO = buttons.FORGET.encode("yes"), buttons.FORGET.encode("no")
FORGET_QUESTION = (
    "Delete **everything** I store about you? That is your progress on the path and your "
    "schedule, your quiz cards and answers (in groups too), your streak days, your plans "
    "and your /distill runs.\n\n"
    "This can't be undone. Send /export first if you want a copy."
)
NOT_YOURS = "This button isn't yours."


def _private_only(command: str) -> str:
    return f"Your data is yours alone: send /{command} to me in a private chat."


async def export_command(update: Update, context: AppContext) -> None:
    """/export: every row stored about the user, as a JSON document."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        await reply(context, update, _private_only("export"))
        return
    services = services_of(context)
    exported = await services.transaction(your_data.export_user, user.id, now=services.clock())
    await context.bot.send_document(
        chat.id,
        your_data.to_json(exported).encode("utf-8"),
        filename=your_data.EXPORT_FILENAME,
        caption=EXPORT_CAPTION,
    )


async def forget_command(update: Update, context: AppContext) -> None:
    """/forget: ask before deleting anything."""
    if update.effective_user is None:
        return
    if not is_private(update):
        await reply(context, update, _private_only("forget"))
        return
    markup = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("🗑 Yes, delete everything", callback_data=FORGET_YES),
            InlineKeyboardButton("No, keep it", callback_data=FORGET_NO),
        ]]
    )  # fmt: skip
    await reply(context, update, FORGET_QUESTION, markup=markup)


async def on_forget_button(update: Update, context: AppContext) -> None:
    """The /forget confirmation: only the private chat's own user can say yes."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None
    answer = buttons.FORGET.decode(query.data)
    if answer is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    # In a private chat the chat's id is its user's id: anyone else's press is forged.
    if user is None or chat is None or not is_private(update) or user.id != chat.id:
        await query.answer(NOT_YOURS, show_alert=True)
        return
    if answer == "no":
        await query.answer()
        with contextlib.suppress(BadRequest):  # a double tap: already edited
            await query.edit_message_text("Nothing was deleted.")
        return
    services = services_of(context)
    deleted = await services.transaction(your_data.forget_user, user.id)
    # The next update registers the user again, as a new learner.
    context.bot_data.known_chats.difference_update({user.id, chat.id})
    await query.answer("Deleted.")
    rows = sum(deleted.values())
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            f"🗑 Done: everything I stored about you is deleted ({rows} records). "
            "Send /start whenever you want to begin again."
        )


COMMANDS = (
    Command("export", "Everything I store about you, as a file", export_command),
    Command("forget", "Delete everything I store about you", forget_command),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [CallbackQueryHandler(on_forget_button, pattern=buttons.FORGET.pattern)]
