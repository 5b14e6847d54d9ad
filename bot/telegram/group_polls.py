"""Quiz polls into a group after its daily drop, sent and recorded (answers: quiz.polls)."""

from __future__ import annotations

import logging

from telegram import Bot, Message, Poll
from telegram.error import ChatMigrated, Forbidden, TelegramError

from bot.core.urgency import Urgency, as_urgent_as
from bot.services.delivery import chats
from bot.services.quiz.polls import PollChoice, poll_order, polls_for_group, save_poll
from bot.telegram.transport.sender import Sender
from drops.outline import drop_label
from quizzes import shown_correct, shown_options
from quizzes.item import MAX_QUESTION_LENGTH, telegram_length

log = logging.getLogger(__name__)


async def send_group_polls(sender: Sender, chat_id: int, drop_id: str) -> None:
    """After a group's daily drop: a quiz poll on the drop and one review poll.

    Best effort, and never raises: the drop itself is delivered already, and a poll
    that cannot be sent is logged and skipped.
    """
    try:
        await _send_group_polls(sender, chat_id, drop_id)
    except Exception:
        log.exception("quiz polls for chat %s failed", chat_id)


async def _send_group_polls(sender: Sender, chat_id: int, drop_id: str) -> None:
    services = sender.services
    choices = await services.transaction(polls_for_group, services, chat_id, drop_id)
    for choice in choices:
        async with sender.polls_on_their_way.sending():  # votes may come before its record
            sent_at = services.clock()
            order = poll_order(choice.item, chat_id, sent_at)
            try:
                try:
                    message = await _send_poll(sender.bot, chat_id, choice, order)
                except ChatMigrated as moved:  # the group became a supergroup: its new id
                    chat_id = moved.new_chat_id
                    message = await _send_poll(sender.bot, chat_id, choice, order)
            except Forbidden:
                await services.transaction(chats.deactivate, chat_id)
                return
            except TelegramError:
                log.warning("could not send a quiz poll to chat %s", chat_id, exc_info=True)
                continue
            if message.poll is None:
                continue
            # An answer to the poll is handled as a press: the record goes before the
            # presses waiting for the database (in the morning fan-out many do), so they
            # seldom have to wait for it.
            with as_urgent_as(Urgency.PRESSED):
                await services.transaction(
                    save_poll,
                    poll_id=message.poll.id,
                    chat_id=chat_id,
                    message_id=message.message_id,
                    item=choice.item,
                    correct_option=shown_correct(choice.item, order),
                    now=sent_at,
                )


async def _send_poll(bot: Bot, chat_id: int, choice: PollChoice, order: tuple[int, ...]) -> Message:
    item = choice.item
    name = drop_label(item.drop_id)
    label = f"🧠 {name}: " if choice.kind == "new" else f"🔁 From {name}: "
    question = item.question
    if telegram_length(label + question) <= MAX_QUESTION_LENGTH:
        question = label + question
    return await bot.send_poll(
        chat_id,
        question,
        list(shown_options(item, order)),
        is_anonymous=False,
        type=Poll.QUIZ,
        correct_option_ids=[shown_correct(item, order)],  # type: ignore[list-item]
        explanation=item.explanation,
    )
