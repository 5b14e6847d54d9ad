"""/distill's limits with Celery: two bot instances, one database, one Redis.

Each instance has a Bot API of its own, so an update reaches the instance the test sends
it to, as a load balancer in front of two webhook instances does. No worker runs: the
runs wait in Redis, which is what the limits count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.services.distill import record_run, update_run
from bot.storage.db import session_scope
from bot.storage.kinds import RunStatus
from bot.storage.models import DistillRun
from tests.botapi import FakeBotApi
from tests.e2e.harness import BotHarness, FakeClock, running_bot

USER, RESTED, GROUP = 7001, 7009, -100_700
QUICK = "/distill steps=10"


@asynccontextmanager
async def two_instances(
    tmp_path: Path, database_url: str, redis_url: str, **settings: object
) -> AsyncIterator[tuple[BotHarness, BotHarness]]:
    apis = [FakeBotApi(), FakeBotApi()]
    for api in apis:
        await api.start()
    clock = FakeClock()
    common = {"database_url": database_url, "sandbox_broker_url": redis_url, **settings}
    try:
        async with (
            running_bot(tmp_path / "a", api=apis[0], clock=clock, instance_name="a", **common) as a,
            running_bot(tmp_path / "b", api=apis[1], clock=clock, instance_name="b", **common) as b,
        ):
            yield a, b
    finally:
        for api in apis:
            await api.stop()


async def test_the_limits_hold_for_the_whole_deployment(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    async with two_instances(
        tmp_path, database_url, redis_url,
        sandbox_queue_size=3, sandbox_group_runs_per_hour=1, sandbox_cooldown_s=20,
    ) as (a, b):  # fmt: skip
        assert "queued, 0 ahead" in (await a.command(USER, QUICK)).text
        assert "already have a run" in (await b.command(USER, QUICK)).text

        assert "queued, 1 ahead" in (await a.command(7005, QUICK, chat_id=GROUP)).text
        refused = await b.command(7006, QUICK, chat_id=GROUP)
        assert "This group has used its runs for this hour" in refused.text

        with session_scope(a.services.engine) as session:  # a run that ended 5 s ago
            rested = record_run(
                session, user_id=RESTED, chat_id=RESTED, settings="", now=a.clock(), owner="a"
            )
            update_run(session, rested, status=RunStatus.DONE, now=a.clock() - timedelta(seconds=5))
        assert "starts in 15 s" in (await b.command(RESTED, QUICK)).text  # the cooldown's rest

        assert "queue is full" in (await a.command(7008, QUICK)).text

        with Session(a.services.engine) as session:
            waiting = session.exec(
                select(DistillRun.user_id).where(DistillRun.status == RunStatus.QUEUED)
            ).all()
    assert sorted(waiting) == [USER, 7005, RESTED]


async def test_admissions_at_the_same_moment_on_both_instances_fill_the_queue_once(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    users = list(range(7400, 7412))
    async with two_instances(tmp_path, database_url, redis_url, sandbox_queue_size=3) as (a, b):
        for index, user in enumerate(users):  # all at once, half to each instance
            (a if index % 2 else b).api.send_text(user, QUICK)

        def answers() -> list[str] | None:
            texts = [
                call.text
                for bot in (a, b)
                for call in bot.api.sent("sendMessage")
                if call.chat_id in users
            ]
            return texts if len(texts) == len(users) else None

        texts = await a.api.wait_for(lambda _: answers(), timeout=30)
        with Session(a.services.engine) as session:
            waiting = session.exec(
                select(DistillRun).where(DistillRun.status == RunStatus.QUEUED)
            ).all()
    assert sum("queued" in text for text in texts) == 3
    assert sum("queue is full" in text for text in texts) == len(users) - 3
    assert len(waiting) == 3
