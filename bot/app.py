"""Build the python-telegram-bot Application from settings: the one place handlers are wired."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import COMMANDS
from bot.handlers import basic
from bot.services import AppType, BotData, Services

log = logging.getLogger(__name__)


def build_application(services: Services) -> AppType:
    """The Application for ``services.settings``: handlers, error handler, command menu."""
    settings = services.settings
    context_types = ContextTypes(bot_data=BotData)
    application: AppType = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .context_types(context_types)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(_post_init)
        .build()
    )
    application.bot_data.services = services
    application.add_handler(TypeHandler(Update, basic.track_chat), group=-1)
    application.add_handler(CommandHandler("start", basic.start))
    application.add_handler(CommandHandler("help", basic.help_command))
    application.add_handler(MessageHandler(filters.COMMAND, basic.unknown_command), group=1)
    application.add_error_handler(basic.on_error)
    return application


async def _post_init(application: AppType) -> None:
    await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in COMMANDS])
    log.info("command menu set (%d commands)", len(COMMANDS))
