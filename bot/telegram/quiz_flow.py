"""The private quiz conversation: a drop's questions one at a time, review offers, reviews.

The decisions (what to ask, what counts) are made by the database functions of this
package inside one transaction; this module only sends what they decided.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from sqlmodel import Session
from telegram import Message
from telegram.error import TelegramError

from bot.core.today import Today
from bot.services.context import Services
from bot.services.quiz import questions
from bot.services.quiz.bank import drop_of, quiz_bank
from bot.services.quiz.cards import introduce_drop
from bot.services.quiz.learners import ensure_learner, learner_zone
from bot.services.quiz.queue import (
    drop_items_waiting,
    drop_quiz_score,
    next_review_item,
    review_queue,
)
from bot.storage.db import session_scope
from bot.storage.models import Learner, QuizQuestion
from bot.telegram.transport.sender import ChatUnreachable, Moved
from bot.telegram.views.parts import Part
from bot.telegram.views.quiz import (
    Heading,
    question_part,
    review_offer,
    reviews_later,
    session_over,
)
from quizzes import QuizBank

log = logging.getLogger(__name__)


def learner_today(session: Session, services: Services, learner_id: int) -> Today:
    zone = learner_zone(session, learner_id, services.settings.default_time_zone)
    return Today.at(services.clock(), zone, services.settings.day_start_hour)


async def after_drop(services: Services, *, chat_id: int, learner_id: int, drop_id: str) -> None:
    """A learner pressed Done under a drop: its quiz starts (then the day's reviews)."""
    bank = quiz_bank()
    with session_scope(services.engine) as session:
        today = learner_today(session, services, learner_id)
        introduce_drop(session, learner_id, bank.items_for_drop(drop_id), today)
    await continue_quiz(
        services, chat_id=chat_id, learner_id=learner_id, kind="new", drop_id=drop_id
    )


async def start_reviews(services: Services, *, chat_id: int, learner_id: int) -> None:
    """/review or the Start button: a review session replaces any open review question."""
    with session_scope(services.engine) as session:
        withdrawn = questions.withdraw_open_reviews(session, learner_id, services.clock())
    assert services.sender is not None
    for old_chat_id, message_id in withdrawn:
        with contextlib.suppress(TelegramError):  # the message may be gone; nothing depends on it
            await services.sender.bot.edit_message_reply_markup(old_chat_id, message_id)
    await continue_quiz(
        services, chat_id=chat_id, learner_id=learner_id, kind="review", drop_id=None
    )


@dataclass(frozen=True)
class _Next:
    """What to send: a question about ``item_id`` under ``heading``, or a closing message."""

    item_id: str | None = None
    heading: Heading | None = None
    closing: Part | None = None


async def continue_quiz(
    services: Services, *, chat_id: int, learner_id: int, kind: str, drop_id: str | None
) -> None:
    """Send the next question of the same kind, or the message that closes the quiz.

    Args:
        kind: ``"new"`` continues the quiz of ``drop_id``; ``"review"`` the day's
            reviews, avoiding ``drop_id`` (the last question's drop) if it can.
    """
    bank = quiz_bank()
    with session_scope(services.engine) as session:
        learner = ensure_learner(session, learner_id, "")
        today = learner_today(session, services, learner_id)
        asked = questions.asked_lately(session, learner_id, today)
        if _still_open(asked, bank, kind, drop_id):
            return  # one question at a time: answering the open one continues the quiz
        if kind == "new" and drop_id is not None:
            step = _next_of_drop(session, learner, today, bank, asked, drop_id)
        else:
            step = _next_review(session, learner, today, bank, asked, drop_id)
        question_id = None
        if step.item_id is not None:
            question = questions.ask(
                session,
                learner_id=learner_id,
                chat_id=chat_id,
                item_id=step.item_id,
                kind=kind,
                now=today.now,
            )
            question_id = question.id
    item = bank.get(step.item_id) if step.item_id is not None else None
    if item is not None and question_id is not None and step.heading is not None:
        part = question_part(item, question_id, step.heading)
        await _send_question(services, chat_id, question_id, part)
    elif step.closing is not None:
        await _send(services, chat_id, step.closing)


def _still_open(asked: questions.Asked, bank: QuizBank, kind: str, drop_id: str | None) -> bool:
    """Is a question of this same quiz still unanswered (say, reopened by an undo)?"""
    return any(
        question.kind == kind and (kind == "review" or drop_of(bank, question.item_id) == drop_id)
        for question in asked.open
    )


def _next_of_drop(
    session: Session,
    learner: Learner,
    today: Today,
    bank: QuizBank,
    asked: questions.Asked,
    drop_id: str,
) -> _Next:
    waiting = drop_items_waiting(session, learner.id, drop_id, today, bank, asked)
    score = drop_quiz_score(session, learner.id, drop_id, today, bank)
    if waiting:
        heading = Heading("new", drop_id, score.total + 1, score.total + len(waiting))
        return _Next(item_id=waiting[0], heading=heading)
    queue = review_queue(session, learner, today, bank, asked)
    if learner.reviews_with_drop or not queue.available:
        return _Next(closing=review_offer(queue, score))
    return _Next(closing=reviews_later(score))


def _next_review(
    session: Session,
    learner: Learner,
    today: Today,
    bank: QuizBank,
    asked: questions.Asked,
    after_drop: str | None,
) -> _Next:
    queue = review_queue(session, learner, today, bank, asked)
    item_id = next_review_item(session, learner, today, bank, asked, after_drop=after_drop)
    if item_id is None:
        return _Next(closing=session_over(queue))
    heading = Heading(
        "review", drop_of(bank, item_id) or "", queue.done + 1, queue.done + queue.available
    )
    return _Next(item_id=item_id, heading=heading)


async def _send_question(services: Services, chat_id: int, question_id: int, part: Part) -> None:
    message = await _send(services, chat_id, part)
    with session_scope(services.engine) as session:
        question = session.get(QuizQuestion, question_id)
        if question is None:
            return
        if message is None:
            session.delete(question)  # never reached the learner: nothing to answer
        else:
            question.message_id = message.message_id


async def _send(services: Services, chat_id: int, part: Part) -> Message | None:
    assert services.sender is not None
    try:
        return await services.sender.send_part(chat_id, part)
    except (ChatUnreachable, Moved):
        return None
