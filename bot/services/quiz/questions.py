"""Questions sent as inline buttons: the row a button names, answered at most once.

Callback data names a question row, never a card: the row says whose question it
is, which item it asks and whether it was answered, so a forged, foreign, stale or
repeated press is recognised here and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import cached_property
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.storage.instance_lock import Claimant
from bot.storage.kinds import QuestionKind
from bot.storage.models import QuizQuestion, table_of

QUESTIONS = table_of(QuizQuestion)

QUESTION_LIFETIME = timedelta(days=1)
"""A question left unanswered this long has expired: its card comes back in a newer session."""

KINDS = tuple(QuestionKind)


class Refusal(Enum):
    """Why a press on an answer button changes nothing; the value is what the user sees."""

    EXPIRED = "This question has expired. Send /review for your current reviews."
    NOT_YOURS = "This question belongs to someone else."
    ANSWERED = "You've already answered this one."


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question row as read (a plain value: it changes through statements, not by
    setting its attributes)."""

    id: int
    learner_id: int
    chat_id: int
    item_id: str
    kind: str
    sent_at: datetime
    answered_at: datetime | None
    correct: bool | None


_ASKED_COLUMNS = tuple(QUESTIONS.c[name] for name in AskedQuestion.__slots__)
# Built once, run with parameters: building a statement costs more than running it.
_ASK = insert(QUESTIONS)
_STORED = sa.select(*_ASKED_COLUMNS).where(QUESTIONS.c.id == sa.bindparam("question_id"))
_CLAIM = (
    update(QUESTIONS)
    .where(QUESTIONS.c.id == sa.bindparam("question_id"), QUESTIONS.c.answered_at.is_(None))
    .values(answered_at=sa.bindparam("now"), chosen=sa.bindparam("option"),
            correct=sa.bindparam("correct"))
)  # fmt: skip
_LINK_REVIEW = (
    update(QUESTIONS)
    .where(QUESTIONS.c.id == sa.bindparam("question_id"))
    .values(review_log_id=sa.bindparam("review_log_id"))
)
_NEVER_SENT = sa.select(*_ASKED_COLUMNS, QUESTIONS.c.resent_at, QUESTIONS.c.holder).where(
    QUESTIONS.c.message_id.is_(None),
    QUESTIONS.c.answered_at.is_(None),
    QUESTIONS.c.sent_at < sa.bindparam("before"),
    QUESTIONS.c.sent_at >= sa.bindparam("alive_since"),
)
_LEASE_RAN_OUT = sa.and_(
    QUESTIONS.c.sent_at <= sa.bindparam("free_before"),
    sa.or_(QUESTIONS.c.resent_at.is_(None), QUESTIONS.c.resent_at <= sa.bindparam("free_before")),
)
_HELD_BY_THE_DEAD = sa.and_(  # still held by the process found gone (Claimant.is_dead)
    sa.bindparam("dead", type_=sa.Boolean),
    QUESTIONS.c.holder == sa.bindparam("held_by"),
)
_TAKE_TO_RESEND = (
    update(QUESTIONS)
    .where(
        QUESTIONS.c.id == sa.bindparam("question_id"),
        QUESTIONS.c.message_id.is_(None),
        QUESTIONS.c.answered_at.is_(None),
        sa.or_(_LEASE_RAN_OUT, _HELD_BY_THE_DEAD),
    )
    .values(resent_at=sa.bindparam("now"), holder=sa.bindparam("holder"))
)  # fmt: skip
_RECENT = sa.select(*_ASKED_COLUMNS).where(
    QUESTIONS.c.learner_id == sa.bindparam("learner_id"),
    QUESTIONS.c.sent_at >= sa.bindparam("since"),
)


@dataclass(frozen=True)
class Claimed:
    """A press that may be scored: the question, now marked answered."""

    question: AskedQuestion


def ask(
    session: Session,
    *,
    learner_id: int,
    chat_id: int,
    item_id: str,
    kind: str,
    now: datetime,
    holder: str | None = None,
) -> AskedQuestion:
    """Record a question about to be sent by the process marked ``holder`` (see
    ``bot.storage.instance_lock``); its id goes into the buttons' callback data."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    values = {"learner_id": learner_id, "chat_id": chat_id, "item_id": item_id, "kind": kind,
              "holder": holder}  # fmt: skip
    result = session.connection().execute(_ASK, {**values, "sent_at": now})
    (question_id,) = result.inserted_primary_key or (None,)
    assert isinstance(question_id, int)
    return AskedQuestion(question_id, learner_id, chat_id, item_id, kind, now, None, None)


def stored(session: Session, question_id: int) -> AskedQuestion | None:
    """The question a button names, if it still exists."""
    row = session.connection().execute(_STORED, {"question_id": question_id}).first()
    return AskedQuestion(*row) if row is not None else None


@dataclass(frozen=True)
class NeverSent:
    """Questions recorded and never sent, taken by this instance to send them now; and
    when to look again for those another instance may still be sending (None: none)."""

    questions: list[AskedQuestion]
    look_again_at: datetime | None


def never_sent(
    session: Session,
    *,
    recorded_before: datetime,
    now: datetime,
    lease: timedelta,
    claimant: Claimant,
) -> NeverSent:
    """Take, for ``claimant`` (this process, started at ``recorded_before``), the open
    questions recorded before then whose message id was never stored: a bot stopped
    between recording a question and sending it left them (a failed send deletes its row,
    and a sent one has its message id).

    A question younger than ``lease`` may be on another instance's wire, and one taken by
    another instance less than ``lease`` ago is being sent again there: each is left until
    then. One held by a process of ``claimant``'s name that is gone (``Claimant.is_dead``)
    was cut off by its stop, and is taken at once. Taking is a conditional update, so of
    two instances starting together one sends.
    """
    found = {"before": recorded_before, "alive_since": now - QUESTION_LIFETIME}
    taken: list[AskedQuestion] = []
    left: list[datetime] = []  # when each question left to another instance is free
    rows = session.connection().execute(_NEVER_SENT, found).all()
    for *columns, resent_at, held_by in rows:
        question = AskedQuestion(*columns)
        last_taken = max(question.sent_at, resent_at or question.sent_at)
        free_at = last_taken + lease
        dead = claimant.is_dead(held_by)
        if free_at > now and not dead:
            left.append(free_at)
        elif _take_to_resend(session, question.id, now, lease, claimant.holder, held_by, dead):
            taken.append(question)
        else:  # another instance took it just now
            left.append(now + lease)
    return NeverSent(taken, min(left, default=None))


def _take_to_resend(
    session: Session,
    question_id: int,
    now: datetime,
    lease: timedelta,
    holder: str | None,
    held_by: str | None,
    dead: bool,
) -> bool:
    taking = {"question_id": question_id, "now": now, "free_before": now - lease,
              "holder": holder, "held_by": held_by, "dead": dead}  # fmt: skip
    return session.connection().execute(_TAKE_TO_RESEND, taking).rowcount == 1


def is_open(question: AskedQuestion, now: datetime) -> bool:
    return question.answered_at is None and now - question.sent_at < QUESTION_LIFETIME


def claim(
    session: Session,
    *,
    question: AskedQuestion | None,
    user_id: int,
    chat_id: int | None,
    option: int,
    correct: bool,
    now: datetime,
) -> Claimed | Refusal:
    """Mark ``question`` (as :func:`stored` read it) answered by ``user_id`` with
    ``option``, if that is allowed.

    The update is conditional on the question still being unanswered, so of two
    presses racing on the same question exactly one is scored.
    """
    if question is None:
        return Refusal.EXPIRED
    if question.learner_id != user_id or (chat_id is not None and question.chat_id != chat_id):
        return Refusal.NOT_YOURS
    if question.answered_at is not None:
        return Refusal.ANSWERED
    if not is_open(question, now):
        return Refusal.EXPIRED
    claimed = {"question_id": question.id, "now": now, "option": option, "correct": correct}
    result = session.connection().execute(_CLAIM, claimed)
    if result.rowcount != 1:
        return Refusal.ANSWERED
    return Claimed(replace(question, answered_at=now, correct=correct))


def link_review(session: Session, question_id: int, review_log_id: int) -> None:
    """The answer's review log, which an undo takes back."""
    linked = {"question_id": question_id, "review_log_id": review_log_id}
    session.connection().execute(_LINK_REVIEW, linked)


def reopen(question: QuizQuestion, now: datetime) -> None:
    """After an undo: the question may be answered again, timed from now."""
    question.answered_at = None
    question.chosen = None
    question.correct = None
    question.review_log_id = None
    question.summary_message_id = None
    question.sent_at = now


def recent_questions(session: Session, learner_id: int, since: datetime) -> list[QuizQuestion]:
    return list(
        session.exec(
            select(QuizQuestion).where(
                QuizQuestion.learner_id == learner_id, col(QuizQuestion.sent_at) >= since
            )
        )
    )


@dataclass(frozen=True)
class Asked:
    """A learner's recent questions, read in one query: the open ones, today's reviews.

    Attributes:
        open: Unanswered, unexpired questions.
        reviews_done: Review questions answered today: what the daily cap counts.
        to_relearn: Today's misses not asked once more yet.
        recent: Every question read (sent since the start of yesterday).
    """

    open: tuple[AskedQuestion, ...]
    reviews_done: int
    to_relearn: tuple[AskedQuestion, ...] = ()
    recent: tuple[AskedQuestion, ...] = ()

    @property
    def open_items(self) -> frozenset[str]:
        """Items with an open question: never asked twice at once."""
        return frozenset(question.item_id for question in self.open)

    def quiz_of(self, question: AskedQuestion) -> QuestionKind:
        """The quiz ``question`` belongs to: a drop's (NEW) or the reviews (REVIEW)."""
        if question.kind != QuestionKind.RELEARN:
            return QuestionKind(question.kind)
        return self._repeats.get(question.id, QuestionKind.REVIEW)

    @cached_property
    def _repeats(self) -> dict[int, QuestionKind]:
        # Worked out only when a repeat is asked about: most answers are not repeats.
        return _repeat_quizzes(self.recent)

    def drop_quiz_started(self, items: Collection[str]) -> datetime | None:
        """When the quiz of a drop with ``items`` began: its first question, if one is
        recent (a quiz's questions each live a day, so a quiz under way has one)."""
        return min(
            (q.sent_at for q in self.recent if q.kind == QuestionKind.NEW and q.item_id in items),
            default=None,
        )


def asked_lately(session: Session, learner_id: int, today: Today) -> Asked:
    # A question answered today was sent at most one lifetime before it was answered.
    since = today.start - QUESTION_LIFETIME
    rows = [
        AskedQuestion(*row)
        for row in session.connection().execute(_RECENT, {"learner_id": learner_id, "since": since})
    ]
    done = sum(
        1
        for q in rows
        if q.kind == QuestionKind.REVIEW
        and q.answered_at is not None
        and q.answered_at >= today.start
    )
    return Asked(
        open=tuple(q for q in rows if is_open(q, today.now)),
        reviews_done=done,
        to_relearn=_to_relearn(rows, today),
        recent=tuple(rows),
    )


class _Question(Protocol):
    """What tells which quiz a question belongs to (a stored row or one read as a value)."""

    @property
    def id(self) -> int | None: ...
    @property
    def item_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def sent_at(self) -> datetime: ...


def _repeat_quizzes(rows: Iterable[_Question]) -> dict[int, QuestionKind]:
    """The quiz of each "once more" question among ``rows``: that of the latest question
    its item was asked in before it (the one missed), or the reviews if none is there."""
    asked_in: dict[str, list[_Question]] = {}
    for question in sorted(rows, key=lambda q: (q.sent_at, q.id or 0)):
        asked_in.setdefault(question.item_id, []).append(question)
    quizzes: dict[int, QuestionKind] = {}
    for asked in asked_in.values():
        missed_in = QuestionKind.REVIEW
        for question in asked:
            if question.kind != QuestionKind.RELEARN:
                missed_in = QuestionKind(question.kind)
            elif question.id is not None:
                quizzes[question.id] = missed_in
    return quizzes


def _to_relearn(rows: list[AskedQuestion], today: Today) -> tuple[AskedQuestion, ...]:
    """Today's missed questions whose item was not asked once more yet, in answer order.

    As Anki's relearning step: a miss comes back in the same session, once; the repeat
    is logged but is not a second FSRS review that day.
    """
    answered_today = sorted(
        (q for q in rows if q.answered_at is not None and q.answered_at >= today.start),
        key=lambda q: (q.answered_at, q.id or 0),
    )
    again = {q.item_id for q in rows if q.kind == QuestionKind.RELEARN and q.sent_at >= today.start}
    missed: dict[str, AskedQuestion] = {}
    for question in answered_today:
        if question.kind != QuestionKind.RELEARN and question.correct is False:
            missed.setdefault(question.item_id, question)
    return tuple(q for item, q in missed.items() if item not in again)


def withdraw_open_reviews(
    session: Session, learner_id: int, now: datetime
) -> list[tuple[int, int]]:
    """Delete the learner's open review questions, "once more" ones of the reviews
    included (a new session replaces them).

    Returns:
        ``(chat_id, message_id)`` of each, so their buttons can be taken off.
    """
    recent = recent_questions(session, learner_id, now - QUESTION_LIFETIME)
    repeats = _repeat_quizzes(recent)
    return _withdraw(
        session,
        [
            question
            for question in recent
            if question.answered_at is None
            and repeats.get(question.id or 0, question.kind) == QuestionKind.REVIEW
        ],
    )


def withdraw_repeat_of(session: Session, missed: QuizQuestion) -> list[tuple[int, int]]:
    """Delete the unanswered "once more" question that the miss ``missed`` brought (its
    answer is being undone: nothing was missed).

    Returns:
        ``(chat_id, message_id)`` of each one sent, so its message can be taken back.
    """
    if missed.correct is not False or missed.answered_at is None:
        return []
    return _withdraw(
        session,
        [
            question
            for question in recent_questions(session, missed.learner_id, missed.answered_at)
            if question.kind == QuestionKind.RELEARN
            and question.item_id == missed.item_id
            and question.answered_at is None
        ],
    )


def _withdraw(session: Session, unanswered: list[QuizQuestion]) -> list[tuple[int, int]]:
    """Delete the questions; ``(chat_id, message_id)`` of each one sent."""
    for question in unanswered:
        session.delete(question)
    session.flush()
    return [(q.chat_id, q.message_id) for q in unanswered if q.message_id is not None]
