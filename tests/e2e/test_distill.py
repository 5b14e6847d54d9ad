"""/distill through the real Application and the real worker process."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.services.distill import RUN_LEASE, record_run, update_run
from bot.storage.db import make_engine, session_scope
from bot.storage.kinds import RunStatus
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun
from bot.telegram.handlers.distill import check_run_leases
from kd_sandbox.spec import RunSpec
from kd_sandbox.worker import RunTimeout
from tests.botapi import FakeBotApi
from tests.botapi.server import StoredMessage
from tests.e2e.harness import BotHarness, FakeClock, running_bot

USER, OTHER = 9001, 9002
QUICK = "steps=60"


@pytest.fixture(scope="session")
def sandbox_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One teacher cache for the whole run: the digits teacher is trained once."""
    return tmp_path_factory.mktemp("sandbox-cache")


@pytest.fixture
async def distill_bot(tmp_path: Path, sandbox_cache: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, cache_dir=sandbox_cache, sandbox_timeout_s=240) as bot:
        yield bot


@pytest.fixture
async def timing_out(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A bot whose sandbox runs every run past its limit (as a busy or cold machine does)."""
    async with running_bot(tmp_path) as bot:

        async def run(
            spec: RunSpec,
            on_progress: Callable[[float], Awaitable[None]] | None = None,
            timeout_s: float = 60.0,
        ) -> object:
            raise RunTimeout(f"The run took longer than {timeout_s:g} s and was stopped.")

        bot.app.bot_data.distill.worker.run = run  # type: ignore[method-assign]
        yield bot


def photos(harness: BotHarness, chat_id: int) -> list:
    return harness.api.sent("sendPhoto", chat_id)


async def test_distill_answers_with_a_picture_and_a_caption(distill_bot: BotHarness) -> None:
    status = await distill_bot.command(USER, f"/distill {QUICK} T=2")
    assert "/distill" in status.text and ("queued" in status.text or "training" in status.text)
    photo = await distill_bot.api.wait_for(lambda _: photos(distill_bot, USER), timeout=200)
    call = photo[0]
    assert call.files["photo"].startswith(b"\x89PNG")
    assert "KD" in call.text or "teacher" in call.text.lower()
    assert len(call.text) <= 1024
    await distill_bot.api.wait_for(
        lambda _: (distill_bot.api.message_for(status).text or "").startswith("✅ Done")
    )
    with Session(distill_bot.services.engine) as session:
        run = session.exec(select(DistillRun)).one()
    assert run.status == "done" and run.metrics and "T=2" in run.settings


@pytest.mark.parametrize(
    ("settings", "named"),
    [("T=99", "T"), ("alpha=2", "alpha"), ("steps=ten", "steps"), ("wibble=3", "wibble"),
     ("mode=magic", "mode"), ("seed=99999999999999999999", "seed")],
)  # fmt: skip
async def test_bad_settings_name_the_setting_and_start_nothing(
    harness: BotHarness, settings: str, named: str
) -> None:
    reply = await harness.command(USER, f"/distill {settings}")
    assert named in reply.text and "/distill help" in reply.text
    with Session(harness.services.engine) as session:
        assert session.exec(select(DistillRun)).all() == []


async def test_help_is_short_and_a_modes_help_explains_its_settings(
    harness: BotHarness,
) -> None:
    # The overview fits a phone screen: each mode in a line and where to read more; a
    # mode's own help describes each setting it takes, with its default.
    reply = await harness.command(USER, "/distill help")
    for mode in ("compare", "temperature", "omit", "tokens", "traces", "preference", "onpolicy"):
        assert f"mode={mode} —" in reply.text
    assert "/distill help mode=" in reply.text
    assert len(reply.text) < 1000 and reply.text.count("\n") <= 12
    one_mode = await harness.command(USER, "/distill help mode=compare")
    for key in ("T", "alpha", "steps", "hidden", "per_class", "lr", "seed", "bug", "optimizer"):
        assert f"{key} —" in one_mode.text, key
    assert "divergence" not in one_mode.text  # what compare does not take is not offered


async def test_one_run_at_a_time_per_user_and_the_bot_keeps_answering(
    distill_bot: BotHarness,
) -> None:
    await distill_bot.command(USER, f"/distill {QUICK}")
    second = await distill_bot.command(USER, f"/distill {QUICK}")
    assert "already have a run" in second.text
    other = await distill_bot.command(OTHER, f"/distill {QUICK}")
    assert "queued, 1 ahead" in other.text
    help_reply = await distill_bot.command(OTHER, "/help")
    assert "/distill" in help_reply.text
    assert not photos(distill_bot, OTHER), "help should not wait for the run"
    await distill_bot.api.wait_for(lambda _: photos(distill_bot, OTHER), timeout=200)
    assert len(photos(distill_bot, USER)) == 1


async def test_a_run_of_another_live_instance_is_not_reported_until_its_lease_runs_out(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = FakeClock()
    with session_scope(engine) as session:
        peers_run = record_run(
            session, user_id=USER, chat_id=USER, settings="T=3", now=clock(), owner="other-host"
        )
        update_run(session, peers_run, status=RunStatus.RUNNING)
    engine.dispose()
    async with running_bot(tmp_path, clock=clock, instance_name="this-host") as harness:
        await harness.settle()
        assert not [c for c in harness.api.calls if "interrupted" in c.text], (
            "the other instance is still running it"
        )
        clock.advance(seconds=RUN_LEASE.total_seconds() + 1)  # the other one stopped renewing
        await check_run_leases(harness.app)
        note = await harness.api.wait_for(
            lambda calls: [c for c in calls if "interrupted" in c.text]
        )
        assert note[0].chat_id == USER and "T=3" in note[0].text
        with Session(harness.services.engine) as session:
            assert session.exec(select(DistillRun)).one().status == "interrupted"


async def test_a_run_interrupted_by_a_restart_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    engine = make_engine(url)
    status_id = 777  # the run's status message, as the stopped process left it
    with Session(engine) as session:
        session.add(DistillRun(user_id=USER, chat_id=USER, settings="T=2", status="running",
                               created_at=datetime(2026, 1, 1, tzinfo=UTC),
                               status_message_id=status_id))  # fmt: skip
        session.commit()
    engine.dispose()
    api = FakeBotApi()
    training = "🏃 /distill T=2: training…\n▰▰▰▱▱▱▱▱▱▱ 30%"
    api.messages[(USER, status_id)] = StoredMessage(USER, status_id, training, None, {
        "message_id": status_id, "chat": {"id": USER, "type": "private"}, "date": 0,
        "text": training,
    })  # fmt: skip
    await api.start()
    try:
        async with running_bot(tmp_path, api=api) as harness:
            note = await api.wait_for(
                lambda calls: [
                    c for c in calls if c.method == "sendMessage" and "interrupted" in c.text
                ]
            )
            assert note[0].chat_id == USER and "T=2" in note[0].text
            status = api.messages[(USER, status_id)].text or ""
            assert "training" not in status and "interrupted" in status
            with Session(harness.services.engine) as session:
                assert session.exec(select(DistillRun)).one().status == "interrupted"
            await asyncio.sleep(0)
    finally:
        await api.stop()


@pytest.mark.parametrize(
    ("settings", "estimate", "suggestion"),
    [
        ("mode=tokens steps=3000", "about 80 s", "/distill mode=tokens steps=1700"),
        (
            "mode=preference seed=3 steps=1000",
            "about 66 s",
            "/distill mode=preference steps=600 seed=3",
        ),
        ("mode=onpolicy steps=1000", "about 104 s", "/distill mode=onpolicy steps=400"),
        # Ran 101.6 s once accepted as "about 8 s": a wide student, at its default width.
        ("mode=tokens hidden=256 steps=100", "about 112 s", "/distill mode=tokens steps=100"),
    ],
)
async def test_a_run_that_cannot_finish_in_time_is_refused_up_front_with_a_shorter_one(
    harness: BotHarness, settings: str, estimate: str, suggestion: str
) -> None:
    reply = await harness.command(USER, f"/distill {settings}")
    assert f"{estimate}; the limit is 60 s: try {suggestion}." in reply.text
    with Session(harness.services.engine) as session:
        assert session.exec(select(DistillRun)).all() == []


async def test_a_run_within_the_cooldown_is_queued_and_starts_when_it_ends(
    tmp_path: Path, sandbox_cache: Path
) -> None:
    async with running_bot(
        tmp_path, cache_dir=sandbox_cache, sandbox_timeout_s=240, sandbox_cooldown_s=4
    ) as bot:
        await bot.command(USER, f"/distill {QUICK}")
        await bot.api.wait_for(lambda _: photos(bot, USER), timeout=200)
        second = await bot.command(USER, f"/distill {QUICK} T=2")
        assert "starts in 4 s" in second.text or "starts in 3 s" in second.text, second.text
        assert "wait" not in second.text
        await bot.api.wait_for(lambda _: len(photos(bot, USER)) == 2, timeout=200)
        await bot.api.wait_for(
            lambda _: (bot.api.message_for(second).text or "").startswith("✅ Done")
        )
        with Session(bot.services.engine) as session:
            statuses = [run.status for run in session.exec(select(DistillRun))]
        assert statuses == ["done", "done"]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("mode=temperature digit=7", "/distill mode=temperature digit=7"),
     ("steps=600", "/distill steps=300")],
)  # fmt: skip
async def test_a_timed_out_run_suggests_a_command_that_runs(
    timing_out: BotHarness, typed: str, suggested: str
) -> None:
    # mode=temperature reads no steps: halving them gave a command refused with "steps
    # does nothing in mode=temperature".
    status = await timing_out.command(USER, f"/distill {typed}")
    await timing_out.api.wait_for(
        lambda _: (timing_out.api.message_for(status).text or "").startswith("⏱")
    )
    advice = timing_out.api.message_for(status).text or ""
    found = re.search(r"Try (/distill[^\n]*?)\.?$", advice)
    assert found is not None and found.group(1) == suggested, advice
    await timing_out.settle(0.3)
    reply = await timing_out.command(USER, suggested)
    assert "does nothing in mode=" not in reply.text, (advice, reply.text)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("T=4", "/distill T=4:"), ("", "/distill default settings:")],
)
async def test_a_typed_setting_equal_to_the_default_is_echoed(
    timing_out: BotHarness, typed: str, shown: str
) -> None:
    """T=4 is the default temperature; a learner who typed it sees it, not "default
    settings" (a bare /distill still says default settings)."""
    status = await timing_out.command(USER, f"/distill {typed}".rstrip())
    assert status.text.startswith(f"⏳ {shown}"), status.text


async def test_a_run_interrupted_in_a_group_that_moved_meanwhile_is_reported_at_its_new_id(
    tmp_path: Path,
) -> None:
    """The group became a supergroup while the bot was down; the start tells the run's
    asker before it hears of the move. The notice went to the old id, was refused, and the
    run counted as told: nobody heard of it."""
    group, supergroup = -9100, -1000000009100
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(DistillRun(user_id=USER, chat_id=group, settings="T=2", status="running",
                               created_at=datetime(2026, 1, 1, tzinfo=UTC)))  # fmt: skip
        session.commit()
    engine.dispose()
    api = FakeBotApi()
    api.migrate_group(group, supergroup, announce=False)
    await api.start()
    try:
        async with running_bot(tmp_path, api=api):
            note = await api.wait_for(
                lambda calls: [
                    c
                    for c in calls
                    if c.method == "sendMessage" and c.chat_id == supergroup and "T=2" in c.text
                ]
            )
            assert "interrupted" in note[0].text
    finally:
        await api.stop()
