"""The Application's typed context: what every handler reaches through ``context.bot_data``."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.context import Services
from bot.services.distill import DistillService
from bot.services.quiz.presses import AnswerPresses
from bot.services.quiz.sent import SentQuestions
from bot.telegram.members import Memberships
from bot.telegram.transport.sender import Sender
from bot.telegram.webapp.runs import WebRuns


class BotData:
    """The Application's ``bot_data``: every member is set by ``build_application``."""

    services: Services
    sender: Sender
    distill: DistillService
    web_runs: WebRuns  # /distill runs started from the Mini App
    answer_presses: AnswerPresses  # quiz option presses, a repeat in flight scored once
    sent_questions: SentQuestions  # message ids of questions sent, stored in batches
    # Chats and users registered by this process (a cache: the database is the truth).
    known_chats: set[int]
    memberships: Memberships  # group members recently found in, not asked again meanwhile
    catch_up: asyncio.Task[Any]  # the delivery tick at start-up (what fell due while down)
    resumed_quizzes: asyncio.Task[Any]  # questions a killed bot recorded, sent at start-up
    askers_told: asyncio.Task[Any]  # of the /distill runs a restart interrupted
    stopping: asyncio.Event  # set as the Application stops: start-up waits end
    # The command menu, (name, description) in order: setMyCommands and /help show it.
    menu: list[tuple[str, str]]


AppContext = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
AppType = Application[Any, Any, Any, Any, BotData, Any]


def services_of(context: AppContext) -> Services:
    return context.bot_data.services
