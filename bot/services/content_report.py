"""``distillbot content report``: how each quiz item performs, from the stored answers.

The statistics themselves are ``quizzes.item_stats`` (facility, discrimination, the drop
funnel); this module reads what they need from the database, in one transaction.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.kinds import AnswerSource, ChatKind
from bot.storage.models import Chat, Delivery, Learner, ReviewRecord
from drops.model import Course
from quizzes import Answer, DropProgress, ItemReport, QuizBank, item_report


def stored_answers(session: Session) -> list[Answer]:
    """Every logged answer (private buttons and group polls; relearning repeats excluded)."""
    rows = session.exec(
        select(ReviewRecord).where(col(ReviewRecord.source) != AnswerSource.RELEARN)
    )
    return [Answer(r.learner_id, r.item_id, r.correct, r.reviewed_at) for r in rows]


def stored_progress(session: Session) -> list[DropProgress]:
    """Which drops each learner's private chat reached and finished (groups are not learners)."""
    rows = session.exec(
        select(Learner.id, Delivery.drop_id, Delivery.completed_at)
        .join(Chat, col(Chat.id) == col(Delivery.chat_id))
        .join(Learner, col(Learner.private_chat_id) == col(Chat.id))
        .where(col(Chat.kind) == ChatKind.PRIVATE)
    )
    return [
        DropProgress(learner_id, drop_id, reached=True, finished=completed is not None)
        for learner_id, drop_id, completed in rows
    ]


def content_report(
    session: Session, course: Course, bank: QuizBank, *, min_answers: int
) -> ItemReport:
    return item_report(
        stored_answers(session),
        stored_progress(session),
        items=[item.id for item in bank],
        drops=[drop.id for drop in course.drops],
        min_answers=min_answers,
    )
