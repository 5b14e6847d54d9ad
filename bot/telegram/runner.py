"""Start the bot: migrate, build the Application, take updates until SIGTERM or Ctrl-C.

Updates come by long polling or, with RUN_MODE=webhook (``distillbot run --webhook``), from
Telegram calling WEBHOOK_URL (see bot/telegram/transport/webhook.py).
Either way python-telegram-bot turns
SIGTERM/SIGINT into a graceful stop: it stops taking updates, finishes the ones it has,
waits for the delivery job in progress (each part it sends is recorded in the outbox when
Telegram accepts it), then shuts the sandbox down; the process then exits 0.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import socket

import uvloop
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.config import TELEGRAM_API_BASE_URL, Settings
from bot.services.context import Services
from bot.services.quiz.bank import quiz_bank
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.telegram.application import build_application
from bot.telegram.context import AppType
from bot.telegram.transport.bot_api_client import AiohttpRequest
from bot.telegram.transport.health import DEFAULT_HEALTH_PORT, HealthServer, Liveness, Route
from bot.telegram.transport.webhook import WebhookOptions, webhook_options
from bot.telegram.webapp.server import WebApp
from bot.telegram.webapp.server import routes as webapp_routes
from drops.loader import get_course

log = logging.getLogger(__name__)

# Objects allocated, less those freed, before the youngest generation is collected (default
# 700). Almost everything an update allocates is freed by reference counting.
YOUNG_COLLECTION_THRESHOLD = 20_000
BOT_API_CHECK_TIMEOUT_S = 10.0

TOKEN_REJECTED = (
    "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN): it is mistyped, or it was revoked. "
    "Copy the current one from @BotFather (/mybots, your bot, API Token)."
)


class CannotStart(RuntimeError):
    """The bot cannot start as configured; the message says what to change."""


def run(settings: Settings) -> None:
    """Serve updates in ``settings.run_mode``; returns once the bot has stopped."""
    token = settings.require_token()
    # Checked before anything else happens, so a missing secret is reported at once.
    webhook = webhook_options(settings) if settings.run_mode == "webhook" else None
    if webhook is not None:
        _check_port_free(webhook.listen, webhook.port, "WEBHOOK_LISTEN", "WEBHOOK_PORT")
    upgrade(settings.database_url)
    course = get_course()  # refuses to start on invalid content, naming file and reason
    services = Services(settings=settings, engine=make_engine(settings.database_url), course=course)
    application = build_application(services)
    web = web_routes(application) if settings.webapp_url else []
    serve_http = webhook is not None or bool(web)
    health_port = settings.health_port or (DEFAULT_HEALTH_PORT if serve_http else None)
    # The Application runs on this loop (PTB takes the current one), so the liveness
    # server can live next to it and outlast its stop. uvloop's loop costs less per
    # request and per task: in a rush of presses, ~10% less CPU and a faster toast.
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    health = None
    if health_port is not None:
        liveness = Liveness(lambda: application.running, services.database_answers)
        health = HealthServer(liveness, listen=settings.health_listen, port=health_port, routes=web)
    try:
        loop.run_until_complete(_check_bot_api(settings.telegram_api_base_url, token))
        if health is not None:
            try:
                loop.run_until_complete(health.start())
            except OSError as error:
                raise CannotStart(
                    _unusable_port(error, settings.health_listen, health.port,
                                   "HEALTH_LISTEN", "HEALTH_PORT")
                ) from None  # fmt: skip
        if web:
            log.info("Mini App on http://%s:%d/app/ (WEBAPP_URL=%s)",
                     settings.health_listen, health_port, settings.webapp_url)  # fmt: skip
        _settle_heap()
        _serve(application, webhook)
    finally:
        if health is not None:
            loop.run_until_complete(health.stop())
        loop.close()
        services.close()
    log.info("the bot has stopped")


async def _check_bot_api(base_url: str, token: str) -> None:
    """One getMe before anything starts, so that a rejected token or an unreachable Bot
    API is one line saying what to do (python-telegram-bot's own start-up would raise it
    from deep inside, its message carrying the token)."""
    request = AiohttpRequest(1, read_timeout=BOT_API_CHECK_TIMEOUT_S)
    # The URL as the Application builds it: a base URL may say where the token goes
    # ("…/bot{token}/test", Telegram's test environment).
    bot = Bot(token, base_url=base_url, request=request, get_updates_request=request)
    await request.initialize()
    # A body that is no JSON (a wrong path's "404: Not Found") is logged by PTB with a
    # traceback before it raises; the refusal below says it in one line.
    parser_log = logging.getLogger("telegram.request.BaseRequest")
    parser_log.disabled = True
    try:
        await bot.get_me()
    except InvalidToken as error:
        # A local Bot API server with a wrong path answers 404, read as a bad token; a 401
        # ("Unauthorized") comes from a Bot API that does not know the token.
        if base_url != TELEGRAM_API_BASE_URL and not error.message.startswith("Unauthorized"):
            raise CannotStart(
                f"{TOKEN_REJECTED} Or TELEGRAM_API_BASE_URL={base_url} is not a Bot API "
                "address (Telegram's is https://api.telegram.org/bot; a local Bot API server's "
                "ends in /bot too)."
            ) from None
        raise CannotStart(TOKEN_REJECTED) from None
    except RetryAfter:
        return  # Telegram knows the bot; the Application's own getMe waits the flood out
    except NetworkError as error:
        reason = error.message.replace(token, "[token]")
        raise CannotStart(
            f"The Bot API at {base_url} did not answer ({reason}). Check this machine's "
            "network, or TELEGRAM_API_BASE_URL if you run your own Bot API server."
        ) from None
    finally:
        parser_log.disabled = False
        await request.shutdown()


def _check_port_free(listen: str, port: int, listen_setting: str, port_setting: str) -> None:
    """Binds and lets go of ``listen:port``, so a port in use is reported before anything
    starts rather than by the server, after start-up's work."""
    # Every address the webhook server binds, in its own family (WEBHOOK_LISTEN=:: is IPv6).
    bound, refusal = False, None
    try:
        addresses = socket.getaddrinfo(
            listen or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError as error:
        addresses, refusal = [], error
    for family, _type, _protocol, _name, address in addresses:
        try:
            socket.create_server(address, family=family).close()
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                refusal = error
                break
            refusal = refusal or error  # an address it cannot have (::1 without IPv6)
        else:
            bound = True
    if refusal is not None and (not bound or refusal.errno == errno.EADDRINUSE):
        raise CannotStart(_unusable_port(refusal, listen, port, listen_setting, port_setting))


def _unusable_port(
    error: OSError, listen: str, port: int, listen_setting: str, port_setting: str
) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"Port {port} on {listen} ({port_setting}) is taken by another program: "
            f"stop that one, or set {port_setting} to a free port."
        )
    return (
        f"Cannot listen on {listen}:{port} ({error.strerror}): check {listen_setting} "
        f"and {port_setting}."
    )


def web_routes(application: AppType) -> list[Route]:
    """The Mini App's pages and API, for the health server (WEBAPP_URL is set)."""
    data = application.bot_data
    web = WebApp(
        services=data.services, runs=data.web_runs, bot_token=application.bot.token,
        clock=data.services.clock,
    )  # fmt: skip
    return webapp_routes(web)


def _settle_heap() -> None:
    """Take what start-up built out of the cyclic garbage collector's work.

    Modules, the course, the quiz bank and the Application, ~190k objects, live until the
    process ends, yet every full collection walked them all (~0.1 s each, two or three in a
    quiz rush of 200 learners); and at the default threshold the youngest generation was
    collected ~80 times a round, each time over the update objects still in flight. On
    ``bench/bench_load.py``'s three answer rounds the bot spent 0.42 s in the collector,
    0.03 s with this (about 0.3 ms of CPU per press).
    """
    quiz_bank()  # read now, so it is frozen with the rest
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def _serve(application: AppType, webhook: WebhookOptions | None) -> None:
    if webhook is None:
        log.info("starting the bot (long polling)")
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, close_loop=False
        )
    else:
        log.info("starting the bot (webhook on %s)", webhook.describe())
        application.run_webhook(
            **webhook.as_kwargs(), allowed_updates=Update.ALL_TYPES, close_loop=False
        )
