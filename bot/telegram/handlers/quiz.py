"""Quiz buttons and polls: answers, undo, starting reviews, /review, group poll answers.

Callback data is input from the client: each handler matches it against a strict
pattern and checks in the database that the question is the presser's, so forged,
foreign, stale and repeated presses change nothing.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, PollAnswerHandler

from bot.core.urgency import Urgency, at_most
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.buttons import Answered, OptionPress, Place, undo_question
from bot.services.quiz.polls import PollRefusal, record_poll_answer
from bot.services.quiz.questions import Refusal
from bot.telegram import buttons
from bot.telegram import quiz_flow as flow
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import follow_up, in_background, is_private, reply
from bot.telegram.transport.sender import part_json
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.quiz import (
    Heading,
    answered_markdown,
    question_part,
    undo_buttons,
)

log = logging.getLogger(__name__)

EXPIRED = "This button has expired."
PRIVATE_ONLY = "Reviews happen in a private chat with me: open it and send /review."


async def on_answer(update: Update, context: AppContext) -> None:
    """An option button under a question: score it once, show why, send the next one."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    press = buttons.ANSWER.decode(query.data)
    if press is None or user is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    services = services_of(context)
    settings = services.settings
    place = Place(services.clock(), settings.default_time_zone, settings.day_start_hour)
    chat_id = update.effective_chat.id if update.effective_chat else None
    outcome = await context.bot_data.answer_presses.score(
        OptionPress(press.question_id, press.option, user.id, user.first_name, chat_id), place
    )
    if isinstance(outcome, Refusal):
        # A second tap on an answered question is common and harmless: a toast, no alert.
        await query.answer(outcome.value, show_alert=outcome is not Refusal.ANSWERED)
        return
    await query.answer("✅ Right!" if outcome.correct else "❌ Not quite")
    await follow_up(context, update, _explain_and_continue(context, update, outcome))


async def _explain_and_continue(context: AppContext, update: Update, outcome: Answered) -> None:
    """After the toast: the question shows why, and the quiz's next question follows."""
    at_most(Urgency.FOLLOWING)
    query, question, item = update.callback_query, outcome.question, outcome.item
    assert query is not None and question.id is not None
    heading = _shown_heading(update, question.kind, item.drop_id)
    answered = markdown_part(
        answered_markdown(item, question.id, heading, outcome.chosen), undo_buttons(question.id)
    )
    with contextlib.suppress(BadRequest):  # the message may be too old to edit
        await query.edit_message_text(answered.text, api_kwargs=part_json(answered))
    await flow.send_step(
        context.bot_data, question.chat_id, question.learner_id, outcome.next_step,
        after_answer=outcome.review_log_id,
    )  # fmt: skip


def _shown_heading(update: Update, kind: str, drop_id: str) -> Heading:
    """The heading the pressed message shows, "Quiz 3 of 3" included."""
    query = update.callback_query
    message = query.message if query is not None else None
    text = message.text if message is not None and hasattr(message, "text") else None
    return Heading.as_shown(kind, drop_id, text)


async def on_undo(update: Update, context: AppContext) -> None:
    """The Undo button under an answer: the card as before, the answer forgotten, ask again."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    question_id = buttons.UNDO.decode(query.data)
    if question_id is None or user is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    services = services_of(context)
    outcome = await services.transaction(
        undo_question,
        quiz_bank(),
        question_id=question_id,
        user_id=user.id,
        now=services.clock(),
    )
    if isinstance(outcome, str):
        await query.answer(outcome, show_alert=True)
        return
    question, item = outcome.question, outcome.item
    assert question.id is not None
    await query.answer("↩️ Undone — answer again.")
    for chat_id, message_id in outcome.taken_back:
        # The quiz is open again: its summary goes (answering brings a new one), and so
        # does the "once more" of a miss undone. One still on its way is taken back by
        # the answer's follow-up instead.
        with contextlib.suppress(BadRequest):  # too old to delete, or already gone
            await context.bot.delete_message(chat_id, message_id)
    heading = _shown_heading(update, question.kind, item.drop_id)
    part = question_part(item, question.id, heading)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(part.text, api_kwargs=part_json(part))


async def on_start_reviews(update: Update, context: AppContext) -> None:
    """The Start button under "N reviews due": the review session begins."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    if user is None or not is_private(update) or update.effective_chat is None:
        await query.answer(PRIVATE_ONLY, show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    reviews = flow.start_reviews(
        context.bot_data, chat_id=update.effective_chat.id, learner_id=user.id
    )
    await follow_up(context, update, reviews)


async def review(update: Update, context: AppContext) -> None:
    """/review: the day's due reviews, one question at a time, up to the daily cap."""
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return
    if not is_private(update):
        await reply(context, update, PRIVATE_ONLY)
        return
    await flow.start_reviews(context.bot_data, chat_id=update.effective_chat.id, learner_id=user.id)


async def on_poll_answer(update: Update, context: AppContext) -> None:
    """A member answered one of our quiz polls: that member's own card is reviewed (and, in
    a quiz round, the answer counts there while the poll is open)."""
    answer = update.poll_answer
    if answer is None or answer.user is None or answer.user.is_bot:
        return  # an answer on behalf of a chat has no learner
    services = services_of(context)
    user, arrived = answer.user, services.clock()

    async def found_its_poll() -> bool:
        outcome = await services.transaction(
            record_poll_answer,
            poll_id=answer.poll_id,
            user_id=user.id,
            first_name=user.first_name,
            option_ids=list(answer.option_ids),
            now=arrived,
            default_zone=services.settings.default_time_zone,
            day_start_hour=services.settings.day_start_hour,
        )
        return outcome is not PollRefusal.UNKNOWN_POLL

    async def once_its_poll_is_recorded() -> None:
        polls = context.bot_data.sender.polls_on_their_way
        if not await polls.retry(answer.poll_id, found_its_poll):
            log.info("a vote for poll %s found no poll of ours", answer.poll_id)

    if not await found_its_poll():  # perhaps it came before its poll's record
        await in_background(context, update, once_its_poll_is_recorded())


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """Every quiz handler, to be added before the catch-all button and command handlers."""
    return [
        CallbackQueryHandler(on_answer, pattern=buttons.ANSWER.pattern),
        CallbackQueryHandler(on_undo, pattern=buttons.UNDO.pattern),
        CallbackQueryHandler(on_start_reviews, pattern=buttons.START_REVIEWS.pattern),
        PollAnswerHandler(on_poll_answer),
    ]


COMMANDS = (Command("review", "Your quiz reviews due today", review),)
