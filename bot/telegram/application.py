"""Build the python-telegram-bot Application from settings: the one place handlers are wired."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import BotCommand, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.services.context import AppType, BotData, Services
from bot.services.distill import RUN_LEASE, Sandbox
from bot.telegram.commands import COMMANDS
from bot.telegram.delivery_job import delivery_job
from bot.telegram.handlers import (
    basic,
    content,
    distill,
    groups,
    onboarding,
    path,
    plan,
    quiz,
    your_data,
)
from bot.telegram.transport.ratelimit import BotApiLimiter
from bot.telegram.transport.sender import Sender
from bot.telegram.transport.updates import TypedFirst
from bot.telegram.views.notices import RESUME_DATA

log = logging.getLogger(__name__)


def build_application(services: Services) -> AppType:
    """The Application for ``services.settings``: handlers, jobs, error handler, menu."""
    settings = services.settings
    # One message per interval (not a burst allowance), so no sliding window of Telegram's
    # is ever exceeded; a 429 that still comes is retried after its retry_after.
    rate_limiter = BotApiLimiter(
        overall_interval_s=settings.overall_send_interval_s,
        private_chat_interval_s=settings.private_chat_interval_s,
        group_interval_s=settings.group_send_interval_s,
        max_in_flight=settings.bot_api_max_in_flight,
        max_retries=3,
        # A delivery's part is marked in flight for delivery_lease_s: sleep well within it.
        max_checked_retry_s=settings.delivery_lease_s / 2,
    )
    application: AppType = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .context_types(ContextTypes(bot_data=BotData))
        .rate_limiter(rate_limiter)
        .connection_pool_size(settings.bot_api_max_in_flight)
        .concurrent_updates(
            TypedFirst(settings.max_concurrent_updates, other_places=settings.button_concurrency)
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data.services = services
    services.sender = Sender(application.bot, services, services.course)
    if settings.sandbox_enabled and services.sandbox is None:
        services.sandbox = Sandbox(settings)
    _add_handlers(application)
    return application


def _add_handlers(application: AppType) -> None:
    add = application.add_handler
    add(TypeHandler(Update, basic.set_urgency), group=-3)
    add(TypeHandler(Update, basic.refuse_forged_press), group=-2)
    add(TypeHandler(Update, basic.track_chat), group=-1)
    # /plan before the commands: it owns `/start plan`, /cancel and a stored plan's answers.
    for handler in plan.handlers(application.bot_data.services.engine):
        add(handler)
    # Quizzes: /review, /stats, /leaderboard, /settings, their buttons, group poll answers.
    for handler in quiz.handlers():
        add(handler)
    commands = {
        "start": onboarding.start,
        "help": basic.help_command,
        "settime": onboarding.settime,
        "timezone": onboarding.timezone_command,
        "today": path.today,
        "next": path.next_drop,
        "pause": path.pause,
        "resume": path.resume,
        "progress": path.progress,
        "restart": path.restart,
        "drop": content.drop_command,
        "faq": content.faq,
        "distill": distill.distill,
        "export": your_data.export_command,
        "forget": your_data.forget_command,
    }
    for name, callback in commands.items():
        add(CommandHandler(name, callback))
    add(CallbackQueryHandler(onboarding.on_time_button, pattern=r"^time:"))
    add(CallbackQueryHandler(onboarding.on_zone_button, pattern=r"^tz:"))
    add(CallbackQueryHandler(path.on_done, pattern=r"^done:"))
    add(CallbackQueryHandler(path.resume, pattern=rf"^{RESUME_DATA}$"))
    add(CallbackQueryHandler(path.on_restart_answer, pattern=r"^restart:"))
    add(CallbackQueryHandler(path.noop, pattern=r"^noop$"))
    add(CallbackQueryHandler(content.on_drop_button, pattern=r"^drop:"))
    add(CallbackQueryHandler(content.on_faq_button, pattern=r"^faq:"))
    add(CallbackQueryHandler(your_data.on_forget_button, pattern=r"^forget:"))
    add(CallbackQueryHandler(basic.expired_button))
    add(ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.LOCATION & filters.ChatType.PRIVATE, onboarding.on_location))
    add(MessageHandler(filters.TEXT & ~filters.COMMAND, onboarding.on_typed_text))
    add(MessageHandler(filters.COMMAND, basic.unknown_command))  # after every command
    application.add_error_handler(basic.on_error)


async def _post_init(application: AppType) -> None:
    await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in COMMANDS])
    services = application.bot_data.services
    assert application.job_queue is not None
    # The first run is due now, and may not be skipped as "missed" although the scheduler
    # starts only after post_init: what fell due while the bot was down goes out at once.
    application.job_queue.run_repeating(
        delivery_job,
        interval=services.settings.delivery_check_seconds,
        name="delivery",
        job_kwargs={"next_run_time": datetime.now(UTC), "misfire_grace_time": None},
    )
    await distill.tell_interrupted(application, at_start=True)
    # Never skipped as "missed" when the loop is busy: a lease not renewed would expire.
    application.job_queue.run_repeating(
        distill.run_leases_job,
        interval=RUN_LEASE / 3,
        name="distill run leases",
        job_kwargs={"misfire_grace_time": None},
    )
    if services.sandbox is not None and services.settings.sandbox_warm_at_start:
        await services.sandbox.start()
    log.info("command menu set (%d commands); delivery job every %.0f s",
             len(COMMANDS), services.settings.delivery_check_seconds)  # fmt: skip


async def _post_shutdown(application: AppType) -> None:
    sandbox = application.bot_data.services.sandbox
    if sandbox is not None:
        await sandbox.close()
