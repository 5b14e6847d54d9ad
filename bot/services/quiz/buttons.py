"""Pressing a quiz button, as a database transaction: answer a question, undo an answer.

The handlers parse callback data; these functions decide, from the stored question
row, whether the press counts, and do everything it changes in one transaction: an
answer's includes asking the quiz's next question, so a press is one unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.today import Today
from bot.services.context import Services
from bot.services.quiz import questions
from bot.services.quiz.answers import UndoRefused, record_answer, record_relearning, undo_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.flow import QuizStep, next_step
from bot.services.quiz.learners import quiz_learner, scheduler_for
from bot.services.quiz.questions import AskedQuestion, Refusal
from bot.storage.kinds import AnswerSource, QuestionKind
from bot.storage.models import QuizQuestion
from quizzes import QuizBank, QuizItem, original_index, shuffled_order


@dataclass(frozen=True)
class Answered:
    """A press that counted."""

    question: AskedQuestion
    item: QuizItem
    chosen: int  # the option as written in the bank
    review_log_id: int  # the answer's log: an undo takes it back
    next_step: QuizStep | None  # what the quiz asks next (recorded), or how it closes

    @property
    def correct(self) -> bool:
        return self.chosen == self.item.correct


@dataclass(frozen=True)
class Place:
    """Where ``now`` falls for the presser: the clock, their default zone, the day start."""

    now: datetime
    default_zone: str
    day_start_hour: int


@dataclass(frozen=True)
class OptionPress:
    """A press on the option shown at ``option`` of question ``question_id``."""

    question_id: int
    option: int
    user_id: int
    first_name: str
    chat_id: int | None


def option_order(item: QuizItem, question_id: int) -> tuple[int, ...]:
    """How question ``question_id`` shows the item's options: shown position → written one.

    Shuffled afresh for every question asked, so the key's place says nothing; the same
    for every showing of one question, so its buttons can be checked when pressed.
    """
    return shuffled_order(item, f"question:{question_id}")


def answer_question(
    session: Session, services: Services, press: OptionPress, place: Place
) -> Answered | Refusal:
    """Score ``press``, and ask the quiz's next question (``flow.next_step``).

    Returns:
        :class:`Answered` when it counted (card reviewed, answer logged, the next
        question recorded), else the :class:`~bot.services.quiz.questions.Refusal` to
        show; a refusal changes nothing.
    """
    bank = quiz_bank()
    stored = questions.stored(session, press.question_id)
    item = bank.get(stored.item_id) if stored is not None else None
    if item is None:
        return Refusal.EXPIRED
    try:
        option = original_index(option_order(item, press.question_id), press.option)
    except ValueError:  # a position we never showed
        return Refusal.EXPIRED
    correct = option == item.correct
    claimed = questions.claim(
        session, question=stored, user_id=press.user_id, chat_id=press.chat_id, option=option,
        correct=correct, now=place.now,
    )  # fmt: skip
    if isinstance(claimed, Refusal):
        return claimed
    question = claimed.question
    answerer = quiz_learner(session, press.user_id, press.first_name)
    today = Today.at(place.now, answerer.zone(place.default_zone), place.day_start_hour)
    if question.kind == QuestionKind.RELEARN:
        entry = record_relearning(
            session, learner_id=press.user_id, item_id=item.id, correct=correct, today=today,
            chat_id=question.chat_id, answered_after=question.sent_at,
        )  # fmt: skip
        continues = questions.asked_lately(session, press.user_id, today).quiz_of(question)
    else:
        entry = record_answer(
            session, learner_id=press.user_id, item_id=item.id, correct=correct, today=today,
            scheduler=scheduler_for(session, answerer.desired_retention),
            source=AnswerSource.PRIVATE, chat_id=question.chat_id,
            answered_after=question.sent_at,
        )  # fmt: skip
        continues = QuestionKind(question.kind)
    assert entry.id is not None
    questions.link_review(session, question.id, entry.id)
    following = next_step(
        session, services, chat_id=question.chat_id, learner_id=question.learner_id,
        kind=continues, drop_id=item.drop_id,
    )  # fmt: skip
    return Answered(question, item, option, entry.id, following)


@dataclass(frozen=True)
class Reopened:
    """An undone answer: the question to ask again, and the messages it brought that go
    with it: the summary that closed the quiz after it, the "once more" a miss brought.

    Attributes:
        taken_back: ``(chat_id, message_id)`` of each of those messages.
    """

    question: QuizQuestion
    item: QuizItem
    taken_back: list[tuple[int, int]]


def undo_question(
    session: Session, bank: QuizBank, *, question_id: int, user_id: int, now: datetime
) -> Reopened | str:
    """Undo the answer given to a question and open the question again.

    Returns:
        The reopened question, or why nothing was undone.
    """
    question = session.get(QuizQuestion, question_id)
    if question is None or question.review_log_id is None:
        return "There is no answer here to undo."
    if question.learner_id != user_id:
        return "Only the person who answered can undo it."
    item = bank.get(question.item_id)
    if item is None:
        return "This question has expired."
    try:
        undo_answer(session, learner_id=user_id, review_log_id=question.review_log_id)
    except UndoRefused as refused:
        return str(refused)
    taken_back = questions.withdraw_repeat_of(session, question)
    if question.summary_message_id is not None:
        taken_back.append((question.chat_id, question.summary_message_id))
    questions.reopen(question, now)
    session.add(question)
    return Reopened(question, item, taken_back)
