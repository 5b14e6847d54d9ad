"""A /distill run while a new bot of the same INSTANCE_NAME starts: told "interrupted" only
when the bot that trains it is gone.

A rolling deploy starts the new bot while the old one, under the same name, still trains a
run: the old one sends its picture, so the new one must not tell the asker it was
interrupted. A killed bot's run is still reported at its next start, at once.

The old bot is a real ``python -m bot run``; its sandbox worker is held stopped (SIGSTOP)
while the new one starts, so its run is still training then whatever the machine's speed.
The new one runs here on the same database, with a clock that stays within the old one's
lease (so "at once" is not the lease running out).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.models import DistillRun
from tests.botapi import ApiCall
from tests.e2e.harness import FakeClock, running_bot
from tests.processes import BotProcess, StandIn, children_of, crash_bot_env, wait_until

NAME = "bot-a"
USER = 9_301
SETTINGS = "steps=60"


@contextmanager
def _training(tmp_path: Path, url: str) -> Iterator[tuple[StandIn, BotProcess, list[int]]]:
    """A bot named ``NAME`` whose run for ``USER`` is recorded as training, its sandbox
    worker (and any other child) stopped: given are its stand-in, the bot and the stopped
    children. Everything it started is killed when the block ends."""
    stand_in = StandIn()
    bot: BotProcess | None = None
    stopped: list[int] = []
    try:
        env = crash_bot_env(stand_in, url, tmp_path, INSTANCE_NAME=NAME, SANDBOX_ENABLED="true",
                            SANDBOX_WARM_AT_START="true", SANDBOX_TIMEOUT_S="300")  # fmt: skip
        bot = BotProcess(tmp_path, env)
        stopped = wait_until(lambda: children_of(bot.pid), timeout=60, what="the sandbox worker")
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        stand_in.command(USER, f"/distill {SETTINGS}")
        wait_until(lambda: _statuses(url) == ["running"], timeout=60, what="the run to start")
        yield stand_in, bot, stopped
    finally:
        for pid in stopped:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if bot is not None:
            bot.kill()
        stand_in.stop()


def _notices(calls: list[ApiCall]) -> list[str]:
    return [
        call.text
        for call in calls
        if call.ok and call.chat_id == USER and "interrupted" in call.text
    ]  # fmt: skip


async def test_a_bot_started_while_its_predecessor_trains_a_run_leaves_it_to_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with _training(tmp_path, url) as (old, _, stopped):
        clock = FakeClock(datetime.now(UTC))  # within the old bot's lease: it renews it
        async with running_bot(tmp_path, clock=clock, instance_name=NAME) as harness:
            await harness.app.bot_data.askers_told
            told_by_the_new_one = _notices(harness.api.calls)
            status_at_its_start = _statuses(url)
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        texts = wait_until(lambda: _two_messages(old), timeout=180, what="the old bot's picture")
    assert told_by_the_new_one == [], "the old bot still trained the run"
    assert status_at_its_start == ["running"]
    assert "60 steps" in texts[1]  # the caption of the curves
    assert not [text for text in texts if "interrupted" in text], texts
    assert _statuses(url) == ["done"]


async def test_a_killed_bots_run_is_reported_at_once_by_its_next_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with _training(tmp_path, url) as (_, bot, _):
        bot.kill()
    clock = FakeClock(_lease_until(url) - timedelta(seconds=1))  # its lease has not run out
    async with running_bot(tmp_path, clock=clock, instance_name=NAME) as harness:
        await harness.app.bot_data.askers_told
        told = _notices(harness.api.calls)
    assert len(told) == 1 and SETTINGS in told[0], told
    assert _statuses(url) == ["interrupted"]


def _two_messages(stand_in: StandIn) -> list[str] | None:
    """The asker's messages once there are two: the run's status, then its picture."""
    texts = stand_in.per_chat().get(USER, [])
    return texts if len(texts) >= 2 else None


def _statuses(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return [run.status for run in session.exec(select(DistillRun))]
    finally:
        engine.dispose()


def _lease_until(url: str) -> datetime:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            lease_until = session.exec(select(DistillRun)).one().lease_until
    finally:
        engine.dispose()
    assert lease_until is not None
    return lease_until
