"""Poll answers inside a quiz round: counted while the poll is open and the round runs,
refused once either is over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.storage.models import QuizRound, RoundAnswer, RoundQuestion


def _question(session: Session, poll_id: str) -> RoundQuestion | None:
    return session.exec(select(RoundQuestion).where(RoundQuestion.poll_id == poll_id)).first()


def live_round(session: Session, round_id: int, *, lock: bool = False) -> QuizRound | None:
    """The round while it runs, None once it has ended (/quiz stop may end it while a poll
    waits its turn); ``lock`` holds its row until the unit of work ends."""
    game = session.get(QuizRound, round_id, with_for_update=True if lock else None)
    return game if game is not None and game.running_in is not None else None


def round_is_running(session: Session, round_id: int) -> bool:
    return live_round(session, round_id) is not None


def poll_is_closed(session: Session, poll_id: str) -> bool:
    """True for a round's poll that the bot has closed: answers to it change nothing. Until
    then every vote counts, however late it arrives: Telegram takes none once a poll's
    open period is over, so what it delivers was given in time (a bot that was down gets
    them when it is back). A poll that is not a round's is never closed here."""
    question = _question(session, poll_id)
    return question is not None and question.closed_at is not None


def count_in_round(
    session: Session, *, poll_id: str, learner_id: int, correct: bool, now: datetime
) -> None:
    """Count a member's first answer in the round the poll belongs to, if it is a round's;
    its time runs from the poll's sending to the answer's arrival."""
    question = _question(session, poll_id)
    if question is None or question.sent_at is None or question.id is None:
        return
    if not round_is_running(session, question.round_id):  # its results are out already
        return
    elapsed = max(now - question.sent_at, timedelta(0))
    session.add(RoundAnswer(question_id=question.id, learner_id=learner_id, correct=correct,
                            answer_ms=int(elapsed.total_seconds() * 1000)))  # fmt: skip
