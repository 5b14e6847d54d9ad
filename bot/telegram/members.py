"""Who is still in a group: asked of Telegram, for the rankings a group sees."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import TelegramError


async def members_who_left(bot: Bot, chat_id: int, members: Iterable[int]) -> frozenset[int]:
    """The members no longer in the group (in doubt, still in)."""
    asked = list(dict.fromkeys(members))
    found = await asyncio.gather(
        *(bot.get_chat_member(chat_id, member) for member in asked), return_exceptions=True
    )
    return frozenset(
        member
        for member, answer in zip(asked, found, strict=True)
        if not isinstance(answer, TelegramError) and _gone(answer)
    )


def _gone(member: ChatMember | BaseException) -> bool:
    """Out of the group: left, banned, or a muted member who left (Telegram keeps them
    "restricted", with ``is_member`` false)."""
    if isinstance(member, BaseException):
        raise member  # not a Telegram refusal: a bug, not a doubt
    if isinstance(member, ChatMemberRestricted):
        return not member.is_member
    return member.status in (ChatMember.LEFT, ChatMember.BANNED)
