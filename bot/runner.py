"""Start the bot: migrate, build the Application, poll for updates until stopped."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.services import Services
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from drops.loader import get_course

log = logging.getLogger(__name__)


def run_polling(settings: Settings) -> None:
    """Long polling; returns when the process is asked to stop (Ctrl-C, SIGTERM)."""
    settings.require_token()
    upgrade(settings.database_url)
    course = get_course()  # refuses to start on invalid content, naming file and reason
    services = Services(settings=settings, engine=make_engine(settings.database_url), course=course)
    application = build_application(services)
    log.info("starting the bot (long polling)")
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
