"""The bot joining or leaving a chat, and being blocked in a private chat."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.services.delivery import chats
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_row, reply
from bot.telegram.handlers.onboarding import group_hello

GONE = (ChatMember.LEFT, ChatMember.BANNED)


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """Greet a group that added us; mark a chat inactive when we are removed or blocked."""
    change = update.my_chat_member
    if change is None:
        return
    services = services_of(context)
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in GONE:
        context.bot_data.known_chats.discard(change.chat.id)
        await services.transaction(chats.deactivate, change.chat.id)
        return
    await chat_row(context, update)  # a chat that has us back is active again
    if old in GONE and change.chat.type != "private":
        await reply(update, group_hello(services_of(context).settings))


COMMANDS: tuple[Command, ...] = ()


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]
