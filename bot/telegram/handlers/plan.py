"""/plan and /cancel: the Phase 4 exercise as a guided conversation (drop 4.1).

The conversation lives in the `plan_conversations` table (see `bot.services.plans`), so
these are plain handlers: each reads the stored conversation, and after a restart the
learner's next answer or button press continues at the stored question. Other commands
are not part of the conversation, so /today or /help mid-plan work as usual and the
conversation stays where it was.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.services import plans
from bot.services.path import Person
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers import plan_list
from bot.telegram.handlers import plan_messages as say
from bot.telegram.handlers.common import command_text, is_private, reply
from drops.markdown import escape_markdown

PRIVATE_MESSAGE = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    """`/start plan` (before plain /start), the conversation's buttons, and its answers.

    The answer handlers let a message through (to onboarding's typed input and the rest)
    when no /plan question waits for it.
    """
    return [
        plan_list.deep_link("plan", plan_command),
        CallbackQueryHandler(on_plan_button, pattern=buttons.PLAN.pattern),
        MessageHandler(PRIVATE_MESSAGE & filters.TEXT, on_typed_answer),
        MessageHandler(
            PRIVATE_MESSAGE & ~filters.TEXT & ~filters.LOCATION & ~filters.StatusUpdate.ALL,
            on_other_message,
        ),
    ]


async def plan_command(update: Update, context: AppContext) -> None:
    """/plan: start a plan, or offer to resume the one in progress."""
    if not is_private(update):
        await plan_list.private_only(update, context, "plan")
        return
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = services_of(context)
    conversation = await services.transaction(
        plans.begin, services, Person(user.id, user.first_name), chat.id
    )
    if conversation.answered == 0:
        pasted = command_text(update)
        if not pasted:
            await _ask(context, update, conversation, intro=True)
            return
        # "/plan <my prompt>": the prompt came with the command, as the first answer.
        typed = await services.transaction(plans.answer_typed, services, user.id, chat.id, pasted)
        if typed is None or typed.step is None:
            error = escape_markdown(typed.error) if typed is not None else ""
            await _ask(context, update, typed.conversation if typed else conversation, intro=True,
                       before=error)  # fmt: skip
            return
        confirmed = say.confirmation(typed.question, typed.answer)
        await _continue(update, context, typed.step, confirmed=confirmed)
        return
    await reply(
        context,
        update,
        f"You have a plan in progress: {conversation.number - 1} of {conversation.total} "
        "questions answered. Resume it, or start over?",
        markup=say.resume_keyboard(conversation.conversation_id),
    )


async def cancel_command(update: Update, context: AppContext) -> None:
    """/cancel: end the conversation in progress; the answers so far are dropped."""
    user = update.effective_user
    if not is_private(update) or user is None:
        await reply(
            context, update, "Nothing to cancel here: /plan runs in a private chat with me."
        )
        return
    services = services_of(context)
    cancelled = await services.transaction(plans.cancel, user.id, services.clock())
    await reply(
        context,
        update,
        "Cancelled: this plan's answers are discarded, so /plan starts a new one from the "
        "first question. Your finished plans stay in /plans."
        if cancelled
        else "There's no /plan in progress, so nothing to cancel.",
    )


async def on_plan_button(update: Update, context: AppContext) -> None:
    """A button of the conversation: an answer, Resume or Start over."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None
    plan_press = buttons.PLAN.decode(query.data)
    if plan_press is None or chat is None or user is None or not is_private(update):
        await query.answer(say.EXPIRED, show_alert=True)
        return
    services = services_of(context)
    action = plan_press.action
    press = await services.transaction(
        plans.press, services, user.id, chat.id, conversation_id=plan_press.conversation_id,
        action=action, value=plan_press.value,
    )  # fmt: skip
    conversation = press.step.conversation
    if press.refusal == plans.PressRefusal.EARLIER:
        await _earlier_button(context, update, conversation)
        return
    if press.refusal is not None:
        answered = press.refusal == plans.PressRefusal.ANSWERED
        text = "You've answered that one already." if answered else say.EXPIRED
        await query.answer(text, show_alert=press.refusal == plans.PressRefusal.EXPIRED)
        return
    await query.answer()
    if press.asks_for_name:  # "Other (type its name)": the next typed message is the name
        assert conversation is not None
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        await reply(context, update, escape_markdown(say.TYPE_THE_NAME))
        return
    if press.question is None:  # Resume or Start over: the choice is made, its buttons go
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        assert conversation is not None
        await _ask(context, update, conversation, intro=action == plans.START_OVER)
        return
    with contextlib.suppress(BadRequest):  # keep the choice visible, drop the other buttons
        await query.edit_message_reply_markup(say.chosen_keyboard(press.question, press.answer))
    await _continue(update, context, press.step, confirmed="")


async def on_typed_answer(update: Update, context: AppContext) -> None:
    """A typed answer to the stored question; a bad one gets the planner's explanation."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and message.text is not None
    assert user is not None and chat is not None
    services = services_of(context)
    typed = await services.transaction(plans.answer_typed, services, user.id, chat.id, message.text)
    if typed is None:
        return  # no question waits: the message is someone else's to handle
    if typed.step is None:
        await _ask(context, update, typed.conversation, before=escape_markdown(typed.error))
    else:
        confirmed = say.confirmation(typed.question, typed.answer)
        await _continue(update, context, typed.step, confirmed=confirmed)
    raise ApplicationHandlerStop


async def on_other_message(update: Update, context: AppContext) -> None:
    """A sticker, photo or file while a question waits: ask for text instead."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = services_of(context)
    conversation = await services.transaction(plans.waiting_for_answer, services, user.id, chat.id)
    if conversation is None:
        return
    await _ask(context, update, conversation, before=say.NOT_TEXT)
    raise ApplicationHandlerStop


async def _continue(
    update: Update, context: AppContext, step: plans.Step, *, confirmed: str
) -> None:
    """The next question, or the finished plan as a message and a document."""
    if step.finished is not None:
        await _send_plan(update, context, step.finished)
    elif step.conversation is not None:  # None: a second tap raced the first one to the end
        await _ask(context, update, step.conversation, before=confirmed)


async def _send_plan(update: Update, context: AppContext, finished: plans.FinishedPlan) -> None:
    chat = update.effective_chat
    assert chat is not None
    await reply(context, update, finished.summary)
    await context.bot.send_document(
        chat.id,
        finished.document.encode("utf-8"),
        filename=finished.filename,
        caption=plan_list.DOCUMENT_CAPTION,
    )
    await context.bot.send_document(
        chat.id,
        finished.html.encode("utf-8"),
        filename=finished.html_filename,
        caption=plan_list.HTML_CAPTION,
    )
    if finished.finished_path:
        await reply(
            context,
            update,
            "🎓 That was drop 4.1, the last one: **you've finished the path!** "
            "/progress shows the whole journey.",
        )


async def _ask(
    context: AppContext,
    update: Update,
    conversation: plans.Conversation,
    *,
    intro: bool = False,
    before: str = "",
) -> None:
    """Send the conversation's current question, with its options as buttons."""
    question = conversation.question
    assert question is not None
    await reply(
        context,
        update,
        say.question_text(conversation, intro=intro, before=before),
        markup=say.question_keyboard(conversation.conversation_id, question),
    )


async def _earlier_button(
    context: AppContext, update: Update, conversation: plans.Conversation | None
) -> None:
    query = update.callback_query
    assert query is not None
    if conversation is None or conversation.question is None:
        await query.answer(
            "This button is from an earlier plan. Send /plan to make a new one.", show_alert=True
        )
        return
    await query.answer(say.EARLIER_BUTTON)
    await _ask(context, update, conversation, before=say.EARLIER_BUTTON)


COMMANDS = (
    Command("plan", "Turn one of your prompts into a distillation plan", plan_command),
    Command("cancel", "Stop the /plan questions", cancel_command),
)
