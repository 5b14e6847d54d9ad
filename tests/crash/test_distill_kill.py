"""SIGKILL the bot while a /distill run trains: its worker dies too, the learner is told,
and the restarted bot's queue takes the next run.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from bot.storage.db import make_engine
from bot.storage.models import DistillRun
from tests.processes import (
    BotProcess,
    StandIn,
    children_of,
    crash_bot_env,
    is_running,
    wait_until,
)

WARM_UP_USER, USER = 9100, 9101


def test_a_run_killed_with_the_bot_is_reported_and_the_next_one_works(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, SANDBOX_ENABLED="true", SANDBOX_COOLDOWN_S="0")
        bot = BotProcess(tmp_path, env)
        # A first, short run trains and caches the teacher, so the next one is training
        # (not warming up) when the bot dies.
        stand_in.command(WARM_UP_USER, "/distill steps=50")
        _wait_for_messages(stand_in, WARM_UP_USER, 2, "the first run's picture")
        stand_in.command(USER, "/distill steps=3000")
        _wait_for_messages(stand_in, USER, 1, "the status message")
        wait_until(lambda: _statuses(url, USER) == ["running"], timeout=60, what="the run")
        workers = children_of(bot.pid)
        assert workers, "the sandbox worker should be running"
        bot.kill()
        for pid in workers:
            _wait_for_exit(pid)

        bot = BotProcess(tmp_path, env)
        notice = _wait_for_messages(stand_in, USER, 2, "the interruption notice")[-1]
        assert "interrupted" in notice and "steps=3000" in notice
        stand_in.command(USER, "/distill steps=50")
        status, picture = _wait_for_messages(stand_in, USER, 4, "the new run's picture")[2:]
        assert "queued" in status and "steps=50" in status
        assert "50 steps" in picture  # the caption of the curves
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()
    assert _statuses(url, USER) == ["interrupted", "done"]


def _wait_for_exit(pid: int) -> None:
    wait_until(lambda: not is_running(pid), timeout=20, what=f"worker process {pid} to end")


def _wait_for_messages(stand_in: StandIn, chat_id: int, count: int, what: str) -> list[str]:
    """The chat's messages once there are at least ``count`` of them."""

    def enough() -> list[str] | None:
        texts = stand_in.per_chat().get(chat_id, [])
        return texts if len(texts) >= count else None

    return wait_until(enough, timeout=120, what=what)


def _statuses(url: str, user_id: int) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            runs = session.exec(
                select(DistillRun).where(DistillRun.user_id == user_id).order_by(col(DistillRun.id))
            ).all()
            return [run.status for run in runs]
    finally:
        engine.dispose()
