"""The bot joining or leaving a chat, and being blocked in a private chat."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.services.context import AppContext, services_of
from bot.services.delivery import chats
from bot.storage.db import session_scope
from bot.storage.models import Chat
from bot.telegram.handlers.common import chat_row, reply
from bot.telegram.handlers.onboarding import GROUP_HELLO

GONE = (ChatMember.LEFT, ChatMember.BANNED)


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """Greet a group that added us; mark a chat inactive when we are removed or blocked."""
    change = update.my_chat_member
    if change is None:
        return
    services = services_of(context)
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in GONE:
        services.known_chats.discard(change.chat.id)
        chats.deactivate(services.engine, change.chat.id)
        return
    chat = chat_row(context, update)
    with session_scope(services.engine) as session:
        row = session.get(Chat, chat.id)
        if row is not None:
            row.active = True
    if old in GONE and change.chat.type != "private":
        await reply(update, GROUP_HELLO)
