"""Quiz polls into a group after its daily drop, sent as the last parts of its delivery and
recorded (answers: quiz.polls)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Poll
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.core.urgency import Urgency, as_urgent_as
from bot.services.quiz.polls import PollChoice, poll_order, polls_for_group, save_poll
from bot.telegram.transport.ratelimit import SendCheck
from bot.telegram.transport.sender import AfterDrop, Sender
from drops.outline import drop_label
from quizzes import shown_correct, shown_options
from quizzes.item import MAX_QUESTION_LENGTH, telegram_length

log = logging.getLogger(__name__)


async def group_polls(sender: Sender, chat_id: int, drop_id: str) -> list[AfterDrop]:
    """A group's quiz polls after its daily drop: one on the drop and one review, each sent
    as a part of the drop's delivery (so a restart sends those still missing) and recorded.
    """
    services = sender.services
    choices = await services.transaction(polls_for_group, services, chat_id, drop_id)
    return [_poll_sender(sender, choice) for choice in choices]


def _poll_sender(sender: Sender, choice: PollChoice) -> AfterDrop:
    services = sender.services

    async def send(chat_id: int, check: SendCheck) -> None:
        sent_at = services.clock()
        order = poll_order(choice.item, chat_id, sent_at)
        try:
            message = await sender.guarded(
                chat_id, _send_poll(sender.bot, chat_id, choice, order, check)
            )
        except BadRequest:  # a poll Telegram refuses is skipped; the drop is out already
            log.warning("could not send a quiz poll to chat %s", chat_id, exc_info=True)
            return
        if message.poll is None:
            return
        # An answer to the poll is handled as a press: the record goes before the presses
        # waiting for the database (in the morning fan-out many do), so they seldom have
        # to wait for it. One that comes first waits for it (``PollsOnTheirWay``).
        with as_urgent_as(Urgency.PRESSED):
            async with sender.polls_on_their_way.recording(message.poll.id):
                await services.transaction(
                    save_poll,
                    poll_id=message.poll.id,
                    chat_id=chat_id,
                    message_id=message.message_id,
                    item=choice.item,
                    correct_option=shown_correct(choice.item, order),
                    now=sent_at,
                )

    return send


async def _send_poll(
    bot: ExtBot[Any], chat_id: int, choice: PollChoice, order: tuple[int, ...], check: SendCheck
) -> Message:
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
        rate_limit_args=check,
    )
