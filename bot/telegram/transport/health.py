"""``GET /healthz``: 200 ``{"status": "ok"}`` while the bot runs and its database answers;
``GET /metrics`` for Prometheus (``transport/metrics.py``).

python-telegram-bot's webhook server (tornado) takes no extra routes, so liveness is a
second tiny tornado server on HEALTH_PORT, on the same event loop as the bot. Anything
else (the Application starting or stopping, the database down or slow) answers 503.
The same server carries other routes the process serves over HTTP (the Mini App): each
feature hands its ``Route`` list to ``HealthServer``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.telegram.transport.metrics import METRICS_ROUTE

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_S = 2.0
DEFAULT_HEALTH_PORT = 8080  # in webhook mode when HEALTH_PORT is not set

# (path pattern, handler class, its initialize() keywords), as tornado.web.Application takes.
Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]


class Liveness:
    """The health verdict: the Application runs and ``SELECT 1`` answers in time."""

    def __init__(
        self, is_running: Callable[[], bool], database_answers: Callable[[], bool]
    ) -> None:
        self.is_running, self.database_answers = is_running, database_answers

    async def healthy(self) -> bool:
        if not self.is_running():
            return False
        try:
            check = asyncio.to_thread(self.database_answers)
            return await asyncio.wait_for(check, DATABASE_TIMEOUT_S)
        except Exception as exc:  # any failure of the database is "not healthy", not a crash
            log.warning("health check: the database did not answer (%s)", type(exc).__name__)
            return False


class _HealthzHandler(tornado.web.RequestHandler):
    def initialize(self, liveness: Liveness) -> None:
        self.liveness = liveness

    async def get(self) -> None:
        healthy = await self.liveness.healthy()
        self.set_status(200 if healthy else 503)
        self.set_header("Cache-Control", "no-store")
        self.finish({"status": "ok" if healthy else "unavailable"})


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    """Probes come every few seconds; their lines would drown the bot's own."""


class HealthServer:
    """Serves ``/healthz`` and ``routes`` on ``listen:port`` (port 0 picks a free one,
    see ``port``)."""

    def __init__(
        self, liveness: Liveness, *, listen: str, port: int, routes: Sequence[Route] = ()
    ) -> None:
        app = tornado.web.Application(
            [(r"/healthz", _HealthzHandler, {"liveness": liveness}), METRICS_ROUTE, *routes],
            log_function=_no_access_log,
        )
        self._server = HTTPServer(app)
        self._listen, self.port = listen, port

    async def start(self) -> None:
        sockets = bind_sockets(self.port, address=self._listen)
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        log.info("liveness on http://%s:%d/healthz", self._listen, self.port)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
