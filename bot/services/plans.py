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
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.core.journey import chat_zone
from bot.core.planner import (
    QUESTIONS_BY_KEY,
    AnswerError,
    PlanProfile,
    Question,
    build_plan,
    clean_draft,
    next_question,
    parse_answer,
    render_document,
    render_html,
    render_summary,
)
from bot.core.planner.profile import progress
from bot.core.planner.questions import ASK_FOR_NAME, AnswerValue
from bot.core.planner.teachers import TYPE_NAME
from bot.services import journey
from bot.services.context import Services
from bot.services.path import ChatRef, Person, chat_of
from bot.services.schedule import owed_input, stop_waiting
from bot.storage.models import Chat, PlanConversation, SavedPlan
from bot.storage.registry import register_learner

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
    number: int = 1  # of the question asked now, counting only questions asked
    total: int = len(QUESTIONS_BY_KEY)  # questions to ask in all, as far as the draft tells

    @property
    def answered(self) -> int:
        return len(self.draft)


@dataclass(frozen=True)
class FinishedPlan:
    plan_id: int
    title: str
    summary: str
    document: str
    html: str
    created_at: datetime
    filename: str
    finished_path: bool

    @property
    def html_filename(self) -> str:
        return html_filename(self.filename)  # this plan completed drop 4.1 and with it the path


def current(session: Session, learner_id: int) -> Conversation | None:
    """The learner's conversation in progress, or None."""
    row = session.get(PlanConversation, learner_id)
    if row is None or row.step == ENDED:
        return None
    return _conversation(row)


def waiting_for_answer(
    session: Session, services: Services, learner_id: int, chat_id: int
) -> Conversation | None:
    """The conversation the learner's next message in this chat answers, if any.

    Not while the chat owes onboarding a typed time or zone: the learner asked for that
    more recently than for the question (a /plan question clears it, see `clear_awaiting`).
    """
    conversation = current(session, learner_id)
    chat = session.get(Chat, chat_id)
    if conversation is None or conversation.question is None:
        return None
    owed = None if chat is None else owed_input(chat, services.clock())
    return conversation if owed is None else None


def clear_awaiting(session: Session, chat_id: int) -> None:
    """Typed text goes to /plan from now on, not to an earlier, abandoned onboarding prompt."""
    chat = session.get(Chat, chat_id)
    if chat is not None:
        stop_waiting(chat)


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
    stored = SavedPlan(
        learner_id=learner_id,
        title=plan.title,
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
        stored.id,
        stored.title,
        render_summary(plan),
        stored.document,
        render_html(stored.document, stored.title),
        now,
        filename,
        finished_path,
    )


def complete_plan_drop(
    session: Session, chat: Chat, learner_id: int, now: datetime, *, day_start_hour: int
) -> bool:
    """A plan counts as doing drop 4.1 when it was delivered this round; True if that ends the path
    (``journey.complete_drop``, as the Done button under 4.1)."""
    first_time = journey.complete_drop(
        session,
        chat,
        learner_id,
        path_round=chat.path_round,
        drop_id=PLAN_DROP,
        now=now,
        day_start_hour=day_start_hour,
        learners_zone=chat_zone(chat),  # a plan is made in the learner's private chat
    )
    return first_time and chat.finished_at == now


def plans_of(session: Session, learner_id: int, limit: int = LISTED_PLANS) -> list[SavedPlan]:
    """The learner's plans, newest first."""
    query = (
        select(SavedPlan)
        .where(SavedPlan.learner_id == learner_id)
        .order_by(col(SavedPlan.created_at).desc(), col(SavedPlan.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def count_plans(session: Session, learner_id: int) -> int:
    query = select(func.count()).select_from(SavedPlan).where(SavedPlan.learner_id == learner_id)
    return int(session.exec(query).one())


def plan_of(session: Session, plan_id: int, learner_id: int) -> SavedPlan | None:
    """The plan, only if it belongs to `learner_id` (a button's id is client input)."""
    plan = session.get(SavedPlan, plan_id)
    return plan if plan is not None and plan.learner_id == learner_id else None


def document_filename(created_at: datetime, zone: ZoneInfo) -> str:
    """`distillation-plan-<local date>.md`."""
    return f"distillation-plan-{created_at.astimezone(zone).date().isoformat()}.md"


def html_filename(markdown_filename: str) -> str:
    """The phone-friendly twin of a plan's Markdown file name."""
    return markdown_filename.removesuffix(".md") + ".html"


def html_of(plan: SavedPlan) -> str:
    """A stored plan's document as an HTML page (rendered from its Markdown)."""
    return render_html(plan.document, plan.title)


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
    number, total = progress(draft)
    return Conversation(row.conversation_id, draft, next_question(draft), number, total)


def _step(conversation: Conversation) -> str:
    question = conversation.question
    return COMPLETE if question is None else question.key


def _end(row: PlanConversation, now: datetime) -> None:
    row.step = ENDED
    row.answers = "{}"
    row.updated_at = now


def listing(
    session: Session, chat: ChatRef, learner_id: int
) -> tuple[ZoneInfo, list[SavedPlan], int]:
    """/plans: the chat's zone (for dates), the newest plans and how many there are."""
    zone = chat_zone(chat_of(session, chat))
    return zone, plans_of(session, learner_id), count_plans(session, learner_id)


def plan_with_zone(
    session: Session, chat: ChatRef, plan_id: int, learner_id: int
) -> tuple[ZoneInfo, SavedPlan | None]:
    """One of the learner's plans (None for anyone else's), and the chat's zone."""
    return chat_zone(chat_of(session, chat)), plan_of(session, plan_id, learner_id)


@dataclass(frozen=True)
class Step:
    """What to send after an update changed (or only read) the stored conversation."""

    conversation: Conversation | None
    finished: FinishedPlan | None = None


def begin(session: Session, services: Services, learner: Person, chat_id: int) -> Conversation:
    """/plan: the conversation in progress, or a new one."""
    register_learner(
        session, user_id=learner.id, first_name=learner.first_name, private_chat_id=chat_id
    )
    clear_awaiting(session, chat_id)
    return current(session, learner.id) or start(session, learner.id, services.clock())


class PressRefusal(StrEnum):
    EARLIER = "earlier"  # a button of an earlier conversation
    ANSWERED = "answered"  # a question answered already
    EXPIRED = "expired"  # a button we never offered


@dataclass(frozen=True)
class Press:
    """A conversation button checked against the stored conversation, and what it changed."""

    refusal: PressRefusal | None
    step: Step
    question: Question | None = None  # the question it answered (None: Resume, Start over)
    answer: AnswerValue = None
    asks_for_name: bool = False  # "Other (type its name)": nothing stored, a name is wanted


RESUME, START_OVER = "resume", "over"  # the conversation's own buttons


def press(
    session: Session,
    services: Services,
    learner_id: int,
    chat_id: int,
    *,
    conversation_id: int,
    action: str,
    value: str | None,
) -> Press:
    """A button of the conversation: an answer, Resume or Start over."""
    now = services.clock()
    clear_awaiting(session, chat_id)
    conversation = current(session, learner_id)
    if conversation is None or conversation.conversation_id != conversation_id:
        return Press(PressRefusal.EARLIER, Step(conversation))
    if action == START_OVER:
        return Press(None, Step(start(session, learner_id, now)))
    if action == RESUME:
        return Press(None, Step(conversation))
    question = QUESTIONS_BY_KEY.get(action)
    if question is None or value is None:
        return Press(PressRefusal.EXPIRED, Step(conversation))
    if conversation.question is None or conversation.question.key != question.key:
        return Press(PressRefusal.ANSWERED, Step(conversation))
    if question.accepts_typed and value == TYPE_NAME:
        return Press(None, Step(conversation), question, asks_for_name=True)
    try:
        answer = parse_answer(question, value)
    except AnswerError:  # a value we never offered: forged, or from an older version
        return Press(PressRefusal.EXPIRED, Step(conversation))
    step = _answer(session, services, learner_id, chat_id, conversation, question, answer)
    return Press(None, step, question, answer)


@dataclass(frozen=True)
class TypedAnswer:
    """A typed answer: stored (``step``), or refused with the planner's explanation."""

    conversation: Conversation
    question: Question
    answer: AnswerValue = None
    step: Step | None = None
    error: str = ""


def answer_typed(
    session: Session, services: Services, learner_id: int, chat_id: int, text: str
) -> TypedAnswer | None:
    """A typed answer to the stored question; None when no question waits for it."""
    conversation = waiting_for_answer(session, services, learner_id, chat_id)
    if conversation is None or conversation.question is None:
        return None
    question = conversation.question
    try:
        answer = parse_answer(question, text)
    except AnswerError as exc:
        return TypedAnswer(conversation, question, error=exc.message)
    if question.accepts_typed and answer == TYPE_NAME:  # "other": ask for the name itself
        return TypedAnswer(conversation, question, error=ASK_FOR_NAME)
    step = _answer(session, services, learner_id, chat_id, conversation, question, answer)
    return TypedAnswer(conversation, question, answer, step)


def _answer(
    session: Session,
    services: Services,
    learner_id: int,
    chat_id: int,
    conversation: Conversation,
    question: Question,
    answer: AnswerValue,
) -> Step:
    """Store an answer; build and store the plan once it was the last one."""
    now = services.clock()
    updated = record_answer(session, learner_id, conversation.conversation_id, question.key,
                            answer, now)  # fmt: skip
    if updated is None or updated.question is not None:
        return Step(updated)
    chat = session.get(Chat, chat_id)
    assert chat is not None
    day_start_hour = services.settings.day_start_hour
    return Step(None, finish(session, chat, learner_id, now, day_start_hour=day_start_hour))
