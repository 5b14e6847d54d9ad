"""What an operator scrapes at ``GET /metrics`` (Prometheus text format, prometheus-client).

One module of metric objects that the use cases and the Telegram adapter above them
update: process-wide counters, not state the bot decides anything by. It lives in the
lowest layer that counts something (the delivery and /distill services do). Names start
with ``distill_``; the client adds its ``process_*`` and ``python_*`` families.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter(
    "distill_updates", "Updates handled, by kind (message, callback_query, ...)", ["kind"]
)
HANDLER_SECONDS = Histogram(
    "distill_handler_seconds",
    "Time from taking an update to its handlers returning, by kind",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
)
BOT_API_REQUESTS = Counter(
    "distill_bot_api_requests",
    "Bot API requests by method and outcome (ok, flood_wait, error)",
    ["method", "outcome"],
)
FLOOD_WAITS = Counter("distill_bot_api_flood_waits", "429 answers from the Bot API")
FLOOD_WAIT_SECONDS = Counter(
    "distill_bot_api_retry_after_seconds", "Seconds slept on 429s' retry_after"
)
DELIVERIES_SENT = Counter("distill_deliveries_sent", "Scheduled drops sent")
DELIVERIES_PENDING = Gauge("distill_deliveries_pending", "Drops claimed and not yet sent")
DELIVERY_LATENESS = Histogram(
    "distill_delivery_lateness_seconds",
    "How long after its due time a chat's drop was claimed for sending",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600, 21600),
)
SANDBOX_QUEUE_DEPTH = Gauge(
    "distill_sandbox_queue_depth", "/distill runs waiting (the deployment's, with Celery)"
)
SANDBOX_RUN_SECONDS = Histogram(
    "distill_sandbox_run_seconds",
    "Wall time of finished /distill runs, by mode",
    ["mode"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300),
)
SANDBOX_WORKERS = Gauge(
    "distill_sandbox_workers_seen", "/distill workers that answered the last check"
)
