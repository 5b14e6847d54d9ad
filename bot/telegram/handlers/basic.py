"""/start, /help, unknown commands, first contact and the one error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from bot.core.urgency import Urgency, current_urgency
from bot.services.path import ChatRef, Person, first_contact
from bot.telegram.commands import Command, help_text
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import quoting, reply_plain, send_here
from bot.telegram.transport.updates import is_typed
from bot.telegram.views.formatting import markdown

log = logging.getLogger(__name__)


async def set_urgency(update: Update, context: AppContext) -> None:
    """Messages sent while handling this update go ahead of less awaited ones: an answer
    to typed text first, then to a press, then scheduled sends
    (see ``bot.telegram.transport.pacing``)."""
    current_urgency.set(Urgency.TYPED if is_typed(update) else Urgency.PRESSED)


async def track_chat(update: Update, context: AppContext) -> None:
    """Record every chat and user once per process, before any other handler runs."""
    chat, user = update.effective_chat, update.effective_user
    known = context.bot_data.known_chats
    keys = [k for k in (chat.id if chat else None, user.id if user else None) if k is not None]
    if all(k in known for k in keys):
        return
    chat_ref = None
    if chat is not None and chat.type != ChatType.CHANNEL:
        chat_ref = ChatRef(chat.id, chat.type, chat.title)
    person = None
    if user is not None and not user.is_bot:
        private = chat.id if chat is not None and chat.type == ChatType.PRIVATE else None
        person = Person(user.id, user.first_name, private)
    await services_of(context).transaction(first_contact, chat_ref, person)
    known.update(keys)


async def help_command(update: Update, context: AppContext) -> None:
    """List the commands that exist."""
    text, entities = markdown(help_text(context.bot_data.menu))
    await send_here(
        context,
        update,
        lambda chat_id: context.bot.send_message(
            chat_id, text, entities=entities, reply_parameters=quoting(update, chat_id)
        ),
    )


async def unknown_command(update: Update, context: AppContext) -> None:
    """Point an unknown command at /help."""
    await reply_plain(
        context, update, "I don't know that command. Type /help to see mine.", quote=True
    )


async def on_error(update: object, context: AppContext) -> None:
    """Log the update id and the error (never the token) and tell the user."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update):
        try:
            await send_here(
                context,
                update,
                lambda chat_id: context.bot.send_message(
                    chat_id, "Sorry, something went wrong on my side. Please try again in a moment."
                ),
            )
        except Exception:  # the chat may be unreachable; the error is logged already
            log.warning("could not tell chat about the error (update %s)", update_id)
    if isinstance(update, Update):
        # The update's later handler groups would fail the same way (the database is
        # down) and apologise again, or answer as if nothing had gone wrong.
        raise ApplicationHandlerStop


async def expired_button(update: Update, context: AppContext) -> None:
    """Any button we don't recognise: an old message, or forged data. Nothing changes."""
    if update.callback_query is not None:
        await update.callback_query.answer("This button has expired.", show_alert=True)


async def refuse_forged_press(update: Update, context: AppContext) -> None:
    """A button in a private chat pressed by anyone but that chat's user is forged: stop."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    if query is None or chat is None or user is None or chat.type != ChatType.PRIVATE:
        return
    if user.id != chat.id:
        await query.answer("This button isn't yours.", show_alert=True)
        raise ApplicationHandlerStop


COMMANDS = (Command("help", "What this bot can do", help_command),)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return []


def expired_button_handler() -> CallbackQueryHandler[AppContext, Any]:
    """After every button handler: the press of a button nobody knows."""
    return CallbackQueryHandler(expired_button)
