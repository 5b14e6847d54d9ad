"""Small helpers the handlers share: replying with Markdown, the chat row, admin checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import (
    ChatMember,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType

from bot.services.path import ChatRef, chat_of
from bot.storage.models import Chat
from bot.telegram.context import AppContext, services_of
from bot.telegram.transport.sender import Moved
from bot.telegram.transport.updates import TypedFirst
from bot.telegram.views.formatting import markdown

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
FOLLOW_UP_PATIENCE_S = 1.0  # the longest a press's follow-up waits for other presses


async def send_here(
    context: AppContext, update: Update, send: Callable[[int], Awaitable[Message]]
) -> Message | None:
    """``send`` (given the chat id) into the update's chat: every answer to an update goes
    through here. A group that became a supergroup is answered at its new id, and its
    stored chat follows (as the scheduled sends do, through the sender)."""
    if update.effective_chat is None:
        return None
    sender, chat_id = context.bot_data.sender, update.effective_chat.id
    try:
        return await sender.guarded(chat_id, send(chat_id))
    except Moved as moved:
        return await sender.guarded(moved.new_chat_id, send(moved.new_chat_id))


def quoting(update: Update, chat_id: int) -> ReplyParameters | None:
    """The update's message quoted in a group, as ``reply_text`` does; not at a
    supergroup's new id, which has not got it."""
    message = update.effective_message
    if message is None or message.chat_id != chat_id or is_private(update):
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def reply(
    context: AppContext, update: Update, text: str, *, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the update's chat with our Markdown rendered as entities (``send_here``)."""
    plain, entities = markdown(text)
    return await send_here(
        context,
        update,
        lambda chat_id: context.bot.send_message(
            chat_id, plain, entities=entities, reply_markup=markup
        ),
    )


async def reply_plain(
    context: AppContext,
    update: Update,
    text: str,
    *,
    markup: ReplyMarkup | None = None,
    quote: bool = False,
) -> Message | None:
    """Answer ``text`` as it is (``send_here``); ``quote``: quoting the update's message."""
    return await send_here(
        context,
        update,
        lambda chat_id: context.bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            reply_parameters=quoting(update, chat_id) if quote else None,
        ),
    )


async def follow_up(context: AppContext, update: Update, work: Coroutine[Any, Any, Any]) -> None:
    """Run what follows an answered press (messages that wait for the chat's pace) as a
    task of its own, so the press gives its place back at once
    (see ``bot.telegram.transport.updates``).
    It starts once the presses waiting are answered (``TypedFirst.settled``)."""
    await in_background(context, update, _after_presses(context, work))


async def in_background(
    context: AppContext, update: Update, work: Coroutine[Any, Any, Any]
) -> None:
    """``work`` as a task of its own, so the update gives its place back at once. Its
    errors reach the error handler with ``update``; shutdown waits for it. While the bot
    is stopping, new tasks would not be waited for, so the work is done here."""
    if context.application.running:
        context.application.create_task(work, update=update)
    else:
        await work


async def _after_presses(context: AppContext, work: Coroutine[Any, Any, Any]) -> None:
    processor = context.application.update_processor
    if isinstance(processor, TypedFirst):
        await processor.settled(FOLLOW_UP_PATIENCE_S)
    await work


async def chat_row(context: AppContext, update: Update) -> Chat:
    """The chat's row (created if this is first contact)."""
    return await services_of(context).transaction(chat_of, chat_ref(update))


def chat_ref(update: Update) -> ChatRef:
    """The update's chat, as the services take it."""
    chat = update.effective_chat
    assert chat is not None
    return ChatRef(chat.id, chat.type, chat.title)


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def may_change_settings(update: Update, context: AppContext) -> bool:
    """In a group only administrators may change its settings (asked of Telegram each time)."""
    if is_private(update):
        return True
    return await is_group_admin(update, context)


async def is_group_admin(update: Update, context: AppContext) -> bool:
    """Whether the update's sender administers the group (asked of Telegram each time)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    message = update.message or update.edited_message  # a press's message is the bot's
    if message is not None and message.sender_chat is not None:
        # Only an anonymous administrator posts as the group itself (its user is then
        # GroupAnonymousBot, no administrator); a member posting as a channel is not one.
        return message.sender_chat.id == chat.id
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def command_args(context: AppContext) -> str:
    return " ".join(context.args or [])


def command_text(update: Update) -> str:
    """What follows the command in its message, line breaks kept (a pasted prompt's
    structure is part of it; ``context.args`` splits it into words)."""
    message = update.effective_message
    text = message.text if message is not None and message.text is not None else ""
    command = text.split(maxsplit=1)
    return command[1].strip() if len(command) == 2 else ""
