"""The worker's side of a /distill task: warm up once per process, then run specs.

Loaded only by ``kd_sandbox.celery_worker`` (``distillbot worker``); the bot never imports
it, so torch and the runner stay out of the bot's process. Each prefork process imports
torch and loads the cached digits teachers when it starts (``worker_process_init``), from
the cache the worker filled before it joined the queue (``kd_sandbox.celery_worker``), so
a run pays only for its own training, within its time limit, as with the bot's embedded
worker.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from kd_sandbox.celery_app import MAX_DELIVERIES, TASK_NAME, encode_result
from kd_sandbox.child import exit_with_parent
from kd_sandbox.spec import SettingsError, parse_settings

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5  # each report is a write to Redis; the bot edits every 1.5 s
TRACEBACK_FRAMES = 6
ATTEMPTS_KEY_TTL_S = 24 * 3600


def register(app: Celery, *, cache_dir: Path, torch_threads: int) -> None:
    """Define the run task on ``app`` and warm every pool process as it starts."""

    def warm(**_: Any) -> None:
        exit_with_parent(os.getppid())  # a SIGKILLed worker leaves no training orphan
        import torch

        from kd_sandbox.digits import runner

        torch.set_num_threads(torch_threads)
        runner.warm_up_every_teacher(cache_dir)

    worker_process_init.connect(warm, weak=False)

    @app.task(name=TASK_NAME, bind=True)
    def run_distill(task: Task[Any, Any], settings: str) -> dict[str, Any]:
        """Run ``/distill settings``; the outcome as ``kd_sandbox.celery_app`` describes."""
        deliveries = _count_delivery(app, task.request.id)
        if deliveries > MAX_DELIVERIES:
            log.warning("run %s was delivered %d times; giving up", task.request.id, deliveries)
            return {"outcome": "interrupted", "detail": "its worker was lost twice"}
        return _run(task, settings, cache_dir)


def _run(task: Task[Any, Any], settings: str, cache_dir: Path) -> dict[str, Any]:
    from kd_sandbox.digits import runner

    try:
        spec = parse_settings(settings)
    except SettingsError as error:
        return {"outcome": "failed", "detail": str(error)}
    last_report = 0.0

    def progress(fraction: float) -> None:
        nonlocal last_report
        now = time.monotonic()
        if now - last_report >= PROGRESS_EVERY_S or fraction >= 1.0:
            last_report = now
            task.update_state(state="PROGRESS", meta={"fraction": fraction})

    try:
        return encode_result(runner.run(spec, cache_dir, progress))
    except SoftTimeLimitExceeded:
        return {"outcome": "timeout", "detail": "the soft time limit ended it"}
    except Exception:
        trace = traceback.format_exc(limit=TRACEBACK_FRAMES)
        log.error("run %s failed:\n%s", task.request.id, trace)
        return {"outcome": "failed", "detail": "The experiment failed with an internal error."}


def _count_delivery(app: Celery, task_id: str | None) -> int:
    """This task's deliveries so far, this one included (kept in Redis across workers)."""
    client = app.backend.client  # type: ignore[attr-defined]  # the Redis result backend
    key = f"kd_sandbox:deliveries:{task_id}"
    count = int(client.incr(key))
    client.expire(key, ATTEMPTS_KEY_TTL_S)
    return count
