"""The /distill queue policy, with fake jobs and a fake clock (no torch)."""

from __future__ import annotations

import asyncio

import pytest

from kd_sandbox.queue import (
    AlreadyRunning,
    GroupRateLimited,
    QueueFull,
    RunQueue,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GatedJob:
    """A job that runs until the test opens its gate, and records when it ran."""

    def __init__(self, log: list[str], name: str, fail: bool = False) -> None:
        self.gate = asyncio.Event()
        self.log, self.name, self.fail = log, name, fail

    async def __call__(self) -> str:
        self.log.append(f"start {self.name}")
        await self.gate.wait()
        self.log.append(f"end {self.name}")
        if self.fail:
            raise RuntimeError(f"{self.name} failed")
        return self.name


def _queue(clock: FakeClock, max_waiting: int = 3, group_runs_per_hour: int = 2) -> RunQueue:
    return RunQueue(
        max_waiting=max_waiting,
        cooldown_s=30.0,
        group_runs_per_hour=group_runs_per_hour,
        clock=clock,
    )


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_jobs_run_one_at_a_time_in_order_with_positions():
    log: list[str] = []
    queue = _queue(FakeClock())
    jobs = [GatedJob(log, name) for name in "abc"]
    tickets = [queue.submit(user, 1, False, job) for user, job in enumerate(jobs)]
    await _settle()
    assert [t.describe() for t in tickets] == ["running", "queued, 1 ahead", "queued, 2 ahead"]
    jobs[0].gate.set()
    assert await tickets[0] == "a"
    await _settle()
    assert tickets[1].describe() == "running" and tickets[2].ahead == 1
    jobs[1].gate.set()
    jobs[2].gate.set()
    assert [await t for t in tickets[1:]] == ["b", "c"]
    assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]


async def test_one_run_at_a_time_per_user():
    queue = _queue(FakeClock())
    running = GatedJob([], "first")
    queue.submit(7, 1, False, running)
    await _settle()
    with pytest.raises(AlreadyRunning):
        queue.submit(7, 2, False, GatedJob([], "second"))
    queue.submit(8, 1, False, GatedJob([], "other user"))
    with pytest.raises(AlreadyRunning):  # also while only waiting
        queue.submit(8, 1, False, GatedJob([], "again"))
    await queue.close()


async def test_a_run_within_the_cooldown_waits_for_it_then_starts():
    clock = FakeClock()
    queue = _queue(clock)
    log: list[str] = []
    job = GatedJob(log, "a")
    job.gate.set()
    await queue.submit(7, 1, False, job)
    clock.now += 10.4
    second = GatedJob(log, "b")
    ticket = queue.submit(7, 1, False, second)  # accepted, not refused
    await _settle()
    assert ticket.describe() == "starts in 20 s" and ticket.starts_in_s == 20  # 19.6, up
    other = GatedJob(log, "other")
    other_ticket = queue.submit(8, 1, False, other)
    await _settle()
    assert other_ticket.describe() == "running", "a cooling run does not hold up others"
    other.gate.set()
    await other_ticket
    clock.now += 19.5
    await _settle()
    assert ticket.describe() == "starts in 1 s", "never 'starts in 0 s' while it waits"
    clock.now += 0.2
    second.gate.set()
    assert await asyncio.wait_for(ticket.result(), timeout=2) == "b"
    assert log == ["start a", "end a", "start other", "end other", "start b", "end b"]


async def test_a_cooling_run_can_be_withdrawn_and_the_queue_stops_waiting():
    clock = FakeClock()
    queue = _queue(clock)
    job = GatedJob([], "a")
    job.gate.set()
    await queue.submit(7, 1, False, job)
    ticket = queue.submit(7, 1, False, GatedJob([], "b"))
    await _settle()
    assert ticket.cancel() is True
    assert queue.waiting == 0
    await queue.close()


async def test_queue_full_refuses_beyond_max_waiting():
    queue = _queue(FakeClock(), max_waiting=2)
    for user in range(3):  # one running + two waiting
        queue.submit(user, 1, False, GatedJob([], str(user)))
    await _settle()
    with pytest.raises(QueueFull):
        queue.submit(99, 1, False, GatedJob([], "late"))
    assert queue.waiting == 2
    await queue.close()


async def _group_with_two_runs(clock: FakeClock) -> RunQueue:
    """A queue allowing a group two runs an hour, after group -100 ran both."""
    queue = _queue(clock, group_runs_per_hour=2)
    for user in (1, 2):
        job = GatedJob([], str(user))
        job.gate.set()
        await queue.submit(user, -100, True, job)
    return queue


async def test_group_chat_gets_limited_runs_per_hour():
    clock = FakeClock()
    queue = await _group_with_two_runs(clock)
    clock.now += 60
    with pytest.raises(GroupRateLimited) as refused:
        queue.submit(3, -100, True, GatedJob([], "3"))
    assert refused.value.seconds_left == pytest.approx(3600 - 60)
    private = GatedJob([], "private")
    private.gate.set()
    assert await queue.submit(3, 3, False, private) == "private"  # private chats unaffected
    clock.now += 3600
    late = GatedJob([], "later")
    late.gate.set()
    assert await queue.submit(4, -100, True, late) == "later"


async def test_a_failing_job_reaches_its_ticket_and_the_queue_goes_on():
    queue = _queue(FakeClock())
    failing, next_job = GatedJob([], "bad", fail=True), GatedJob([], "good")
    first = queue.submit(1, 1, False, failing)
    second = queue.submit(2, 1, False, next_job)
    failing.gate.set()
    next_job.gate.set()
    with pytest.raises(RuntimeError, match="bad failed"):
        await first
    assert await second == "good"


async def test_a_waiting_ticket_can_be_withdrawn():
    queue = _queue(FakeClock())
    log: list[str] = []
    running, waiting = GatedJob(log, "a"), GatedJob(log, "b")
    first = queue.submit(1, 1, False, running)
    second = queue.submit(2, 1, False, waiting)
    await _settle()
    assert second.cancel() is True
    assert first.cancel() is False  # already running
    running.gate.set()
    await first
    await _settle()
    assert log == ["start a", "end a"]
    queue.submit(2, 1, False, GatedJob([], "b again"))  # withdrawn user may submit again
    await queue.close()


async def test_a_group_that_becomes_a_supergroup_keeps_its_hours_runs():
    """After 2 of 2 runs the group was refused; upgraded to a supergroup (a new chat id),
    it could start more at once."""
    clock = FakeClock()
    queue = await _group_with_two_runs(clock)
    queue.chat_moved(-100, -1001)
    with pytest.raises(GroupRateLimited):
        queue.submit(3, -1001, True, GatedJob([], "3"))
    clock.now += 3600
    late = GatedJob([], "later")
    late.gate.set()
    assert await queue.submit(4, -1001, True, late) == "later"
