"""/quiz in a group: a timed quiz round (``/quiz``, ``/quiz 10``), ended early by ``/quiz stop``."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.core.errors import InputError
from bot.core.rounds import parse_round_size
from bot.services.quiz.rounds import StartRefusal, StopRefusal, round_to_stop, start_round
from bot.telegram import rounds
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, command_args, is_group_admin, is_private, reply
from bot.telegram.views.rounds import (
    ENDED_MEANWHILE,
    PRIVATE,
    START_REFUSALS,
    STOP_REFUSALS,
    USAGE,
    round_started,
)


async def quiz(update: Update, context: AppContext) -> None:
    """/quiz [N|stop] in a group: start a round of N timed quiz polls, or stop the running one."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if is_private(update):
        await reply(context, update, PRIVATE)
        return
    args = command_args(context)
    if args.strip().lower() == "stop":
        await _stop(update, context, user.id)
        return
    try:
        size = parse_round_size(args)
    except InputError as error:
        await reply(context, update, f"No round started: {error.user_message}.\n{USAGE}")
        return
    services = services_of(context)
    outcome = await services.transaction(
        start_round, services, chat_ref(update), starter_id=user.id,
        starter_is_admin=await is_group_admin(update, context), size=size,
    )  # fmt: skip
    if isinstance(outcome, StartRefusal):
        await reply(context, update, START_REFUSALS[outcome])
        return
    await reply(context, update, round_started(outcome))
    rounds.ask_next_soon(context.application, outcome.round_id)


async def _stop(update: Update, context: AppContext, user_id: int) -> None:
    assert update.effective_chat is not None
    services = services_of(context)
    target = await services.transaction(
        round_to_stop, update.effective_chat.id, user_id=user_id,
        is_admin=await is_group_admin(update, context),
    )  # fmt: skip
    if isinstance(target, StopRefusal):
        await reply(context, update, STOP_REFUSALS[target])
        return
    if not await rounds.stop_round(context.application, target):
        await reply(context, update, ENDED_MEANWHILE)


COMMANDS = (
    Command("quiz", "In a group: a round of timed quiz polls (/quiz 10, /quiz stop)", quiz),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return []
