"""A Celery worker on a fresh teacher cache: a run's time limit counts from when its
teacher is ready, as with the bot's embedded worker.

Celery's time limit counts from the moment a pool process takes the run and cannot be
moved, so a first ``mode=tokens`` run that trained the language-model teacher itself was
timed out, the training thrown away, and the next run trained it again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kd_sandbox.celery_app import TASK_NAME, decode_outcome, make_app
from kd_sandbox.celery_worker import TeachersNotReady, train_missing_teachers
from tests.processes import WorkerProcess

LIMIT_S = 15  # SANDBOX_TIMEOUT_S
TEACHER_DELAY_S = LIMIT_S + 2  # the teacher's training alone outlasts a run's limit
QUICK = "mode=tokens steps=10"
TOO_LONG = "mode=tokens steps=3000"  # about 80 s of students (the bot would refuse it)


def test_a_first_language_model_run_is_not_timed_out_by_its_teachers_training(
    tmp_path: Path, redis_url: str
) -> None:
    env = {
        "SANDBOX_BROKER_URL": redis_url,
        "SANDBOX_TIMEOUT_S": str(LIMIT_S),
        "CACHE_DIR": str(tmp_path / "fresh-cache"),
        "LOG_LEVEL": "INFO",
        "TEACHER_DELAY_S": str(TEACHER_DELAY_S),
    }
    worker = WorkerProcess(tmp_path, env, "fresh", program="tests.scale.slow_teacher_worker")
    app = make_app(redis_url, soft_limit_s=LIMIT_S)
    try:
        first = app.send_task(TASK_NAME, args=[QUICK]).get(timeout=300)
        too_long = app.send_task(TASK_NAME, args=[TOO_LONG]).get(timeout=120)
    finally:
        worker.kill()
    picture = decode_outcome(first)
    assert picture.outcome == "done", picture.detail
    assert picture.result is not None and "10 steps" in picture.result.caption
    # Students that train past the limit are still stopped, as before.
    assert too_long == {"outcome": "timeout", "detail": "the soft time limit ended it"}


def test_a_worker_whose_teachers_are_not_trained_in_time_says_so_and_does_not_start(
    tmp_path: Path,
) -> None:
    with pytest.raises(TeachersNotReady, match=r"longer than 0\.5 s"):
        train_missing_teachers(tmp_path / "fresh-cache", torch_threads=1, limit_s=0.5)
