"""A run whose worker was lost twice is not tried a third time: the learner is told once."""

from __future__ import annotations

from pathlib import Path

import redis
from sqlmodel import Session, select

from bot.storage.models import DistillRun
from kd_sandbox import celery_tasks
from kd_sandbox.celery_app import TASK_NAME, make_app, task_id
from tests.e2e.harness import running_bot

USER = 7301
INTERRUPTED = "⚠️ Your /distill run was interrupted. Please send it again."


async def test_the_third_delivery_answers_interrupted(tmp_path: Path, redis_url: str) -> None:
    async with running_bot(tmp_path, sandbox_broker_url=redis_url) as bot:
        status = await bot.command(USER, "/distill steps=10")
        # The worker side: two deliveries were lost with their workers (the count Redis
        # keeps across workers), and the task comes a third time.
        worker_app = make_app(redis_url, soft_limit_s=60)
        worker_app.conf.task_store_eager_result = True
        celery_tasks.register(worker_app, cache_dir=tmp_path / "cache", torch_threads=1)
        redis.Redis.from_url(redis_url).set(f"kd_sandbox:deliveries:{task_id(1)}", 2)
        outcome = worker_app.tasks[TASK_NAME].apply(args=["steps=10"], task_id=task_id(1))
        assert outcome.get()["outcome"] == "interrupted"

        await bot.api.wait_for(lambda _: bot.api.message_for(status).text == INTERRUPTED)
        await bot.settle()
        with Session(bot.services.engine) as session:
            run = session.exec(select(DistillRun)).one()
        calls = [call.method for call in bot.api.sent(chat_id=USER)]
    assert run.status == "interrupted"
    assert calls == ["sendMessage", "editMessageText"]  # the status, then the notice in it
