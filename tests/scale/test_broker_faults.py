"""/distill when Redis fails: down when a run is sent, restarted while runs wait."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from bot.storage.models import DistillRun
from tests.e2e.harness import running_bot
from tests.redisdb import RedisServer

USER = 7101
QUICK = "/distill steps=10"
INTERRUPTED = "⚠️ Your /distill run was interrupted. Please send it again."


async def test_a_run_the_broker_refuses_says_so_and_leaves_no_row(tmp_path: Path) -> None:
    closed_port = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    async with running_bot(tmp_path, sandbox_broker_url=closed_port) as bot:
        answer = await bot.command(USER, QUICK, timeout=30)
        with Session(bot.services.engine) as session:
            rows = session.exec(select(DistillRun)).all()
    assert "The sandbox is unavailable right now; try again in a minute" in answer.text
    assert rows == []


async def test_runs_waiting_when_redis_restarts_are_reported_once(
    tmp_path: Path, private_redis: RedisServer
) -> None:
    """No worker runs, so both runs wait in Redis; Redis restarts without persistence and
    forgets them. Each learner is told once, and no row stays queued or running."""
    users = (USER, USER + 1)
    async with running_bot(tmp_path, sandbox_broker_url=private_redis.url) as bot:
        statuses = [await bot.command(user, QUICK) for user in users]
        assert all("queued" in status.text for status in statuses)
        private_redis.stop()
        private_redis.start()

        def all_told() -> bool:
            return all(bot.api.message_for(s).text == INTERRUPTED for s in statuses)

        await bot.api.wait_for(lambda _: all_told(), timeout=60)
        again = await bot.command(USER, QUICK)  # Redis is back: a new run is taken
        with Session(bot.services.engine) as session:
            rows = session.exec(select(DistillRun).order_by(col(DistillRun.id))).all()
        sent_to = [call.chat_id for call in bot.api.sent("sendMessage") if call.chat_id in users]
    assert "queued" in again.text
    assert [row.status for row in rows] == ["interrupted", "interrupted", "queued"]
    assert sent_to == [USER, USER + 1, USER]  # the notices were edits: no second message
