"""The bot joining or leaving a chat, being blocked in a private chat, and a group
becoming a supergroup."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, ChatMemberRestricted, Update
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.services import path
from bot.services.delivery import chats
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, chat_row, reply
from bot.telegram.handlers.onboarding import group_hello, group_on_course

GONE = (ChatMember.LEFT, ChatMember.BANNED)


def is_in_chat(member: ChatMember) -> bool:
    """Whether the bot is (still) in the chat: a bot removed while muted stays "restricted",
    with is_member false, instead of "left"."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status not in GONE


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


async def on_migrated(update: Update, context: AppContext) -> None:
    """A group became a supergroup: its schedule, path and any running quiz round move to
    the new id. Telegram says so in both chats; the second time there is nothing to move."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await services_of(context).transaction(chats.migrate, old, new)
    context.bot_data.distill.chat_moved(old, new)


COMMANDS: tuple[Command, ...] = ()


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrated),
    ]
