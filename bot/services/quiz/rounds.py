"""A group's timed quiz round: started, asked one poll at a time, closed, ranked.

Everything a round needs to go on lives in its rows (``QuizRound``, ``RoundQuestion``,
``RoundAnswer``): the questions are chosen when it starts, each poll's closing time is
stored when it is sent, so a restarted bot closes the open poll on time and carries on.
Closing a question and ending a round are conditional updates: whoever does it first
(the poll's timer, ``/quiz stop``, another instance) wins, the others change nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.rounds import Answer, Candidate, Placing, choose_items, rank
from bot.services.context import Services
from bot.services.delivery.chats import reached_drops
from bot.services.path import ChatRef, chat_of
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.learners import scheduler_for
from bot.services.quiz.polls import MemberDays, mean_recall, poll_order, save_poll
from bot.services.quiz.round_answers import live_round
from bot.storage.instance_lock import Claimant
from bot.storage.kinds import RoundStarters, RoundStatus
from bot.storage.models import Learner, QuizRound, RoundAnswer, RoundQuestion
from quizzes import QuizItem, shown_correct
from quizzes.srs import DEFAULT_DESIRED_RETENTION


class StartRefusal(StrEnum):
    ADMINS_ONLY = "admins only"
    RUNNING = "running"
    NO_DROPS = "no drops"


@dataclass(frozen=True)
class RoundStart:
    round_id: int
    questions: int  # as many as the drops reached allow, up to the size asked for
    asked_for: int
    open_period_s: int


def start_round(
    session: Session,
    services: Services,
    group: ChatRef,
    *,
    starter_id: int,
    starter_is_admin: bool,
    size: int,
) -> RoundStart | StartRefusal:
    """A new round in the group, its questions chosen now; or why not."""
    chat = chat_of(session, group)
    if chat.round_starters == RoundStarters.ADMINS and not starter_is_admin:
        return StartRefusal.ADMINS_ONLY
    if running_round(session, chat.id) is not None:
        return StartRefusal.RUNNING
    now = services.clock()
    days = MemberDays(services.settings.default_time_zone, services.settings.day_start_hour)
    items = _choose(session, chat.id, size, now, days)
    if not items:
        return StartRefusal.NO_DROPS
    open_period = services.settings.quiz_round_open_period_s
    game = QuizRound(
        chat_id=chat.id, running_in=chat.id, started_by=starter_id, open_period_s=open_period,
        status=RoundStatus.RUNNING, started_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():  # a round started at the same moment elsewhere wins
            session.add(game)
    except IntegrityError:
        return StartRefusal.RUNNING
    assert game.id is not None
    for position, item_id in enumerate(items, start=1):
        session.add(RoundQuestion(round_id=game.id, position=position, item_id=item_id))
    return RoundStart(game.id, len(items), size, open_period)


def _choose(
    session: Session, chat_id: int, size: int, now: datetime, days: MemberDays
) -> list[str]:
    reached = reached_drops(session, chat_id)
    items = [item for item in quiz_bank() if item.drop_id in reached]
    recall = mean_recall(
        session, chat_id, [item.id for item in items], now, scheduler_for(session, None), days
    )
    candidates = [Candidate(item.id, item.drop_id, recall.get(item.id)) for item in items]
    rng = random.Random(f"round:{chat_id}:{now.isoformat()}")
    chosen = choose_items(candidates, size, rng, unseen_recall=DEFAULT_DESIRED_RETENTION)
    return [candidate.item_id for candidate in chosen]


def running_round(session: Session, chat_id: int) -> QuizRound | None:
    return session.exec(select(QuizRound).where(QuizRound.running_in == chat_id)).first()


@dataclass(frozen=True)
class PollToSend:
    question_id: int
    chat_id: int
    position: int
    total: int
    item: QuizItem
    order: tuple[int, ...]  # shown position → written option
    open_period_s: int
    taken_at: datetime  # this sender's claim on the question (``asking_since``)


@dataclass(frozen=True)
class AskedElsewhere:
    """The round's next question was taken by another instance to send its poll: look
    again at ``until``, when its claim runs out (that instance may have stopped)."""

    until: datetime


def next_poll(
    session: Session,
    round_id: int,
    now: datetime,
    *,
    lease: timedelta,
    claimant: Claimant,
) -> PollToSend | AskedElsewhere | None:
    """The round's next question, taken by ``claimant`` (this process) to send its poll;
    None when the round has ended or is all asked.

    Taking it is a conditional update: of two instances resuming the round at once, or one
    starting while another sends the poll, one sends it. A claim older than ``lease`` is
    taken over (its instance stopped mid-send), and so is one of a process of
    ``claimant``'s name that is gone (``Claimant.is_dead``: it stopped mid-send).
    """
    game = live_round(session, round_id)
    if game is None:
        return None
    questions = _questions(session, round_id)
    waiting = [q for q in questions if q.sent_at is None]
    if not waiting:
        return None
    question = waiting[0]
    assert question.id is not None
    dead = claimant.is_dead(question.holder)
    if not _take(session, question.id, now, lease, claimant.holder, question.holder, dead):
        session.refresh(question)
        assert question.asking_since is not None
        return AskedElsewhere(question.asking_since + lease)
    item = quiz_bank().get(question.item_id)
    assert item is not None
    order = poll_order(item, game.chat_id, now)
    return PollToSend(question.id, game.chat_id, question.position, len(questions), item, order,
                      game.open_period_s, taken_at=now)  # fmt: skip


def _take(
    session: Session,
    question_id: int,
    now: datetime,
    lease: timedelta,
    holder: str | None,
    held_by: str | None,
    dead: bool,
) -> bool:
    """``dead``: ``held_by`` (the holder read) is a gone process's; taken if it still is."""
    claim_free = or_(
        col(RoundQuestion.asking_since).is_(None),
        col(RoundQuestion.asking_since) < now - lease,
        and_(literal(dead), col(RoundQuestion.holder) == held_by),
    )
    # A claim taken over after its lease gets a later ``asking_since``, and its slow
    # sender's record of a poll (``poll_sent``) matches no row.
    taken = session.execute(
        update(RoundQuestion)
        .where(col(RoundQuestion.id) == question_id, col(RoundQuestion.sent_at).is_(None),
               claim_free)
        .values(asking_since=now, holder=holder)
    )  # fmt: skip
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def _questions(session: Session, round_id: int) -> list[RoundQuestion]:
    return list(
        session.exec(
            select(RoundQuestion)
            .where(RoundQuestion.round_id == round_id)
            .order_by(col(RoundQuestion.position))
        )
    )


def poll_sent(
    session: Session,
    poll: PollToSend,
    *,
    chat_id: int,
    poll_id: str,
    message_id: int,
    now: datetime,
) -> bool:
    """Record a question's poll (also as a group poll, so answers review cards); False,
    recording nothing, when the round ended while the poll was on its way, or when another
    instance took the question over meanwhile (this send was slower than a lease): its poll
    is the question's, and this one goes."""
    question = session.get(RoundQuestion, poll.question_id)
    assert question is not None
    # Locked, so a round ending now waits for this poll and counts it among those asked.
    if live_round(session, question.round_id, lock=True) is None:
        return False
    recorded = session.execute(
        update(RoundQuestion)
        .where(col(RoundQuestion.id) == poll.question_id, col(RoundQuestion.sent_at).is_(None),
               col(RoundQuestion.asking_since) == poll.taken_at)
        .values(poll_id=poll_id, message_id=message_id, sent_at=now,
                closes_at=now + timedelta(seconds=poll.open_period_s))
    )  # fmt: skip
    if not recorded.rowcount:  # type: ignore[attr-defined]
        return False
    save_poll(
        session, poll_id=poll_id, chat_id=chat_id, message_id=message_id, item=poll.item,
        correct_option=shown_correct(poll.item, poll.order), now=now,
    )  # fmt: skip
    return True


def close_question(session: Session, question_id: int, now: datetime) -> bool:
    """Mark the question closed; False when it was closed already (by someone else)."""
    result = session.execute(
        update(RoundQuestion)
        .where(col(RoundQuestion.id) == question_id, col(RoundQuestion.closed_at).is_(None))
        .values(closed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OpenRound:
    """A running round as a restarted bot finds it."""

    round_id: int
    chat_id: int
    question_id: int | None  # the poll on screen, if any
    message_id: int | None
    closes_at: datetime | None


def open_rounds(session: Session) -> list[OpenRound]:
    """Every running round, with its open question (sent, not closed) if it has one."""
    return [found for found, _ in _running(session)]


def stalled_rounds(
    session: Session, now: datetime, *, grace: timedelta, lease: timedelta
) -> list[OpenRound]:
    """The running rounds whose instance stopped: the open poll is past its closing time
    and ``grace``, or, between two polls, nothing happened for ``lease`` (the round began,
    a poll closed or the next question was taken that long ago; a live instance goes on
    within seconds)."""
    stalled = []
    for found, last_step in _running(session):
        due = found.closes_at + grace if found.closes_at is not None else last_step + lease
        if due <= now:
            stalled.append(found)
    return stalled


def _running(session: Session) -> list[tuple[OpenRound, datetime]]:
    """Every running round as found, with when it last moved: its start, a poll's sending
    or close, or the next question taken."""
    found = []
    for game in session.exec(select(QuizRound).where(col(QuizRound.running_in).is_not(None))):
        assert game.id is not None
        questions = _questions(session, game.id)
        steps = [game.started_at]
        for question in questions:
            steps += [at for at in (question.asking_since, question.sent_at, question.closed_at)
                      if at is not None]  # fmt: skip
        shown = next((q for q in questions if q.sent_at and q.closed_at is None), None)
        if shown is None:
            open_round = OpenRound(game.id, game.chat_id, None, None, None)
        else:
            open_round = OpenRound(game.id, game.chat_id, shown.id, shown.message_id,
                                   shown.closes_at)  # fmt: skip
        found.append((open_round, max(steps)))
    return found


class StopRefusal(StrEnum):
    NOT_RUNNING = "not running"
    NOT_YOURS = "not yours"


def round_to_stop(
    session: Session, chat_id: int, *, user_id: int, is_admin: bool
) -> OpenRound | StopRefusal:
    """/quiz stop: the running round, when its starter or an administrator asks."""
    game = running_round(session, chat_id)
    if game is None:
        return StopRefusal.NOT_RUNNING
    if game.started_by != user_id and not is_admin:
        return StopRefusal.NOT_YOURS
    return next(r for r in open_rounds(session) if r.round_id == game.id)


def participants(session: Session, round_id: int) -> tuple[int, list[int]]:
    """The round's chat and the members who answered at least one of its questions."""
    game = session.get(QuizRound, round_id)
    assert game is not None
    return game.chat_id, list(
        session.exec(
            select(RoundAnswer.learner_id)
            .join(RoundQuestion, col(RoundQuestion.id) == col(RoundAnswer.question_id))
            .where(RoundQuestion.round_id == round_id)
            .distinct()
        )
    )


@dataclass(frozen=True)
class QuestionResult:
    position: int
    item: QuizItem
    right: int


@dataclass(frozen=True)
class RoundResults:
    round_id: int
    chat_id: int
    status: RoundStatus
    placings: list[Placing]
    names: dict[int, str]
    questions: list[QuestionResult]  # those asked
    participants: int


def finish_round(
    session: Session, round_id: int, *, status: RoundStatus, now: datetime, gone: frozenset[int]
) -> RoundResults | None:
    """End the round (None if it had ended already) and rank who took part; members in
    ``gone`` (who left the group) are out of the ranking."""
    ended = session.execute(
        update(QuizRound)
        .where(col(QuizRound.id) == round_id, col(QuizRound.running_in).is_not(None))
        .values(running_in=None, status=status, ended_at=now)
    )
    if not ended.rowcount:  # type: ignore[attr-defined]
        return None
    game = session.get(QuizRound, round_id)
    assert game is not None
    session.refresh(game)
    asked = [q for q in _questions(session, round_id) if q.sent_at is not None]
    answers = _answers(session, asked)
    counted = [a for a in answers if a.learner_id not in gone]
    placings = rank(counted, questions=len(asked), open_period=game.open_period_s)
    if placings and placings[0].right > 0 and [p.rank for p in placings].count(1) == 1:
        game.winner_id = placings[0].learner_id  # a shared first place wins nobody the round
        session.add(game)
    results = []
    for question in asked:
        item = quiz_bank().get(question.item_id)
        assert item is not None
        right = sum(1 for a in counted if a.question == question.position and a.correct)
        results.append(QuestionResult(question.position, item, right))
    return RoundResults(round_id, game.chat_id, status, placings, _names(session, placings),
                        results, len(placings))  # fmt: skip


def _answers(session: Session, asked: list[RoundQuestion]) -> list[Answer]:
    position = {q.id: q.position for q in asked}
    rows = session.exec(select(RoundAnswer).where(col(RoundAnswer.question_id).in_(list(position))))
    return [
        Answer(row.learner_id, position[row.question_id], row.correct, row.answer_ms / 1000)
        for row in rows
    ]


def _names(session: Session, placings: list[Placing]) -> dict[int, str]:
    ids = [p.learner_id for p in placings]
    learners = session.exec(select(Learner).where(col(Learner.id).in_(ids)))
    return {learner.id: learner.first_name or f"Learner {learner.id}" for learner in learners}
