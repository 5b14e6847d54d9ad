"""Who is still in a group: asked of Telegram, for the rankings a group sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import TelegramError

# A member Telegram said is in a group is not asked again for this long: a second
# /leaderboard, or a round's results just after one, makes no getChatMember calls for them
# (each is a request Telegram may answer with a flood wait, which the results then sit out).
# A member who leaves without the bot hearing of it (no "left the group" message or
# chat_member update reaches it) may still be ranked for at most this long.
PRESENT_FOR = timedelta(minutes=5)


class Memberships:
    """The members this process recently found in each group (only "in": a leaver is asked
    again every time, so one who comes back is ranked at once)."""

    def __init__(self, clock: Callable[[], datetime], *, present_for: timedelta = PRESENT_FOR):
        self._clock = clock
        self._present_for = present_for
        # (chat, member) -> when Telegram said "in", oldest first (re-seen ones move last).
        self._seen: dict[tuple[int, int], datetime] = {}

    def recently_present(self, chat_id: int, member: int) -> bool:
        seen = self._seen.get((chat_id, member))
        return seen is not None and self._clock() - seen < self._present_for

    def present(self, chat_id: int, member: int) -> None:
        now = self._clock()
        self._seen.pop((chat_id, member), None)
        self._seen[(chat_id, member)] = now
        while self._seen:  # the expired ones, oldest first, go: the dict stays small
            key, seen = next(iter(self._seen.items()))
            if now - seen < self._present_for:
                break
            del self._seen[key]

    def left(self, chat_id: int, member: int) -> None:
        """The bot heard that ``member`` left (or was removed): asked again next time."""
        self._seen.pop((chat_id, member), None)


async def members_who_left(
    bot: Bot, chat_id: int, members: Iterable[int], memberships: Memberships
) -> frozenset[int]:
    """The members no longer in the group (in doubt, still in). Those found in the group
    within ``PRESENT_FOR`` are not asked again."""
    asked = [m for m in dict.fromkeys(members) if not memberships.recently_present(chat_id, m)]
    found = await asyncio.gather(
        *(bot.get_chat_member(chat_id, member) for member in asked), return_exceptions=True
    )
    gone = set[int]()
    for member, answer in zip(asked, found, strict=True):
        if isinstance(answer, TelegramError):
            continue  # in doubt: still in, and asked again next time
        if _gone(answer):
            gone.add(member)
        else:
            memberships.present(chat_id, member)
    return frozenset(gone)


def is_member(member: ChatMember) -> bool:
    """In the group: not left, not banned, and not a muted member who left (Telegram keeps
    them "restricted", with ``is_member`` false)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status not in (ChatMember.LEFT, ChatMember.BANNED)


def _gone(member: ChatMember | BaseException) -> bool:
    if isinstance(member, BaseException):
        raise member  # not a Telegram refusal: a bug, not a doubt
    return not is_member(member)
