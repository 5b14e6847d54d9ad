"""/plan conversations and finished plans in the database. No Telegram here.

The `plan_conversations` row is the truth about a learner's conversation: which
conversation it is (`conversation_id`, raised for each new one so buttons from an
earlier one can be told apart), the question being asked (`step`) and the answers so
far (the planner's draft, as JSON). Handlers read and write it in one short
transaction per update, so a restart, or two updates at once, leave it consistent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from bot.core.planner import (
    PlanProfile,
    Question,
    build_plan,
    clean_draft,
    next_question,
    render_document,
    render_summary,
)
from bot.core.planner.questions import AnswerValue
from bot.services import journey
from bot.services.delivery.due import chat_zone
from bot.storage.models import Chat, Plan, PlanConversation

# The step of a row whose conversation ended (finished or cancelled); the row stays so
# the next conversation gets a higher conversation_id.
ENDED = "ended"
COMPLETE = "complete"  # every answer is in; the plan is built in the same transaction
PLAN_DROP = "4.1"  # the Phase 4 exercise: finishing a plan completes it
LISTED_PLANS = 10


@dataclass(frozen=True)
class Conversation:
    """Where a learner's conversation stands; `question` is None once every answer is in."""

    conversation_id: int
    draft: dict[str, AnswerValue]
    question: Question | None

    @property
    def answered(self) -> int:
        return len(self.draft)


@dataclass(frozen=True)
class FinishedPlan:
    plan_id: int
    summary: str
    document: str
    created_at: datetime
    filename: str
    finished_path: bool  # this plan completed drop 4.1 and with it the path


def current(session: Session, learner_id: int) -> Conversation | None:
    """The learner's conversation in progress, or None."""
    row = session.get(PlanConversation, learner_id)
    if row is None or row.step == ENDED:
        return None
    return _conversation(row)


def expects_answer(engine: Engine, learner_id: int, chat_id: int) -> bool:
    """Whether the learner's next message in this chat answers a /plan question.

    Not while the chat owes onboarding a typed time or zone: the learner asked for that
    more recently than for the question (a /plan question clears it, see `clear_awaiting`).
    """
    with Session(engine) as session:
        row = session.get(PlanConversation, learner_id)
        if row is None or row.step == ENDED:
            return False
        chat = session.get(Chat, chat_id)
        return chat is None or chat.awaiting is None


def clear_awaiting(session: Session, chat_id: int) -> None:
    """Typed text goes to /plan from now on, not to an earlier, abandoned onboarding prompt."""
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.awaiting = None


def start(session: Session, learner_id: int, now: datetime) -> Conversation:
    """A new, empty conversation; buttons of any earlier one stop working."""
    row = session.get(PlanConversation, learner_id)
    if row is None:
        row = PlanConversation(
            learner_id=learner_id, conversation_id=0, step=ENDED, answers="{}", updated_at=now
        )
        session.add(row)
    row.conversation_id += 1
    row.answers = "{}"
    row.updated_at = now
    conversation = _conversation(row)
    row.step = _step(conversation)
    session.flush()
    return conversation


def record_answer(
    session: Session,
    learner_id: int,
    conversation_id: int,
    key: str,
    value: AnswerValue,
    now: datetime,
) -> Conversation | None:
    """Store a parsed answer to the question being asked; None if that is not `key` any more.

    The check makes a double tap, or an answer racing a restart of the conversation,
    change nothing.
    """
    row = session.get(PlanConversation, learner_id)
    if row is None or row.step == ENDED or row.conversation_id != conversation_id:
        return None
    conversation = _conversation(row)
    if conversation.question is None or conversation.question.key != key:
        return None
    draft = {**conversation.draft, key: value}
    row.answers = json.dumps(draft, ensure_ascii=False)
    row.updated_at = now
    updated = _conversation(row)
    row.step = _step(updated)
    return updated


def cancel(session: Session, learner_id: int, now: datetime) -> bool:
    """End the conversation in progress; False if there was none."""
    row = session.get(PlanConversation, learner_id)
    if row is None or row.step == ENDED:
        return False
    _end(row, now)
    return True


def finish(
    session: Session, chat: Chat, learner_id: int, now: datetime, *, day_start_hour: int
) -> FinishedPlan | None:
    """Build, store and return the plan of a complete conversation, and end it.

    None when the conversation is not complete (or not there), so a second tap on the
    last button makes no second plan.
    """
    row = session.get(PlanConversation, learner_id)
    if row is None or row.step == ENDED:
        return None
    conversation = _conversation(row)
    if conversation.question is not None:
        return None
    profile = PlanProfile.from_dict(conversation.draft)
    plan = build_plan(profile)
    stored = Plan(
        learner_id=learner_id,
        title=plan.prompt_excerpt,
        profile=json.dumps(profile.to_dict(), ensure_ascii=False),
        document=render_document(plan, profile),
        created_at=now,
    )
    session.add(stored)
    _end(row, now)
    finished_path = complete_plan_drop(
        session, chat, learner_id, now, day_start_hour=day_start_hour
    )
    session.flush()
    assert stored.id is not None
    filename = document_filename(now, chat_zone(chat))
    return FinishedPlan(
        stored.id, render_summary(plan), stored.document, now, filename, finished_path
    )


def complete_plan_drop(
    session: Session, chat: Chat, learner_id: int, now: datetime, *, day_start_hour: int
) -> bool:
    """A plan counts as doing drop 4.1 when it was delivered this round; True if that ends the path.

    The same rule as the Done button under 4.1 (see `bot.telegram.handlers.path.on_done`).
    """
    completed = journey.complete_drop(
        session,
        chat,
        learner_id,
        path_round=chat.path_round,
        drop_id=PLAN_DROP,
        now=now,
        day_start_hour=day_start_hour,
    )
    if completed and chat.current_drop_id == PLAN_DROP:
        chat.finished_at = now
        chat.next_due_at = None
        return True
    return False


def plans_of(session: Session, learner_id: int, limit: int = LISTED_PLANS) -> list[Plan]:
    """The learner's plans, newest first."""
    query = (
        select(Plan)
        .where(Plan.learner_id == learner_id)
        .order_by(col(Plan.created_at).desc(), col(Plan.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def count_plans(session: Session, learner_id: int) -> int:
    query = select(func.count()).select_from(Plan).where(Plan.learner_id == learner_id)
    return int(session.exec(query).one())


def plan_of(session: Session, plan_id: int, learner_id: int) -> Plan | None:
    """The plan, only if it belongs to `learner_id` (a button's id is client input)."""
    plan = session.get(Plan, plan_id)
    return plan if plan is not None and plan.learner_id == learner_id else None


def document_filename(created_at: datetime, zone: ZoneInfo) -> str:
    """`distillation-plan-<local date>.md`."""
    return f"distillation-plan-{created_at.astimezone(zone).date().isoformat()}.md"


def local_date(instant: datetime, zone: ZoneInfo) -> str:
    """A date as people read it: "2 Mar 2026"."""
    local = instant.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def _conversation(row: PlanConversation) -> Conversation:
    try:
        stored = json.loads(row.answers)
    except ValueError:  # a corrupt row: start from what can be trusted, which is nothing
        stored = {}
    draft = clean_draft(stored)
    return Conversation(row.conversation_id, draft, next_question(draft))


def _step(conversation: Conversation) -> str:
    question = conversation.question
    return COMPLETE if question is None else question.key


def _end(row: PlanConversation, now: datetime) -> None:
    row.step = ENDED
    row.answers = "{}"
    row.updated_at = now
