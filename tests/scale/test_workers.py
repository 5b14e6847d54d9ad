"""Real processes: bot instances in webhook mode and `distillbot worker` Celery workers.

The workers share one teacher cache, filled once for the module, so each starts by
importing torch and loading the cached teachers (as a deployment's workers do after their
first start). Runs use the smallest settings: the tests are about who runs what, once.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, col, select

from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun
from tests.processes import (
    BotProcess,
    StandIn,
    WorkerProcess,
    command_update,
    crash_bot_env,
    post_webhook,
    wait_until,
)
from tests.redisdb import free_port

SECRET = "test-secret"
USERS = list(range(8001, 8021))


@pytest.fixture(scope="module")
def teacher_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every teacher, trained once (in a child process: torch stays out of pytest)."""
    cache = tmp_path_factory.mktemp("worker-cache")
    code = (
        "from pathlib import Path; from kd_sandbox.digits import runner; "
        f"runner.cache_every_teacher(Path({str(cache)!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    return cache


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    api = StandIn()
    try:
        yield api
    finally:
        api.stop()


def sandbox_env(redis_url: str, cache: Path, **settings: str) -> dict[str, str]:
    return {
        "SANDBOX_ENABLED": "true",
        "SANDBOX_BROKER_URL": redis_url,
        "SANDBOX_COOLDOWN_S": "0",
        "SANDBOX_QUEUE_SIZE": "30",
        "CACHE_DIR": str(cache),
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def pictures(stand_in: StandIn, chat_id: int) -> list[str]:
    """The captions of the pictures a chat received (a caption starts with the data)."""
    return [text for text in stand_in.per_chat().get(chat_id, []) if text.startswith("Digits")]


def statuses(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(DistillRun.status).order_by(col(DistillRun.id))))
    finally:
        engine.dispose()


@pytest.mark.postgresql
def test_twenty_runs_through_two_bots_and_two_workers_each_answered_once(
    tmp_path: Path, postgres_url: str, redis_url: str, teacher_cache: Path, stand_in: StandIn
) -> None:
    upgrade(postgres_url)  # once, as a deployment's migrate step does before the bots start
    ports = [free_port(), free_port()]
    health_ports = [free_port(), free_port()]
    bots: list[BotProcess] = []
    workers: list[WorkerProcess] = []
    try:
        for index, port in enumerate(ports):
            env = crash_bot_env(
                stand_in, postgres_url, tmp_path,
                **sandbox_env(redis_url, teacher_cache), RUN_MODE="webhook",
                WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port), HEALTH_PORT=str(health_ports[index]),
                INSTANCE_NAME=f"bot{index}",
            )  # fmt: skip
            bots.append(BotProcess(tmp_path, env))
        workers = [
            WorkerProcess(tmp_path, sandbox_env(redis_url, teacher_cache, LOG_LEVEL="INFO"), name)
            for name in ("w1", "w2")
        ]
        for port in ports:
            wait_until(lambda port=port: _listening(port), timeout=60, what="the webhook server")
        for index, user in enumerate(USERS):  # alternately, as a load balancer would
            post_webhook(ports[index % 2], SECRET, command_update(user, "/distill steps=10"))
        wait_until(
            lambda: all(pictures(stand_in, user) for user in USERS),
            timeout=240, what="a picture in every chat", every=0.5,
        )  # fmt: skip
        wait_until(
            lambda: statuses(postgres_url).count("done") == len(USERS),
            timeout=30, what="every run recorded done", every=0.5,
        )  # fmt: skip
        logs = [worker.log() for worker in workers]
        runs_timed = sum(_runs_timed(port) for port in health_ports)
    finally:
        for process in [*bots, *workers]:
            process.kill()
    assert all(len(pictures(stand_in, user)) == 1 for user in USERS)
    assert all("10 steps" in pictures(stand_in, user)[0] for user in USERS)
    assert statuses(postgres_url) == ["done"] * len(USERS)
    assert all("succeeded" in log for log in logs), "each worker should have run some runs"
    assert runs_timed == len(USERS)  # GET /metrics: each bot counted the runs it answered


def test_a_run_whose_worker_is_killed_is_run_again_by_another(
    tmp_path: Path, redis_url: str, teacher_cache: Path, stand_in: StandIn
) -> None:
    """SIGKILL the worker mid-run: Redis hands the unacknowledged task to the other worker
    once its visibility timeout passes; the learner gets one picture."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    settings = sandbox_env(redis_url, teacher_cache, SANDBOX_TIMEOUT_S="30", LOG_LEVEL="INFO")
    bot = BotProcess(tmp_path, crash_bot_env(stand_in, url, tmp_path, **settings))
    first = WorkerProcess(tmp_path, settings, "first")
    second: WorkerProcess | None = None
    user = 8100
    try:
        stand_in.command(user, "/distill steps=3000")
        wait_until(lambda: statuses(url) == ["running"], timeout=120, what="the run to start")
        first.kill()
        second = WorkerProcess(tmp_path, settings, "second")
        wait_until(lambda: pictures(stand_in, user), timeout=120, what="the picture")
        wait_until(lambda: statuses(url) == ["done"], timeout=30, what="the run recorded done")
        second_log = second.log()
    finally:
        for process in (bot, first, second):
            if process is not None:
                process.kill()
    assert len(pictures(stand_in, user)) == 1
    assert "3000 steps" in pictures(stand_in, user)[0]
    assert "distill-run-1] succeeded" in second_log


def _runs_timed(health_port: int) -> float:
    """distill_sandbox_run_seconds_count from the bot's GET /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "distill_sandbox_run_seconds_count"
    )


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
