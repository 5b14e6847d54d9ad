"""Build the python-telegram-bot Application from settings: the one place handlers are wired."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from telegram import BotCommand, MenuButtonWebApp, WebAppInfo
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
)

from bot.core import warm_zone_finder
from bot.services.context import Services
from bot.services.distill import RUN_LEASE, DistillService, InterruptedRun
from bot.services.quiz.presses import AnswerPresses
from bot.services.quiz.sent import SentQuestions
from bot.telegram import quiz_flow, registry, rounds
from bot.telegram.commands import menu as commands_menu
from bot.telegram.context import AppType, BotData
from bot.telegram.delivery_job import delivery_job, run_tick
from bot.telegram.handlers import (
    distill,
)
from bot.telegram.members import Memberships
from bot.telegram.transport.bot_api_client import AiohttpRequest
from bot.telegram.transport.ratelimit import BotApiLimiter
from bot.telegram.transport.sender import Sender
from bot.telegram.transport.updates import TypedFirst
from bot.telegram.webapp.runs import WebRuns

log = logging.getLogger(__name__)
EXPLORE_LABEL = "🔍 Explore"


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
        .request(AiohttpRequest(settings.bot_api_max_in_flight))
        .get_updates_request(AiohttpRequest(1))
        .concurrent_updates(
            TypedFirst(settings.max_concurrent_updates, other_places=settings.button_concurrency)
        )
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    data = application.bot_data
    data.services = services
    data.known_chats = set()
    data.memberships = Memberships(services.clock)
    data.sender = Sender(application.bot, services, known_chats=data.known_chats)
    data.distill = DistillService(services)
    data.sender.on_moved.append(data.distill.chat_moved)
    data.web_runs = WebRuns(data.distill)
    data.answer_presses = AnswerPresses(services)
    data.sent_questions = SentQuestions(services)
    data.menu = commands_menu(registry.all_commands())
    registry.register(application)
    return application


async def _post_init(application: AppType) -> None:
    menu = [BotCommand(name, description) for name, description in application.bot_data.menu]
    await application.bot.set_my_commands(menu)
    services = application.bot_data.services
    webapp_url = services.settings.webapp_url
    if webapp_url and webapp_url.startswith("https://"):
        # The default menu button of every private chat opens the Mini App.
        button = MenuButtonWebApp(EXPLORE_LABEL, WebAppInfo(webapp_url))
        await application.bot.set_chat_menu_button(menu_button=button)
    elif webapp_url:
        log.info("the Mini App is at %s; Telegram opens https only, so no button names it",
                 webapp_url)  # fmt: skip
    assert application.job_queue is not None
    # What fell due while the bot was down goes out at once, beside the first updates;
    # then the job takes over, never skipping a run as "missed".
    data = application.bot_data
    if not services.instance.try_hold():
        log.warning(
            "another living process holds INSTANCE_NAME %r (the old one of a rolling deploy "
            "still stopping, or two processes given one name): what it was sending is taken "
            "over once its lease runs out, and this process takes the name once it is free",
            services.settings.instance_name,
        )
    data.catch_up = asyncio.create_task(_catch_up(data.sender), name="delivery catch-up")
    interval = services.settings.delivery_check_seconds
    application.job_queue.run_repeating(
        delivery_job,
        interval=interval,
        name="delivery",
        job_kwargs={
            "next_run_time": datetime.now(UTC) + timedelta(seconds=interval),
            "misfire_grace_time": None,
        },
    )
    # The runs of this name's previous life are marked before any update is handled (those
    # of a predecessor still running, which holds the name, are left to it);
    # their askers are told meanwhile, at each chat's pace (seconds per message in a
    # group), so the webhook server opens and /healthz says ready without waiting for it.
    # Each run is marked told as its notice goes out: a previous life killed half-way
    # left the rest, and they are told now with its own.
    interrupted = await distill.take_interrupted(application, at_start=True)
    data.askers_told = asyncio.create_task(
        _tell_askers(application, interrupted), name="interrupted runs told"
    )
    await rounds.resume_rounds(application)  # then sweeps for rounds other instances left
    data.stopping = asyncio.Event()
    data.resumed_quizzes = asyncio.create_task(
        quiz_flow.resume_cut_off(data, recorded_before=services.clock(), stopping=data.stopping),
        name="quiz questions cut off",
    )
    # Never skipped as "missed" when the loop is busy: a lease not renewed would expire.
    application.job_queue.run_repeating(
        distill.run_leases_job,
        interval=RUN_LEASE / 3,
        name="distill run leases",
        job_kwargs={"misfire_grace_time": None},
    )
    if services.settings.sandbox_warm_at_start:
        await application.bot_data.distill.start()
    # A shared location is then answered at once (the zone data load takes tenths of a second).
    asyncio.get_running_loop().run_in_executor(None, warm_zone_finder)
    log.info("command menu set (%d commands); delivery job every %.0f s",
             len(menu), services.settings.delivery_check_seconds)  # fmt: skip


async def _catch_up(sender: Sender) -> None:
    try:
        await run_tick(sender)
    except Exception:  # the job retries on its next run; the outbox keeps every claim
        log.exception("the delivery tick at start-up failed")


async def _tell_askers(application: AppType, interrupted: list[InterruptedRun]) -> None:
    try:
        await distill.tell_askers(application, interrupted)
    except Exception:  # those not marked told are told at the next start; a stop must
        # still be graceful
        log.exception("could not tell every asker of a run interrupted by the restart")


async def _post_stop(application: AppType) -> None:
    """A stop lets the start-up fan-out finish, as it lets a running job finish (what
    waits for another instance's lease to run out waits no longer)."""
    application.bot_data.stopping.set()
    await application.bot_data.catch_up
    await application.bot_data.askers_told
    await application.bot_data.resumed_quizzes


async def _post_shutdown(application: AppType) -> None:
    await application.bot_data.web_runs.close()
    await application.bot_data.distill.close()
