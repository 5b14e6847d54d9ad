"""The private quiz conversation: a drop's questions one at a time, review offers, reviews.

The decisions are made by ``bot.services.quiz.flow``, one unit of work each; this
module only sends what they decided.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from telegram import Message
from telegram.error import TelegramError

from bot.services.quiz import flow
from bot.services.quiz.bank import quiz_bank
from bot.storage.kinds import QuestionKind
from bot.telegram.context import BotData
from bot.telegram.transport.sender import ChatUnreachable, Moved
from bot.telegram.views.parts import Part
from bot.telegram.views.quiz import (
    Heading,
    question_part,
    review_offer,
    reviews_later,
    session_over,
)

log = logging.getLogger(__name__)

LOOK_AGAIN_AT_LEAST_S = 1.0
"""The shortest wait before looking again for cut-off questions, so a clock that does not
move (or a lease already out) never makes the look a busy loop."""


async def after_drop(data: BotData, *, chat_id: int, learner_id: int, drop_id: str) -> None:
    """A learner pressed Done under a drop: its quiz starts (then the day's reviews)."""
    await data.services.transaction(flow.introduce, data.services, learner_id, drop_id)
    await continue_quiz(
        data, chat_id=chat_id, learner_id=learner_id, kind=QuestionKind.NEW, drop_id=drop_id
    )


async def start_reviews(data: BotData, *, chat_id: int, learner_id: int) -> None:
    """/review or the Start button: a review session replaces any open review question."""
    withdrawn = await data.services.transaction(flow.withdraw_reviews, data.services, learner_id)
    for old_chat_id, message_id in withdrawn:
        with contextlib.suppress(TelegramError):  # the message may be gone; nothing depends on it
            await data.sender.bot.edit_message_reply_markup(old_chat_id, message_id)
    await continue_quiz(
        data, chat_id=chat_id, learner_id=learner_id, kind=QuestionKind.REVIEW, drop_id=None
    )


async def resume_cut_off(
    data: BotData, *, recorded_before: datetime, stopping: asyncio.Event
) -> None:
    """At start-up: the questions a killed bot recorded but did not send go out now, so
    each quiz goes on where it was (see ``flow.cut_off_questions``). One that another
    instance may still be sending is looked at again when that instance's lease runs out,
    until none is left or this instance stops."""
    services = data.services
    while True:
        try:
            found = await services.transaction(
                flow.cut_off_questions, services, recorded_before=recorded_before
            )
        except Exception:  # the database at start-up: a stop must still be graceful
            log.exception("could not look for quiz questions cut off by a stop")
            return
        for question in found.questions:
            try:
                await send_step(data, question.chat_id, question.learner_id, question.step)
            except Exception:  # one learner's question must not keep the others'
                log.exception("could not ask question %s again", question.step.question_id)
        if found.look_again_at is None:
            return
        wait = (found.look_again_at - services.clock()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), max(wait, LOOK_AGAIN_AT_LEAST_S))
        if stopping.is_set():
            return


async def continue_quiz(
    data: BotData,
    *,
    chat_id: int,
    learner_id: int,
    kind: QuestionKind,
    drop_id: str | None,
    after_answer: int | None = None,
) -> None:
    """Send the next question of the same kind, or the message that closes the quiz
    (``after_answer``: the review log of the answer this follows, if one does)."""
    services = data.services
    step = await services.transaction(
        flow.next_step, services, chat_id=chat_id, learner_id=learner_id, kind=kind,
        drop_id=drop_id,
    )  # fmt: skip
    await send_step(data, chat_id, learner_id, step, after_answer=after_answer)


async def send_step(
    data: BotData,
    chat_id: int,
    learner_id: int,
    step: flow.QuizStep | None,
    *,
    after_answer: int | None = None,
) -> None:
    """Send the question ``step`` asks (and record its message), or its closing message
    (kept as the summary of the answer ``after_answer``, if one closed the quiz)."""
    services = data.services
    if step is None:
        return
    item = quiz_bank().get(step.item_id) if step.item_id is not None else None
    if item is not None and step.question_id is not None:
        heading = Heading(step.kind, step.drop_id, step.position, step.total, new=step.new)
        message = await _send(data, chat_id, question_part(item, step.question_id, heading))
        message_id = message.message_id if message is not None else None
        kept = await data.sent_questions.record(step.question_id, message_id)
        if message_id is not None and not kept:  # withdrawn while on its way
            await _take_back(data, chat_id, message_id)
    elif step.closing is not None:
        summary = await _send(data, chat_id, _closing_part(step))
        if summary is None or after_answer is None:
            return  # a closing that answers a command or Done is no answer's summary
        kept = await services.transaction(
            flow.summary_sent, learner_id, summary.message_id, after_answer=after_answer
        )
        if not kept:  # an Undo reopened the quiz while this was on its way
            await _take_back(data, chat_id, summary.message_id)


async def _take_back(data: BotData, chat_id: int, message_id: int) -> None:
    with contextlib.suppress(TelegramError):  # already gone, or too old: nothing to do
        await data.sender.bot.delete_message(chat_id, message_id)


def _closing_part(step: flow.QuizStep) -> Part:
    if step.closing == flow.Closing.SESSION_OVER:
        assert step.queue is not None
        return session_over(step.queue)
    if step.closing == flow.Closing.OFFER_REVIEWS:
        assert step.queue is not None
        return review_offer(step.queue, step.score)
    return reviews_later(step.score)


async def _send(data: BotData, chat_id: int, part: Part) -> Message | None:
    try:
        return await data.sender.send_part(chat_id, part)
    except (ChatUnreachable, Moved):
        return None
