"""``GET /metrics``: the Prometheus metrics of ``bot.services.metrics``, on the health server."""

from __future__ import annotations

from typing import Any

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest


class MetricsHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.set_header("Cache-Control", "no-store")
        self.finish(generate_latest(REGISTRY))


METRICS_ROUTE: tuple[str, type[tornado.web.RequestHandler], dict[str, Any]] = (
    r"/metrics",
    MetricsHandler,
    {},
)
