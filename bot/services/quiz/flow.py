"""The private quiz conversation's decisions: what to ask next, or how the quiz closes.

Each function is one unit of work (``next_step`` is also part of an answer's, see
``buttons.answer_question``); ``bot.telegram.quiz_flow`` sends what they decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, delete, update
from sqlmodel import Session, select

from bot.core.today import Today
from bot.services.context import Services
from bot.services.learner_zones import learner_today
from bot.services.quiz import questions
from bot.services.quiz.bank import drop_of, quiz_bank
from bot.services.quiz.cards import card_for, introduce_drop, never_reviewed
from bot.services.quiz.learners import QuizLearner, quiz_learner
from bot.services.quiz.queue import (
    ReviewQueue,
    Score,
    drop_items_waiting,
    drop_quiz_score,
    next_review_item,
    review_queue,
)
from bot.storage.kinds import QuestionKind
from bot.storage.models import QuizQuestion
from quizzes import QuizBank


def introduce(session: Session, services: Services, learner_id: int, drop_id: str) -> None:
    """A learner finished a drop: its items become the learner's cards."""
    today = learner_today(session, services, learner_id)
    introduce_drop(session, learner_id, quiz_bank().items_for_drop(drop_id), today)


def withdraw_reviews(
    session: Session, services: Services, learner_id: int
) -> list[tuple[int, int]]:
    """Close open review questions (a new session replaces them); their (chat, message) ids."""
    return questions.withdraw_open_reviews(session, learner_id, services.clock())


class Closing(StrEnum):
    """How a quiz ends when nothing is left to ask."""

    OFFER_REVIEWS = "offer reviews"  # the drop's quiz is done; reviews are due
    REVIEWS_LATER = "reviews later"  # the drop's quiz is done; reviews come with /review
    SESSION_OVER = "session over"  # the day's reviews are done (or capped)


@dataclass(frozen=True)
class QuizStep:
    """A question to send (``question_id`` about ``item_id``, n of total), or a closing."""

    kind: QuestionKind
    drop_id: str = ""
    item_id: str | None = None
    question_id: int | None = None
    position: int | None = None
    total: int | None = None
    closing: Closing | None = None
    queue: ReviewQueue | None = None
    score: Score | None = None
    new: bool = False  # a review of an item the learner has never answered


def next_step(
    session: Session,
    services: Services,
    *,
    chat_id: int,
    learner_id: int,
    kind: QuestionKind,
    drop_id: str | None,
) -> QuizStep | None:
    """Ask the next question of the same kind (recorded now), or say how the quiz closes.

    ``kind`` NEW continues the quiz of ``drop_id``; REVIEW the day's reviews, avoiding
    ``drop_id`` (the last question's drop) if it can. None while a question of this quiz
    is still open: answering it continues the quiz.
    """
    bank = quiz_bank()
    learner = quiz_learner(session, learner_id)
    settings = services.settings
    zone = learner.zone(settings.default_time_zone)
    today = Today.at(services.clock(), zone, settings.day_start_hour)
    asked = questions.asked_lately(session, learner_id, today)
    if _still_open(asked, bank, kind, drop_id):
        return None
    if kind == QuestionKind.NEW and drop_id is not None:
        step = _next_of_drop(session, learner, today, bank, asked, drop_id)
    else:
        step = _next_review(session, learner, today, bank, asked, drop_id)
    if step.item_id is None:
        return step
    question = questions.ask(
        session, learner_id=learner_id, chat_id=chat_id, item_id=step.item_id, kind=step.kind,
        now=today.now, holder=services.claimant.holder,
    )  # fmt: skip
    new = step.kind == QuestionKind.REVIEW and _never_answered(session, learner_id, step.item_id)
    return QuizStep(
        step.kind, step.drop_id, step.item_id, question.id, step.position, step.total, new=new
    )


@dataclass(frozen=True)
class CutOff:
    """A question a stopped bot recorded but never sent, to be sent into ``chat_id`` now."""

    chat_id: int
    learner_id: int
    step: QuizStep


@dataclass(frozen=True)
class CutOffs:
    """The cut-off questions to send now, and when to look again for those another
    instance may still be sending (None: there are none)."""

    questions: list[CutOff]
    look_again_at: datetime | None


def cut_off_questions(
    session: Session, services: Services, *, recorded_before: datetime
) -> CutOffs:
    """The questions a bot killed mid-send left unsent (recorded before this process
    started), taken by this instance: each is asked now, as the same question, so its quiz
    goes on where it was.

    Such a question counted as open, so its quiz asked nothing more for a day, and no
    message showed it. The row is kept, not asked anew: its time is when the quiz started,
    which keeps a drop's quiz the three questions it began with. A question is taken once
    it is a delivery lease old, by one instance (another may be sending it; see
    ``questions.never_sent``).
    """
    bank = quiz_bank()
    lease = timedelta(seconds=services.settings.delivery_lease_s)
    found = questions.never_sent(
        session, recorded_before=recorded_before, now=services.clock(), lease=lease,
        claimant=services.claimant,
    )  # fmt: skip
    cut_off = [
        CutOff(
            question.chat_id, question.learner_id, _step_again(session, services, bank, question)
        )
        for question in found.questions
    ]
    return CutOffs(cut_off, found.look_again_at)


def _step_again(
    session: Session, services: Services, bank: QuizBank, question: questions.AskedQuestion
) -> QuizStep:
    """The step that asks ``question`` (open, never sent), headed as it would have been."""
    learner = quiz_learner(session, question.learner_id)
    zone = learner.zone(services.settings.default_time_zone)
    today = Today.at(services.clock(), zone, services.settings.day_start_hour)
    asked = questions.asked_lately(session, learner.id, today)
    drop_id = drop_of(bank, question.item_id) or ""
    kind = QuestionKind(question.kind)
    position = total = None
    if kind == QuestionKind.NEW:
        items = [item.id for item in bank.items_for_drop(drop_id)]
        started = asked.drop_quiz_started(items) or question.sent_at
        waiting = drop_items_waiting(session, learner.id, items, started, asked)
        score = drop_quiz_score(session, learner.id, items, started)
        position, total = score.total + 1, score.total + 1 + len(waiting)
    elif kind == QuestionKind.REVIEW:
        queue = review_queue(session, learner, today, bank, asked)
        later = max(0, min(queue.due, queue.cap - queue.done - 1))  # this one aside
        position, total = queue.done + 1, queue.done + 1 + later
    new = kind == QuestionKind.REVIEW and _never_answered(session, learner.id, question.item_id)
    return QuizStep(kind, drop_id, question.item_id, question.id, position, total, new=new)


def _never_answered(session: Session, learner_id: int, item_id: str) -> bool:
    card = card_for(session, learner_id, item_id)
    return card is None or never_reviewed(card.state)


def summary_sent(session: Session, learner_id: int, message_id: int, *, after_answer: int) -> bool:
    """The quiz closed with this message after the answer logged as ``after_answer``: an
    undo of that answer takes the message back.

    Returns:
        False when that answer was undone while the message was on its way (the undo
        found no message to take back): the caller takes it back.
    """
    closed_by = session.exec(  # an undo unlinks the log: no question holds it any more
        select(QuizQuestion).where(
            QuizQuestion.learner_id == learner_id, QuizQuestion.review_log_id == after_answer
        )
    ).first()
    if closed_by is None:
        return False
    closed_by.summary_message_id = message_id
    return True


_QUESTION_SENT = (
    update(questions.QUESTIONS)
    .where(questions.QUESTIONS.c.id == bindparam("question_id"))
    .values(message_id=bindparam("message_id"))
)
_STILL_ASKED = select(questions.QUESTIONS.c.id).where(
    questions.QUESTIONS.c.id.in_(bindparam("ids", expanding=True))
)
_FORGET_QUESTION = delete(questions.QUESTIONS).where(
    questions.QUESTIONS.c.id == bindparam("question_id")
)


def questions_sent(session: Session, messages: Mapping[int, int | None]) -> frozenset[int]:
    """Each question's message (None: it never reached the learner, so nothing to answer).

    Returns:
        The questions withdrawn while on their way (an undo, a new review session): their
        rows are gone, so their messages are to be taken back.
    """
    connection = session.connection()
    sent = [{"question_id": q, "message_id": m} for q, m in messages.items() if m is not None]
    lost = [{"question_id": q} for q, m in messages.items() if m is None]
    gone: frozenset[int] = frozenset()
    if sent:  # one statement, however many: this runs after every question sent
        updated = connection.execute(_QUESTION_SENT, sent).rowcount
        if updated != len(sent) or not connection.dialect.supports_sane_multi_rowcount:
            ids = [row["question_id"] for row in sent]
            kept = connection.execute(_STILL_ASKED, {"ids": ids}).scalars()
            gone = frozenset(ids) - frozenset(kept)
    if lost:
        connection.execute(_FORGET_QUESTION, lost)
    return gone


def _still_open(
    asked: questions.Asked, bank: QuizBank, kind: QuestionKind, drop_id: str | None
) -> bool:
    """Is a question of this same quiz still unanswered (say, reopened by an undo)?"""
    return any(
        asked.quiz_of(question) == kind
        and (kind == QuestionKind.REVIEW or drop_of(bank, question.item_id) == drop_id)
        for question in asked.open
    )


def _relearn_step(
    asked: questions.Asked, bank: QuizBank, kind: QuestionKind, drop_id: str | None
) -> QuizStep | None:
    """A missed item of this quiz, asked once more before it closes."""
    for missed in asked.to_relearn:
        drop = drop_of(bank, missed.item_id)
        if drop is None or missed.kind != kind:
            continue
        if kind == QuestionKind.NEW and drop != drop_id:
            continue
        return QuizStep(QuestionKind.RELEARN, drop, missed.item_id)
    return None


def _next_of_drop(
    session: Session,
    learner: QuizLearner,
    today: Today,
    bank: QuizBank,
    asked: questions.Asked,
    drop_id: str,
) -> QuizStep:
    items = [item.id for item in bank.items_for_drop(drop_id)]
    started = asked.drop_quiz_started(items) or today.now
    waiting = drop_items_waiting(session, learner.id, items, started, asked)
    score = drop_quiz_score(session, learner.id, items, started)
    if waiting:
        return QuizStep(
            QuestionKind.NEW, drop_id, waiting[0],
            position=score.total + 1, total=score.total + len(waiting),
        )  # fmt: skip
    again = _relearn_step(asked, bank, QuestionKind.NEW, drop_id)
    if again is not None:
        return again
    queue = review_queue(session, learner, today, bank, asked)
    if learner.reviews_with_drop or not queue.available:
        return QuizStep(QuestionKind.NEW, drop_id, closing=Closing.OFFER_REVIEWS, queue=queue,
                        score=score)  # fmt: skip
    return QuizStep(QuestionKind.NEW, drop_id, closing=Closing.REVIEWS_LATER, score=score)


def _next_review(
    session: Session,
    learner: QuizLearner,
    today: Today,
    bank: QuizBank,
    asked: questions.Asked,
    after_drop: str | None,
) -> QuizStep:
    queue = review_queue(session, learner, today, bank, asked)
    item_id = next_review_item(session, learner, today, bank, asked, after_drop=after_drop)
    if item_id is None:
        again = _relearn_step(asked, bank, QuestionKind.REVIEW, None)
        if again is not None:
            return again
        return QuizStep(QuestionKind.REVIEW, closing=Closing.SESSION_OVER, queue=queue)
    return QuizStep(
        QuestionKind.REVIEW, drop_of(bank, item_id) or "", item_id,
        position=queue.done + 1, total=queue.done + queue.available,
    )  # fmt: skip
