"""Everything stored about one user: gathered for /export, deleted for /forget. No Telegram here.

A user's data is every row that names them: their learner row and what is keyed by
their learner id (cards, review logs, in groups too, activity days, quiz questions,
plans, the plan conversation), their /distill runs, and their private chat with the
drops delivered into it. A group's own rows (the chat, its deliveries, its quiz polls and
rounds) belong to the group and stay, without the user's name on its rounds; so do the
course-wide FSRS parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, update
from sqlmodel import Session, SQLModel, col, select

from bot.storage.models import (
    ActivityDay,
    Chat,
    Delivery,
    DistillRun,
    Learner,
    LearnerCard,
    PlanConversation,
    QuizQuestion,
    QuizRound,
    ReviewRecord,
    RoundAnswer,
    SavedPlan,
)

EXPORT_FILENAME = "distill-drops-export.json"
EXPORT_FORMAT = "distill-drops-export/1"
# Text columns that hold JSON: exported as the JSON they hold, not as an escaped string.
JSON_TEXT_COLUMNS = frozenset({"state", "previous_state", "answers", "profile", "metrics"})


@dataclass(frozen=True)
class Section:
    """One kind of row a user owns: its name in the export and how to find it."""

    name: str
    model: type[SQLModel]
    owned: ColumnElement[bool]
    order_by: Any


def sections(session: Session, user_id: int) -> list[Section]:
    """The user's rows, table by table, in the order the export lists them."""
    chats = sorted(private_chat_ids(session, user_id))
    return [
        Section("learner", Learner, col(Learner.id) == user_id, col(Learner.id)),
        Section("private_chats", Chat, col(Chat.id).in_(chats), col(Chat.id)),
        Section("deliveries", Delivery, col(Delivery.chat_id).in_(chats), col(Delivery.id)),
        Section("cards", LearnerCard, col(LearnerCard.learner_id) == user_id, col(LearnerCard.id)),
        Section(
            "review_logs",
            ReviewRecord,
            col(ReviewRecord.learner_id) == user_id,
            col(ReviewRecord.id),
        ),
        Section(
            "round_answers",
            RoundAnswer,
            col(RoundAnswer.learner_id) == user_id,
            col(RoundAnswer.id),
        ),
        Section(
            "activity_days",
            ActivityDay,
            col(ActivityDay.learner_id) == user_id,
            col(ActivityDay.day),
        ),
        Section(
            "quiz_questions",
            QuizQuestion,
            or_(col(QuizQuestion.learner_id) == user_id, col(QuizQuestion.chat_id).in_(chats)),
            col(QuizQuestion.id),
        ),
        Section(
            "plan_conversation",
            PlanConversation,
            col(PlanConversation.learner_id) == user_id,
            col(PlanConversation.learner_id),
        ),
        Section("plans", SavedPlan, col(SavedPlan.learner_id) == user_id, col(SavedPlan.id)),
        Section(
            "distill_runs",
            DistillRun,
            or_(col(DistillRun.user_id) == user_id, col(DistillRun.chat_id).in_(chats)),
            col(DistillRun.id),
        ),
    ]


def private_chat_ids(session: Session, user_id: int) -> set[int]:
    """The user's private chat with the bot (Telegram gives it the user's id), never a group."""
    learner = session.get(Learner, user_id)
    candidates = {user_id}
    if learner is not None and learner.private_chat_id is not None:
        candidates.add(learner.private_chat_id)
    groups = session.exec(
        select(Chat.id).where(col(Chat.id).in_(candidates), col(Chat.kind) != "private")
    )
    return candidates - set(groups)


def export_user(session: Session, user_id: int, *, now: datetime) -> dict[str, Any]:
    """Every row stored about the user, as JSON-ready values (datetimes in ISO 8601, UTC)."""
    exported: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": _jsonable("exported_at", now),
        "user_id": user_id,
        "about": (
            "Everything Distill Drops stores about you. Group chats you are in are not "
            "included (they belong to the group), but your quiz answers in them are."
        ),
    }
    for section in sections(session, user_id):
        rows = session.exec(select(section.model).where(section.owned).order_by(section.order_by))
        exported[section.name] = [_row(row) for row in rows]
    exported["learner"] = exported["learner"][0] if exported["learner"] else None
    conversation = exported["plan_conversation"]
    exported["plan_conversation"] = conversation[0] if conversation else None
    return exported


def to_json(exported: dict[str, Any]) -> str:
    return json.dumps(exported, ensure_ascii=False, indent=2)


def forget_user(session: Session, user_id: int) -> dict[str, int]:
    """Delete every row stored about the user; returns how many rows went, per section."""
    deleted: dict[str, int] = {}
    # Rows that point at others first (deliveries at the chat, cards at the learner),
    # so the deletes work whether or not the database enforces foreign keys.
    for section in reversed(sections(session, user_id)):
        result = session.exec(delete(section.model).where(section.owned))
        deleted[section.name] = result.rowcount
    # A group's quiz rounds stay the group's, without the user's name on them.
    session.execute(
        update(QuizRound).where(col(QuizRound.winner_id) == user_id).values(winner_id=None)
    )
    session.execute(
        update(QuizRound).where(col(QuizRound.started_by) == user_id).values(started_by=0)
    )
    return deleted


def _row(row: SQLModel) -> dict[str, Any]:
    return {name: _jsonable(name, value) for name, value in row.model_dump().items()}


def _jsonable(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if name in JSON_TEXT_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # not JSON after all: keep the text as stored
    return value
