"""/distill runs as Celery tasks over Redis: the app, its settings and what a task returns.

Torch-free: the bot imports this to send runs and read their state; only the worker
(``kd_sandbox.celery_worker``, which loads ``kd_sandbox.celery_tasks``) trains.

A run's task carries the settings as text (``RunSpec.as_settings()``) and returns a JSON
object: ``{"outcome": "done", "png": base64, "caption", "metrics", "wall_s"}``, or
``{"outcome": "timeout" | "failed" | "interrupted", "detail"}``. JSON, not pickle: a
worker on another machine must not be able to run code in the bot by what it returns.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from celery import Celery

from kd_sandbox.result import RunResult

TASK_NAME = "kd_sandbox.run"
QUEUE_NAME = "distill"
# A task is delivered at most this often: once, and once more after a worker was lost.
MAX_DELIVERIES = 2
# Bounds on what comes back through Redis (a photo Telegram takes is at most 10 MB).
MAX_PNG_BYTES = 4 * 1024 * 1024
MAX_METRICS_CHARS = 32 * 1024
# The hard limit kills a run its soft limit (SoftTimeLimitExceeded) did not stop.
HARD_LIMIT_EXTRA_S = 10.0
# Seconds a broker operation may take before /distill answers "unavailable".
BROKER_TIMEOUT_S = 3.0


def hard_time_limit(soft_limit_s: float) -> float:
    return soft_limit_s + HARD_LIMIT_EXTRA_S


def visibility_timeout(soft_limit_s: float) -> float:
    """How long a delivered, unacknowledged run stays with its worker before Redis gives
    it to another (a worker that was SIGKILLed never acknowledges): just past the hard
    limit, since a worker reserves only what it starts at once (prefetch 1)."""
    return hard_time_limit(soft_limit_s) + 5.0


def make_app(broker_url: str, *, soft_limit_s: float) -> Celery:
    """The Celery app both sides build from the same broker URL and run time limit."""
    app = Celery("distill", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_default_queue=QUEUE_NAME,
        # Acknowledged after the run, and handed back when its worker process dies, so a
        # killed worker's run goes to another one (``MAX_DELIVERIES`` bounds the repeats).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_soft_time_limit=soft_limit_s,
        task_time_limit=hard_time_limit(soft_limit_s),
        result_expires=24 * 3600,
        # Events for Flower and `celery events`.
        worker_send_task_events=True,
        task_send_sent_event=True,
        broker_connection_timeout=BROKER_TIMEOUT_S,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout(soft_limit_s),
            # Look for runs of lost workers every 2 s rather than every 100 s.
            "unacked_restore_interval": 2,
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": BROKER_TIMEOUT_S,
            "socket_timeout": BROKER_TIMEOUT_S * 2,
        },
        result_backend_transport_options={"retry_policy": {"timeout": BROKER_TIMEOUT_S}},
        redis_socket_connect_timeout=BROKER_TIMEOUT_S,
        redis_socket_timeout=BROKER_TIMEOUT_S * 2,
    )
    return app


TASK_ID_PREFIX = "distill-run-"


def task_id(run_id: int) -> str:
    """The task of the bot's run ``run_id``: any bot instance can find it by the row."""
    return f"{TASK_ID_PREFIX}{run_id}"


class RemoteOutcomeError(Exception):
    """A task's return value that is not one of the shapes above."""


@dataclass(frozen=True)
class RemoteOutcome:
    """A finished task, read back: ``result`` when it is ``done``."""

    outcome: str
    result: RunResult | None = None
    detail: str = ""


def encode_result(result: RunResult) -> dict[str, Any]:
    """A run's result as the task's JSON return value; raises ``ValueError`` past the bounds."""
    if len(result.png) > MAX_PNG_BYTES:
        raise ValueError(f"the picture is {len(result.png)} bytes, over {MAX_PNG_BYTES}")
    return {
        "outcome": "done",
        "png": base64.b64encode(result.png).decode("ascii"),
        "caption": result.caption[:1024],
        "metrics": _bounded(result.metrics),
        "wall_s": result.wall_s,
    }


def decode_outcome(value: object) -> RemoteOutcome:
    """The task's return value, checked; raises ``RemoteOutcomeError`` for anything else."""
    if not isinstance(value, dict) or not isinstance(value.get("outcome"), str):
        raise RemoteOutcomeError(f"unexpected task result {type(value).__name__}")
    outcome = value["outcome"]
    if outcome != "done":
        return RemoteOutcome(outcome, detail=str(value.get("detail", ""))[:300])
    try:
        png = base64.b64decode(str(value["png"]), validate=True)
        result = RunResult(
            png=png,
            caption=str(value["caption"])[:1024],
            metrics=dict(value.get("metrics") or {}),
            wall_s=float(value.get("wall_s") or 0.0),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise RemoteOutcomeError(f"malformed task result: {error}") from None
    if len(png) > MAX_PNG_BYTES:
        raise RemoteOutcomeError("the picture is too large")
    return RemoteOutcome(outcome, result)


def _bounded(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics, or only their scalars when the whole would be too long."""
    text = json.dumps(metrics, default=str)
    if len(text) <= MAX_METRICS_CHARS:
        loaded: dict[str, Any] = json.loads(text)
        return loaded
    return {k: v for k, v in metrics.items() if isinstance(v, int | float | str | bool)}
