"""The bot joining or leaving a chat, being blocked in a private chat, a member leaving a
group, and a group becoming a supergroup."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.services import path
from bot.services.delivery import chats
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, chat_row, reply
from bot.telegram.handlers.onboarding import group_hello, group_on_course
from bot.telegram.members import is_member as is_in_chat


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """Greet a group that added us; mark a chat inactive when we are removed or blocked."""
    change = update.my_chat_member
    if change is None:
        return
    services = services_of(context)
    if not is_in_chat(change.new_chat_member):
        context.bot_data.known_chats.discard(change.chat.id)
        await services.transaction(chats.deactivate, change.chat.id)
        return
    if is_in_chat(change.old_chat_member) or change.chat.type == "private":
        await chat_row(context, update)  # a chat that has us back is active again
        return
    # A group that adds us back keeps its path and schedule: say where it is, not how to begin.
    when = await services.transaction(path.welcome, services, chat_ref(update), ask_time=False)
    await reply(
        context, update, group_hello(services.settings) if when is None else group_on_course(when)
    )


async def on_member_left(update: Update, context: AppContext) -> None:
    """A member left the group or was removed (Telegram's "left the group" message, or a
    chat_member update where the bot administers the group): the rankings ask about them
    again, instead of trusting that they were in a moment ago."""
    memberships = context.bot_data.memberships
    change, message = update.chat_member, update.effective_message
    if change is not None and not is_in_chat(change.new_chat_member):
        memberships.left(change.chat.id, change.new_chat_member.user.id)
    elif message is not None and message.left_chat_member is not None:
        memberships.left(message.chat.id, message.left_chat_member.id)


async def on_migrated(update: Update, context: AppContext) -> None:
    """A group became a supergroup: its schedule, path and any running quiz round move to
    the new id. Telegram says so in both chats, in either order; the second time there is
    nothing to move (a blank row a late one made at the old id goes)."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await context.bot_data.sender.chat_moved(old, new)


COMMANDS: tuple[Command, ...] = ()


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        ChatMemberHandler(on_member_left, ChatMemberHandler.CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, on_member_left),
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrated),
    ]
