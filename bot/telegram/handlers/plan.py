"""/plan and /cancel: the Phase 4 exercise as a guided conversation (drop 4.1).

The truth lives in the `plan_conversations` table (see `bot.services.plans`); the
ConversationHandler only routes updates. Every one of its handlers reads the stored
conversation first, and its entry points accept an answer as well as /plan: after a
restart its in-memory state is empty, and the learner's next answer or button press
re-enters at the stored question. Other commands are not part of the conversation, so
/today or /help mid-plan work as usual and the conversation stays where it was.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core.planner import QUESTIONS, QUESTIONS_BY_KEY, AnswerError, Question, parse_answer
from bot.core.planner.questions import AnswerValue
from bot.services import plans
from bot.services.context import AppContext, services_of
from bot.storage.db import session_scope
from bot.storage.models import Chat
from bot.storage.registry import register_learner
from bot.telegram.handlers import plan_list
from bot.telegram.handlers import plan_messages as say
from bot.telegram.handlers.common import is_private, reply
from bot.telegram.views.formatting import escape

ANSWERING = 1
END = ConversationHandler.END


@dataclass(frozen=True)
class _Step:
    """What to send after an update changed (or only read) the stored conversation."""

    conversation: plans.Conversation | None
    finished: plans.FinishedPlan | None = None


def handlers(engine: Engine) -> list[BaseHandler[Update, AppContext, Any]]:
    """The /plan conversation, /plans and its buttons, in the order they must be added."""
    expects = _ExpectsPlanAnswer(engine)
    new_private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND
    answers: list[BaseHandler[Update, AppContext, Any]] = [
        CallbackQueryHandler(on_plan_button, pattern=r"^plan:"),
        MessageHandler(new_private & filters.TEXT & expects, on_typed_answer),
        MessageHandler(
            new_private & ~filters.TEXT & ~filters.LOCATION & ~filters.StatusUpdate.ALL & expects,
            on_other_message,
        ),
    ]
    commands: list[BaseHandler[Update, AppContext, Any]] = [
        CommandHandler("plan", plan_command),
        CommandHandler("cancel", cancel_command),
        plan_list.deep_link("plan", plan_command),
    ]
    with warnings.catch_warnings():
        # Conversations are keyed by chat and user on purpose; the buttons carry the
        # conversation id, so a button under any message is checked against the database.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        conversation: ConversationHandler[AppContext] = ConversationHandler(
            entry_points=[*commands, *answers],
            states={ANSWERING: answers},
            fallbacks=commands,
            name="plan",
            persistent=False,
        )
    return [
        conversation,
        *plan_list.handlers(),
    ]


class _ExpectsPlanAnswer(filters.MessageFilter):
    """A message from a learner whose stored /plan conversation waits for an answer."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(name="expects_plan_answer")
        self._engine = engine

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return user is not None and plans.expects_answer(self._engine, user.id, message.chat.id)


async def plan_command(update: Update, context: AppContext) -> int:
    """/plan: start a plan, or offer to resume the one in progress."""
    if not is_private(update):
        await plan_list.private_only(update, context, "plan")
        return END
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = services_of(context)
    with session_scope(services.engine) as session:
        register_learner(
            session, user_id=user.id, first_name=user.first_name, private_chat_id=chat.id
        )
        plans.clear_awaiting(session, chat.id)
        conversation = plans.current(session, user.id)
        if conversation is None:
            conversation = plans.start(session, user.id, services.clock())
    if conversation.answered == 0:
        await _ask(update, conversation, intro=True)
        return ANSWERING
    await reply(
        update,
        f"You have a plan in progress: {conversation.answered} of {len(QUESTIONS)} questions "
        "answered. Resume it, or start over?",
        markup=say.resume_keyboard(conversation.conversation_id),
    )
    return ANSWERING


async def cancel_command(update: Update, context: AppContext) -> int:
    """/cancel: end the conversation in progress; the answers so far are dropped."""
    user = update.effective_user
    if not is_private(update) or user is None:
        await reply(update, "Nothing to cancel here: /plan runs in a private chat with me.")
        return END
    services = services_of(context)
    with session_scope(services.engine) as session:
        cancelled = plans.cancel(session, user.id, services.clock())
    await reply(
        update,
        "Stopped; your answers are discarded. /plan starts a new plan whenever you like."
        if cancelled
        else "There's no /plan in progress, so nothing to cancel.",
    )
    return END


async def on_plan_button(update: Update, context: AppContext) -> int:
    """A button of the conversation: an answer, Resume or Start over."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    match = say.PLAN_DATA.match(query.data or "")
    if match is None or chat is None or update.effective_user is None or not is_private(update):
        await query.answer(say.EXPIRED, show_alert=True)
        return END
    action = match["action"]
    with session_scope(services_of(context).engine) as session:
        plans.clear_awaiting(session, chat.id)
        press = _apply_press(session, update, context, int(match["cid"]), action, match["value"])
    conversation = press.step.conversation
    if press.refusal == "earlier":
        return await _earlier_button(update, conversation)
    if press.refusal:
        text = "You've answered that one already." if press.refusal == "answered" else say.EXPIRED
        await query.answer(text, show_alert=press.refusal == "expired")
        return END if conversation is None else ANSWERING
    await query.answer()
    if press.question is None:  # Resume or Start over: the choice is made, its buttons go
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        assert conversation is not None
        await _ask(update, conversation, intro=action == say.START_OVER)
        return ANSWERING
    with contextlib.suppress(BadRequest):  # keep the choice visible, drop the other buttons
        await query.edit_message_reply_markup(say.chosen_keyboard(press.question, press.answer))
    return await _continue(update, context, press.step, confirmed="")


@dataclass(frozen=True)
class _Press:
    """A conversation button checked against the stored conversation, and what it changed."""

    refusal: str  # "" when the press counts, else "earlier", "answered" or "expired"
    step: _Step
    question: Question | None = None  # the question it answered (None: Resume, Start over)
    answer: AnswerValue = None


def _apply_press(
    session: Session,
    update: Update,
    context: AppContext,
    conversation_id: int,
    action: str,
    value: str | None,
) -> _Press:
    user = update.effective_user
    assert user is not None
    now = services_of(context).clock()
    conversation = plans.current(session, user.id)
    if conversation is None or conversation.conversation_id != conversation_id:
        return _Press("earlier", _Step(conversation))
    if action == say.START_OVER:
        return _Press("", _Step(plans.start(session, user.id, now)))
    if action == say.RESUME:
        return _Press("", _Step(conversation))
    question = QUESTIONS_BY_KEY.get(action)
    if question is None or value is None:
        return _Press("expired", _Step(conversation))
    if conversation.question is None or conversation.question.key != question.key:
        return _Press("answered", _Step(conversation))
    try:
        answer = parse_answer(question, value)
    except AnswerError:  # a value we never offered: forged, or from an older version
        return _Press("expired", _Step(conversation))
    step = _answer(session, update, context, conversation, question, answer, now)
    return _Press("", step, question, answer)


async def on_typed_answer(update: Update, context: AppContext) -> int:
    """A typed answer to the stored question; a bad one gets the planner's explanation."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    services = services_of(context)
    with session_scope(services.engine) as session:
        conversation = plans.current(session, user.id)
        if conversation is None or conversation.question is None:  # ended meanwhile
            return END
        question = conversation.question
        try:
            answer = parse_answer(question, message.text)
        except AnswerError as exc:
            error, step = exc.message, None
        else:
            step = _answer(
                session, update, context, conversation, question, answer, services.clock()
            )
    if step is None:
        await _ask(update, conversation, before=escape(error))
        return ANSWERING
    return await _continue(update, context, step, confirmed=say.confirmation(question, answer))


async def on_other_message(update: Update, context: AppContext) -> int:
    """A sticker, photo or file while a question waits: ask for text instead."""
    user = update.effective_user
    assert user is not None
    with session_scope(services_of(context).engine) as session:
        conversation = plans.current(session, user.id)
    if conversation is None:
        return END
    await _ask(update, conversation, before=say.NOT_TEXT)
    return ANSWERING


def _answer(
    session: Session,
    update: Update,
    context: AppContext,
    conversation: plans.Conversation,
    question: Question,
    answer: AnswerValue,
    now: datetime,
) -> _Step:
    """Store an answer; build and store the plan once it was the last one."""
    user, private_chat = update.effective_user, update.effective_chat
    assert user is not None and private_chat is not None
    updated = plans.record_answer(
        session, user.id, conversation.conversation_id, question.key, answer, now
    )
    if updated is None or updated.question is not None:
        return _Step(updated)
    chat = session.get(Chat, private_chat.id)
    assert chat is not None
    settings = services_of(context).settings
    finished = plans.finish(session, chat, user.id, now, day_start_hour=settings.day_start_hour)
    return _Step(None, finished)


async def _continue(update: Update, context: AppContext, step: _Step, *, confirmed: str) -> int:
    """The next question, or the finished plan as a message and a document."""
    if step.finished is not None:
        await _send_plan(update, context, step.finished)
        return END
    if step.conversation is None:  # a second tap raced the first one to the end
        return END
    await _ask(update, step.conversation, before=confirmed)
    return ANSWERING


async def _send_plan(update: Update, context: AppContext, finished: plans.FinishedPlan) -> None:
    chat = update.effective_chat
    assert chat is not None
    await reply(update, finished.summary)
    await context.bot.send_document(
        chat.id,
        finished.document.encode("utf-8"),
        filename=finished.filename,
        caption=plan_list.DOCUMENT_CAPTION,
    )
    if finished.finished_path:
        await reply(
            update,
            "🎓 That was drop 4.1, the last one: **you've finished the path!** "
            "/progress shows the whole journey.",
        )


async def _ask(
    update: Update, conversation: plans.Conversation, *, intro: bool = False, before: str = ""
) -> None:
    """Send the conversation's current question, with its options as buttons."""
    question = conversation.question
    assert question is not None
    await reply(
        update,
        say.question_text(question, intro=intro, before=before),
        markup=say.question_keyboard(conversation.conversation_id, question),
    )


async def _earlier_button(update: Update, conversation: plans.Conversation | None) -> int:
    query = update.callback_query
    assert query is not None
    if conversation is None or conversation.question is None:
        await query.answer(
            "This button is from an earlier plan. Send /plan to make a new one.", show_alert=True
        )
        return END
    await query.answer(say.EARLIER_BUTTON)
    await _ask(update, conversation, before=say.EARLIER_BUTTON)
    return ANSWERING
