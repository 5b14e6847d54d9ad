"""Send drops within Telegram's limits and survive what Telegram answers.

Limits: the Application's AIORateLimiter paces all sends (about 28 a second overall,
one every 3.1 s into a group, so at most 20 a minute) and retries a 429 after its
``retry_after``; this module adds the one-message-a-second pace into each private chat.
Answers: 403 (blocked) marks the chat inactive, ChatMigrated moves the chat to its new
id and sends there, and anything transient gives the delivery back to the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.delivery import chats, outbox
from bot.delivery.outbox import Work
from bot.delivery.parts import Buttons, Part, drop_parts
from bot.formatting import entities_from_dicts
from bot.services import Services
from drops.model import Course

log = logging.getLogger(__name__)

RETRY_LATER = timedelta(seconds=30)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class ChatUnreachable(Exception):
    """The chat blocked the bot or the bot was removed."""


@dataclass(frozen=True)
class Moved(Exception):
    new_chat_id: int


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


class Sender:
    """Sends parts into chats, one message a second into each private chat."""

    def __init__(self, bot: Bot, services: Services, course: Course) -> None:
        self.bot, self.services, self.course = bot, services, course
        self._pacers: dict[int, AsyncLimiter] = {}
        self._parts: dict[tuple[str, int, Buttons | None], list[Part]] = {}

    def parts_of(self, drop_id: str, path_round: int, closing: Buttons | None) -> list[Part]:
        """A drop's messages, rendered once per process (a fan-out sends the same drop often)."""
        key = (drop_id, path_round, closing)
        if key not in self._parts:
            if len(self._parts) > 1024:
                self._parts.clear()
            drop = self.course.drop(drop_id)
            self._parts[key] = drop_parts(self.course, drop, path_round=path_round, closing=closing)
        return self._parts[key]

    async def _pace(self, chat_id: int) -> None:
        if chat_id < 0:
            return  # groups are paced by the Application's rate limiter
        if len(self._pacers) > 4096:
            self._pacers = {k: v for k, v in self._pacers.items() if not v.has_capacity(1)}
        interval = self.services.settings.private_chat_interval_s
        if interval <= 0:
            return
        pacer = self._pacers.setdefault(chat_id, AsyncLimiter(1, interval))
        await pacer.acquire()

    async def send_part(self, chat_id: int, part: Part) -> Message:
        """One message; raises ChatUnreachable or Moved for the caller to act on."""
        await self._pace(chat_id)
        markup = keyboard(part.buttons)
        try:
            if part.photo is not None:
                return await self.bot.send_photo(
                    chat_id,
                    photo=part.photo.read_bytes(),
                    caption=part.text,
                    caption_entities=entities_from_dicts(part.entities),
                    reply_markup=markup,
                )
            return await self.bot.send_message(
                chat_id,
                part.text,
                entities=entities_from_dicts(part.entities),
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
        except Forbidden as exc:
            chats.deactivate(self.services.engine, chat_id)
            self.services.known_chats.discard(chat_id)
            raise ChatUnreachable(str(exc)) from exc
        except ChatMigrated as exc:
            chats.migrate(self.services.engine, chat_id, exc.new_chat_id)
            raise Moved(exc.new_chat_id) from exc

    async def send_parts(self, chat_id: int, parts: Sequence[Part]) -> list[Message]:
        """Send parts without the outbox (a drop shown again, a notice), following moves."""
        sent: list[Message] = []
        for part in parts:
            try:
                sent.append(await self.send_part(chat_id, part))
            except Moved as moved:
                chat_id = moved.new_chat_id
                sent.append(await self.send_part(chat_id, part))
        return sent

    async def deliver(self, work: Work, closing: Buttons | None = None) -> bool:
        """Send a claimed delivery from where it stopped; True once every part is out."""
        engine, clock = self.services.engine, self.services.clock
        lease = timedelta(seconds=self.services.settings.delivery_lease_s)
        parts = self.parts_of(work.drop_id, work.path_round, closing)
        chat_id = work.chat_id
        index = work.parts_sent
        while index < len(parts):
            outbox.mark_sending(engine, work.delivery_id, lease_until=clock() + lease)
            try:
                await self.send_part(chat_id, parts[index])
            except Moved as moved:
                chat_id = moved.new_chat_id  # nothing was delivered: send the part there
                continue
            except ChatUnreachable:
                log.info("chat %s is unreachable; delivery %s dropped", chat_id, work.delivery_id)
                outbox.mark_failed(engine, work.delivery_id)
                return False
            except RetryAfter as exc:
                wait = timedelta(seconds=float(exc._retry_after.total_seconds()))
                outbox.release(engine, work.delivery_id, retry_at=clock() + max(wait, RETRY_LATER))
                return False
            except BadRequest:
                log.exception("Telegram refused part %d of delivery %s", index, work.delivery_id)
                outbox.mark_failed(engine, work.delivery_id)
                return False
            except NetworkError:
                log.warning("network error on delivery %s; retrying later", work.delivery_id)
                outbox.release(engine, work.delivery_id, retry_at=clock() + RETRY_LATER)
                return False
            index += 1
            outbox.mark_part_sent(engine, work.delivery_id, index, last=index == len(parts))
        return True
