"""Every handler of the bot, registered in one place from what each handler module exports.

A module exports ``COMMANDS`` (its slash commands, with their menu lines) and, where it has
buttons or other updates to handle, ``handlers()``. Order matters only in a few places,
each said below; a newcomer adds a command to a module's ``COMMANDS`` and its name to
``MENU_ORDER``, and a button kind to the module's ``handlers()`` with its codec.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, TypeHandler, filters

from bot.telegram.commands import Command
from bot.telegram.context import AppType
from bot.telegram.handlers import (
    basic,
    content,
    distill,
    groups,
    onboarding,
    path,
    plan,
    plan_list,
    quiz,
    rounds,
    settings,
    stats,
    your_data,
)

# Each module's commands and other handlers, in the order they are tried.
MODULES = (plan, plan_list, quiz, rounds, stats, settings, onboarding, path, content, distill,
           your_data, groups, basic)  # fmt: skip
# A command runs when it is sent, not again when its message is edited (PTB's default
# takes edits too): fixing a typo in an old "/next" must not deliver a second drop.
NEW_MESSAGES = filters.UpdateType.MESSAGE
# Typed schedule input comes after /plan's answers, which stop the update when they take it.
TYPED_INPUT_GROUP = 1


def all_commands() -> list[Command]:
    return [command for module in MODULES for command in module.COMMANDS]


def register(application: AppType) -> None:
    """Add every handler to ``application``."""
    add = application.add_handler
    # Before anything else: urgency of replies, forged presses refused, first contact.
    add(TypeHandler(Update, basic.set_urgency), group=-3)
    add(TypeHandler(Update, basic.refuse_forged_press), group=-2)
    add(TypeHandler(Update, basic.track_chat), group=-1)
    # Buttons, deep links (`/start plan` before plain /start), answers and poll answers.
    for module in MODULES:
        for handler in module.handlers():
            add(handler)
    for command in all_commands():
        add(CommandHandler(command.name, command.callback, filters=NEW_MESSAGES))
    for handler in onboarding.typed_input_handlers():
        add(handler, group=TYPED_INPUT_GROUP)
    # Last: a press nobody recognised, and a command nobody has.
    add(basic.expired_button_handler())
    add(MessageHandler(filters.COMMAND & NEW_MESSAGES, basic.unknown_command))
    application.add_error_handler(basic.on_error)
