"""Send drops within Telegram's limits and survive what Telegram answers.

Limits: the Application's rate limiter (``bot.telegram.transport.ratelimit``) paces every
message, these
and the handlers' replies alike: about 28 a second overall, one a second into a private
chat and one every 3.1 s into a group, counted from the previous message's answer, and
retries a 429 after its ``retry_after``.
Answers: 403 (blocked) marks the chat inactive, ChatMigrated moves the chat to its new
id and sends there, and anything transient gives the delivery back to the outbox.

A drop's part is marked in flight (``sending``) only after every wait for its turn, just
before the request leaves (the rate limiter runs the sender's check at that moment): a
crash then finds at most the few parts that were really on the wire in that state,
instead of every part queued behind the pace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ExtBot

from bot.services.context import Services
from bot.services.delivery import chats, outbox
from bot.services.delivery.outbox import Work
from bot.services.quiz.polls_on_their_way import PollsOnTheirWay
from bot.telegram.transport.bot_api_client import may_have_arrived
from bot.telegram.transport.ratelimit import SendCheck, Withdrawn
from bot.telegram.views.explore import explore_link
from bot.telegram.views.formatting import entities_from_dicts
from bot.telegram.views.parts import Button, Buttons, Card, Link, Paging, Part, drop_cards

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]

RETRY_LATER = timedelta(seconds=30)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


AfterDrop = Callable[[int, SendCheck], Awaitable[object]]
"""One more message of a delivery after the drop's cards (a group's quiz poll): sent into
the chat id under the check, through ``Sender.guarded``."""


class ChatUnreachable(Exception):
    """The chat blocked the bot or the bot was removed."""


class Moved(Exception):
    """The group became a supergroup: send to ``new_chat_id`` instead.

    Not a frozen dataclass: an exception leaving a context manager gets its traceback
    assigned, which a frozen instance refuses.
    """

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(new_chat_id)
        self.new_chat_id = new_chat_id


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup.de_json(markup_json(buttons), None)


def markup_json(buttons: Buttons) -> JSONDict:
    """The buttons as the Bot API's ``InlineKeyboardMarkup`` object."""
    return {"inline_keyboard": [[_button_json(button) for button in row] for row in buttons]}


def _button_json(button: Button) -> JSONDict:
    if not isinstance(button, Link):
        label, data = button
        return {"text": label, "callback_data": data}
    if button.web_app:
        return {"text": button.label, "web_app": {"url": button.url}}
    return {"text": button.label, "url": button.url}


def part_json(part: Part) -> JSONDict:
    """A text part's entities and buttons as the Bot API takes them, for ``api_kwargs``.

    Given as objects, each entity and button would be built here and turned back into
    this JSON by python-telegram-bot in every request: in a rush of quiz answers (a
    question of five entities and four buttons sent, one edited, per answer) that was
    ~0.15 ms of CPU a message, more than a third of what the rest of a send costs.
    """
    extras: JSONDict = {}
    if part.entities:
        extras["entities"] = part.entities
    if part.buttons:
        extras["reply_markup"] = markup_json(part.buttons)
    return extras


class Sender:
    """Sends parts into chats, one message a second into each private chat."""

    def __init__(self, bot: ExtBot[Any], services: Services, *, known_chats: set[int]) -> None:
        self.bot, self.services, self.course = bot, services, services.course
        self.known_chats = known_chats  # forgotten when a chat becomes unreachable
        self.polls_on_their_way = PollsOnTheirWay()  # a vote may come before their record
        # What this process keeps per chat in memory, told of a move (``chat_moved``).
        self.on_moved: list[Callable[[int, int], None]] = []
        self._cards: dict[tuple[str, int, Buttons | None, Paging], list[Card]] = {}

    def cards_of(
        self, drop_id: str, path_round: int, closing: Buttons | None, paging: Paging
    ) -> list[Card]:
        """A drop's cards, rendered once per process (a fan-out sends the same drop often)."""
        key = (drop_id, path_round, closing, paging)
        if key not in self._cards:
            if len(self._cards) > 1024:
                self._cards.clear()
            drop = self.course.drop(drop_id)
            settings = self.services.settings
            explore = explore_link(
                drop_id, private=paging != Paging.NONE, webapp_url=settings.webapp_url,
                bot_username=self.bot.username, app_name=settings.webapp_name,
            )  # fmt: skip
            self._cards[key] = drop_cards(
                self.course, drop, path_round=path_round, closing=closing, paging=paging,
                explore=explore, runnable=settings.sandbox_enabled,
            )  # fmt: skip
        return self._cards[key]

    def delivery_cards(self, work: Work, closing: Buttons | None = None) -> list[Card]:
        """The cards of a delivery: paged by Continue in a private chat, all at once in a group."""
        paging = Paging.DELIVERY if work.chat_kind == "private" else Paging.NONE
        return self.cards_of(work.drop_id, work.path_round, closing, paging)

    async def send_part(self, chat_id: int, part: Part) -> Message:
        """One message, paced; raises ChatUnreachable or Moved for the caller to act on."""
        return await self._send_now(chat_id, part)

    async def _send_now(self, chat_id: int, part: Part, check: SendCheck | None = None) -> Message:
        """Send one part; ``check`` runs after the pace's waits, just before it leaves."""
        return await self.guarded(chat_id, self._send_part(chat_id, part, check))

    async def guarded(self, chat_id: int, send: Awaitable[Message]) -> Message:
        """``send`` into ``chat_id``: a chat that blocked the bot raises ChatUnreachable (and is
        marked so), one that moved raises Moved (and its schedule follows)."""
        try:
            return await send
        except Forbidden as exc:
            await self.services.transaction(chats.deactivate, chat_id)
            self.known_chats.discard(chat_id)
            raise ChatUnreachable(str(exc)) from exc
        except ChatMigrated as exc:
            await self.chat_moved(chat_id, exc.new_chat_id)
            raise Moved(exc.new_chat_id) from exc

    async def chat_moved(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: the one way the bot follows it, however it heard
        (a service message, a send's ChatMigrated): the stored chat and all that names it
        move (``chats.migrate``), and so does what this process keeps in memory."""
        await self.services.transaction(chats.migrate, old_id, new_id)
        for follow in self.on_moved:
            follow(old_id, new_id)

    async def _send_part(self, chat_id: int, part: Part, check: SendCheck | None) -> Message:
        if part.photo is not None:
            return await self.bot.send_photo(
                chat_id,
                photo=part.photo.read_bytes(),
                caption=part.text,
                caption_entities=entities_from_dicts(part.entities),
                reply_markup=keyboard(part.buttons),
                rate_limit_args=check,
            )
        return await self.bot.send_message(
            chat_id,
            part.text,
            link_preview_options=NO_PREVIEW,
            rate_limit_args=check,
            api_kwargs=part_json(part),
        )

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

    async def deliver(
        self, work: Work, closing: Buttons | None = None, after: Sequence[AfterDrop] = ()
    ) -> bool:
        """Send a claimed delivery from where it stopped; True once every part of its open
        cards is out (the row then waits as ``reading`` for Continue, or is ``sent``).

        ``after``: the messages that follow the last card (a group's quiz polls), parts of
        the delivery like the cards', so a restart sends those still missing, none twice.

        Every write checks that the lease is still ``held``; if another instance has taken
        the delivery over, this one stops at once.
        """
        db, clock = self.services.transaction, self.services.clock
        lease = timedelta(seconds=self.services.settings.delivery_lease_s)
        cards = self.delivery_cards(work, closing)
        parts: list[AfterDrop] = [self._part_sender(part) for card in cards for part in card]
        until = sum(len(card) for card in cards[: work.cards_open])
        if until == len(parts):  # every card is open: what follows the drop comes too
            parts += after
            until = len(parts)
        chat_id, index, held = work.chat_id, work.parts_sent, work.lease_until
        if index >= until:  # taken over with its last part in flight: that part counts
            return await db(
                outbox.mark_part_sent, work.delivery_id, index, held=held,
                last=index >= len(parts), card_end=True,
            )  # fmt: skip

        async def mark_in_flight() -> bool:
            """Run by the rate limiter with every wait behind it (see above)."""
            nonlocal held
            lease_until = clock() + lease
            if await db(outbox.mark_sending, work.delivery_id, held=held, lease_until=lease_until):
                held = lease_until
                return True
            return False

        while index < until:
            try:
                await parts[index](chat_id, mark_in_flight)
            except Withdrawn:
                return self._taken_over(work)
            except Moved as moved:
                chat_id = moved.new_chat_id  # nothing was delivered: send the part there
                continue
            except ChatUnreachable:
                log.info("chat %s is unreachable; delivery %s dropped", chat_id, work.delivery_id)
                await db(outbox.mark_failed, work.delivery_id, held=held)
                return False
            except RetryAfter as exc:
                wait = max(exc._retry_after, RETRY_LATER)
                await db(outbox.release, work.delivery_id, held=held, retry_at=clock() + wait)
                return False
            except BadRequest:
                log.exception("Telegram refused part %d of delivery %s", index, work.delivery_id)
                await db(outbox.mark_failed, work.delivery_id, held=held)
                return False
            except NetworkError as error:
                if not may_have_arrived(error):
                    log.warning("network error on delivery %s; retrying later", work.delivery_id)
                    retry_at = clock() + RETRY_LATER
                    await db(outbox.release, work.delivery_id, held=held, retry_at=retry_at)
                    return False
                # No answer, but the request went out: as after a crash with a part in
                # flight, count it as delivered rather than risk sending it twice.
                log.warning("no answer to part %d of delivery %s", index, work.delivery_id)
            index += 1
            sent = await db(
                outbox.mark_part_sent, work.delivery_id, index, held=held,
                last=index == len(parts), card_end=index == until,
            )  # fmt: skip
            if not sent:
                return self._taken_over(work)
        return True

    def _part_sender(self, part: Part) -> AfterDrop:
        async def send(chat_id: int, check: SendCheck) -> Message:
            return await self._send_now(chat_id, part, check)

        return send

    def _taken_over(self, work: Work) -> bool:
        log.info("delivery %s was taken over by another sender", work.delivery_id)
        return False
