"""The warm child process: round trip, serialised runs, timeout, crash and failure."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from functools import partial
from types import SimpleNamespace

import pytest
import pytest_asyncio
import uvloop

from kd_sandbox import worker as worker_module
from kd_sandbox.spec import RunSpec, parse_settings
from kd_sandbox.teacher_config import QUICK_TEACHER
from kd_sandbox.worker import (
    RunFailed,
    RunOutOfMemory,
    RunTimeout,
    SandboxError,
    SandboxWorker,
    SetupTimeout,
    WorkerCrashed,
)
from tests.kd_sandbox.conftest import phone_sized
from tests.kd_sandbox.fake_child import (
    FAKE_CAPTION,
    garbled_child,
    paced_child,
    slow_writer_child,
)

in_module_loop = pytest.mark.asyncio(loop_scope="module")  # one worker for the module


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def worker(quick_cache):
    sandbox = SandboxWorker(quick_cache, torch_threads=1, teacher=QUICK_TEACHER)
    await sandbox.start()
    yield sandbox
    await sandbox.close()


def test_the_bot_process_never_imports_torch():
    code = (
        "import sys, kd_sandbox.worker, kd_sandbox.queue, kd_sandbox.spec, kd_sandbox.cli, "
        "kd_sandbox.protocol, kd_sandbox.result, kd_sandbox.srs_fit, kd_sandbox.teacher_config, "
        "kd_sandbox.celery_app, kd_sandbox.celery_worker; "
        "heavy = [m for m in ('torch', 'numpy', 'matplotlib', 'sklearn') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@in_module_loop
async def test_round_trip_returns_the_picture_and_reports_progress(worker):
    fractions: list[float] = []

    async def on_progress(fraction: float) -> None:
        fractions.append(fraction)

    result = await worker.run(parse_settings("steps=30"), on_progress, timeout_s=120)
    assert phone_sized(result.png)
    assert result.metrics["mode"] == "compare"
    # Stale reports are skipped while newer ones wait, so the last seen may be short of 1.
    assert fractions and fractions == sorted(fractions) and fractions[-1] >= 0.5


@in_module_loop
async def test_concurrent_runs_are_served_one_after_the_other(worker):
    events: list[str] = []

    def recorder(name: str):
        return lambda fraction: events.append(name)

    first = worker.run(parse_settings("steps=200"), recorder("a"), timeout_s=120)
    second = worker.run(parse_settings("steps=200 seed=1"), recorder("b"), timeout_s=120)
    results = await asyncio.gather(first, second)
    assert results[0].metrics != results[1].metrics
    assert events == sorted(events)  # every "a" before every "b": no interleaving


@in_module_loop
async def test_an_experiment_error_fails_the_run_but_not_the_worker(worker):
    pid = worker.child_pid
    impossible = RunSpec(per_class=500)  # more images per digit than the split has
    with pytest.raises(RunFailed) as failed:
        await worker.run(impossible, None, timeout_s=120)
    assert "ValueError" in failed.value.details
    result = await worker.run(parse_settings("mode=temperature"), None, timeout_s=120)
    assert phone_sized(result.png)
    assert worker.child_pid == pid


@in_module_loop
async def test_a_run_past_its_limit_is_stopped_and_the_next_run_works(worker):
    await worker.wait_ready()
    pid = worker.child_pid
    with pytest.raises(RunTimeout):
        await worker.run(parse_settings("steps=3000 bug=unfrozen_teacher"), None, timeout_s=0.5)
    assert worker.child_pid != pid
    result = await worker.run(parse_settings("steps=20"), None, timeout_s=120)
    assert phone_sized(result.png)


@in_module_loop
async def test_a_crashed_child_is_replaced_and_the_next_run_works(worker):
    await worker.wait_ready()
    pid = worker.child_pid
    assert pid is not None

    async def kill_soon() -> None:
        await asyncio.sleep(0.3)
        os.kill(pid, signal.SIGKILL)

    killer = asyncio.create_task(kill_soon())
    with pytest.raises(WorkerCrashed):
        await worker.run(parse_settings("steps=3000"), None, timeout_s=120)
    await killer
    result = await worker.run(parse_settings("steps=20"), None, timeout_s=120)
    assert phone_sized(result.png)
    assert worker.child_pid != pid


async def test_a_cancelled_run_stops_its_child_and_a_closed_worker_refuses(quick_cache):
    sandbox = SandboxWorker(quick_cache, teacher=QUICK_TEACHER)
    await sandbox.wait_ready()
    pid = sandbox.child_pid
    task = asyncio.create_task(sandbox.run(parse_settings("steps=3000"), None, timeout_s=120))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    result = await sandbox.run(parse_settings("steps=20"), None, timeout_s=120)
    assert phone_sized(result.png)
    assert sandbox.child_pid != pid
    await sandbox.close()
    with pytest.raises(SandboxError):
        await sandbox.run(parse_settings("steps=20"), None, timeout_s=120)


async def test_a_run_over_the_memory_cap_is_reported_as_out_of_memory(quick_cache):
    # A cap below what the warm child already holds: any allocation of the run fails.
    sandbox = SandboxWorker(quick_cache, teacher=QUICK_TEACHER, max_memory_mb=1)
    try:
        await sandbox.wait_ready()
        pid = sandbox.child_pid
        with pytest.raises(RunOutOfMemory, match=r"more memory than the sandbox allows \(1 MB\)"):
            await sandbox.run(parse_settings("steps=20"), None, timeout_s=120)
        assert sandbox.child_pid == pid  # the child survived and keeps serving
    finally:
        await sandbox.close()


def paced_worker(monkeypatch: pytest.MonkeyPatch, tmp_path, **pace: float) -> SandboxWorker:
    """A worker whose child is ``fake_child.paced_child`` at ``pace``."""
    monkeypatch.setattr(worker_module, "child", SimpleNamespace(main=partial(paced_child, **pace)))
    return SandboxWorker(tmp_path)


@pytest.mark.parametrize("pace", ["warm_up_s", "teacher_training_s"])
async def test_a_slow_warm_up_or_teacher_training_does_not_time_the_run_out(
    monkeypatch, tmp_path, pace
):
    # A cold cache on a busy machine: getting ready outlasts the run's limit, the run
    # itself does not. Timing it out would also kill the teacher's training, so every
    # later run would train it again and time out again.
    sandbox = paced_worker(monkeypatch, tmp_path, **{pace: 2.0})
    try:
        result = await sandbox.run(parse_settings("mode=tokens"), None, timeout_s=1.0)
        assert result.caption == FAKE_CAPTION
    finally:
        await sandbox.close()


async def test_the_limit_still_stops_a_run_whose_students_train_too_long(monkeypatch, tmp_path):
    sandbox = paced_worker(monkeypatch, tmp_path, students_s=30.0)
    try:
        with pytest.raises(RunTimeout, match="longer than 1 s"):
            await sandbox.run(parse_settings("mode=tokens"), None, timeout_s=1.0)
    finally:
        await sandbox.close()


async def test_a_child_that_never_gets_ready_is_replaced_and_said_so(monkeypatch, tmp_path):
    monkeypatch.setattr(worker_module, "SETUP_LIMIT_S", 1.0)
    sandbox = paced_worker(monkeypatch, tmp_path, warm_up_s=30.0)
    try:
        pid = sandbox.child_pid
        with pytest.raises(SetupTimeout, match="longer than 1 s to get ready"):
            await sandbox.run(parse_settings("mode=tokens"), None, timeout_s=60.0)
        assert sandbox.child_pid not in (None, pid)
    finally:
        await sandbox.close()


def test_a_picture_that_arrives_in_pieces_is_read_whole_under_the_bots_event_loop(
    monkeypatch, tmp_path
):
    # The bot runs on uvloop, which makes a descriptor it watches non-blocking: a result
    # bigger than the pipe holds, read while the child was still writing it, was taken
    # for the child's death ("💥 The sandbox crashed") on a busy machine.
    pace = {"picture_bytes": 1_000_000, "pause_s": 0.5}
    monkeypatch.setattr(
        worker_module, "child", SimpleNamespace(main=partial(slow_writer_child, **pace))
    )

    async def one_run() -> bytes:
        sandbox = SandboxWorker(tmp_path)
        try:
            result = await sandbox.run(parse_settings("steps=20"), None, timeout_s=30)
        finally:
            await sandbox.close()
        return result.png

    assert len(uvloop.run(one_run())) == pace["picture_bytes"]


async def test_a_teacher_that_trains_past_the_setup_limit_while_reporting_is_not_killed(
    monkeypatch, tmp_path
):
    # Killing a training that still makes progress would throw it away, and the retry
    # the learner is told to send would train from scratch and be killed again.
    monkeypatch.setattr(worker_module, "SETUP_LIMIT_S", 1.0)
    sandbox = paced_worker(monkeypatch, tmp_path, teacher_training_s=3.0, progress_every_s=0.3)
    try:
        result = await sandbox.run(parse_settings("mode=tokens"), None, timeout_s=5.0)
        assert result.caption == FAKE_CAPTION
    finally:
        await sandbox.close()


async def test_a_child_that_sends_what_cannot_be_read_counts_as_crashed(monkeypatch, tmp_path):
    monkeypatch.setattr(worker_module, "SETUP_LIMIT_S", 20.0)
    monkeypatch.setattr(worker_module, "child", SimpleNamespace(main=garbled_child))
    sandbox = SandboxWorker(tmp_path)
    try:
        with pytest.raises(WorkerCrashed) as crashed:
            await sandbox.run(parse_settings("steps=20"), None, timeout_s=20.0)
        assert type(crashed.value) is WorkerCrashed  # not left to time out
    finally:
        await sandbox.close()
