"""/settings: a learner's quiz settings in a private chat, a group's settings in a group
(administrators only); changed by ``key=value`` or by buttons."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.services.quiz.group_settings import GROUP_USAGE, group_settings, parse_group_settings
from bot.services.quiz.preferences import USAGE, SettingsError, parse_settings, save
from bot.storage.kinds import RoundStarters
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, command_args, is_group_admin, is_private, reply
from bot.telegram.transport.sender import keyboard
from bot.telegram.views.formatting import markdown
from bot.telegram.views.parts import Buttons
from drops.markdown import escape_markdown

MAX_PROBLEMS_SHOWN = 5
NOT_ADMIN = (
    "Only the group's administrators change its settings. Your own quiz settings are in a private "
    "chat with me: send /settings there."
)


def _setting(key: str, value: str) -> str:
    return buttons.SETTING.encode(buttons.SettingChoice(key, value))


# The common choices; anything else goes through `/settings key=value`.
BUTTONS: Buttons = (
    tuple((f"Retention {v}", _setting("retention", v)) for v in ("0.85", "0.90", "0.95")),
    tuple((f"Cap {v}", _setting("cap", v)) for v in ("10", "20", "50")),
    (("Reviews with drop: on", _setting("with_drop", "on")), ("off", _setting("with_drop", "off"))),
)
GROUP_BUTTONS: Buttons = (
    tuple(
        (label, buttons.ROUND_STARTERS.encode(value))
        for label, value in (("Rounds: anyone", "anyone"), ("Rounds: admins only", "admins"))
    ),
)


async def settings(update: Update, context: AppContext) -> None:
    """/settings shows them with buttons; /settings retention=0.85 cap=30 with_drop=off sets.
    In a group: the group's own settings, for its administrators."""
    user = update.effective_user
    if user is None:
        return
    if not is_private(update):
        await _group_settings(update, context)
        return
    text = command_args(context)
    try:
        changes = parse_settings(text)
    except SettingsError as error:
        shown = list(error.problems[:MAX_PROBLEMS_SHOWN])
        if len(error.problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"…and {len(error.problems) - MAX_PROBLEMS_SHOWN} more")
        problems = "\n".join(f"• {problem}" for problem in shown)
        await reply(context, update, f"Nothing changed:\n{escape_markdown(problems)}\n\n{USAGE}")
        return
    current = await services_of(context).transaction(save, user.id, user.first_name, changes)
    heading = "✅ Saved.\n\n" if changes else ""
    await reply(context, update, f"{heading}{current}\n\n{USAGE}", markup=keyboard(BUTTONS))


async def _group_settings(update: Update, context: AppContext) -> None:
    """/settings in a group: who may start a quiz round, for administrators to see and set."""
    if not await is_group_admin(update, context):
        await reply(context, update, NOT_ADMIN)
        return
    try:
        change = parse_group_settings(command_args(context))
    except SettingsError as error:
        await reply(
            context,
            update,
            f"Nothing changed: {escape_markdown(error.problems[0])}\n\n{GROUP_USAGE}",
        )
        return
    current = await services_of(context).transaction(group_settings, chat_ref(update), change)
    heading = "✅ Saved.\n\n" if change else ""
    await reply(
        context, update, f"{heading}{current}\n\n{GROUP_USAGE}", markup=keyboard(GROUP_BUTTONS)
    )


async def on_group_button(update: Update, context: AppContext) -> None:
    """A group settings button: administrators only, then the message updated."""
    query = update.callback_query
    assert query is not None
    starters = buttons.ROUND_STARTERS.decode(query.data)
    if starters is None or is_private(update):
        await query.answer("This button has expired.", show_alert=True)
        return
    if not await is_group_admin(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    change = RoundStarters(starters)
    current = await services_of(context).transaction(group_settings, chat_ref(update), change)
    await query.answer("✅ Saved")
    text, entities = markdown(f"{current}\n\n{GROUP_USAGE}")
    with contextlib.suppress(BadRequest):  # "not modified" when the value was already set
        await query.edit_message_text(text, entities=entities, reply_markup=keyboard(GROUP_BUTTONS))


async def on_button(update: Update, context: AppContext) -> None:
    """A settings button: the same validation as typed settings, then the message updated."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    choice = buttons.SETTING.decode(query.data)
    if choice is None or user is None or not is_private(update):
        await query.answer("This button has expired.", show_alert=True)
        return
    try:
        changes = parse_settings(f"{choice.key}={choice.value}")
    except SettingsError as error:
        await query.answer(error.problems[0][:190], show_alert=True)
        return
    current = await services_of(context).transaction(save, user.id, user.first_name, changes)
    await query.answer("✅ Saved")
    text, entities = markdown(f"{current}\n\n{USAGE}")
    with contextlib.suppress(BadRequest):  # "not modified" when the value was already set
        await query.edit_message_text(text, entities=entities, reply_markup=keyboard(BUTTONS))


COMMANDS = (
    Command(
        "settings",
        "Quiz settings: retention, review cap, reviews with the drop; in a group, its own",
        settings,
    ),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CallbackQueryHandler(on_button, pattern=buttons.SETTING.pattern),
        CallbackQueryHandler(on_group_button, pattern=buttons.ROUND_STARTERS.pattern),
    ]
