"""A Celery run's result reaches the bot when the worker stores it, not at the next poll."""

from __future__ import annotations

import asyncio
import base64

import pytest

from bot.services import distill_remote
from bot.services.distill_remote import CeleryRuns, FollowHooks, RemoteTicket
from kd_sandbox.celery_app import task_id

PNG = b"\x89PNG\r\n\x1a\n-the-loss-curves"
DONE = {
    "outcome": "done", "png": base64.b64encode(PNG).decode(), "caption": "KD wins",
    "metrics": {}, "wall_s": 1.0,
}  # fmt: skip


async def _nothing(*_: object) -> None:
    return None


async def _none_ahead() -> int:
    return 0


async def test_a_stored_result_is_read_at_once_without_waiting_for_a_poll(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distill_remote, "POLL_S", 600.0)  # only a state change can wake it
    runs = CeleryRuns(redis_url, soft_limit_s=30.0, queue_size=4)
    started: list[bool] = []
    fractions: list[float] = []

    async def on_start() -> None:
        started.append(True)

    async def on_progress(fraction: float) -> None:
        fractions.append(fraction)

    ticket = RemoteTicket(0)
    follower = asyncio.create_task(
        runs.follow(5, ticket, FollowHooks(on_start, on_progress, _none_ahead))
    )
    try:
        await asyncio.sleep(0.5)  # the follower has read "unknown" and waits
        store = runs.app.backend.store_result
        await asyncio.to_thread(store, task_id(5), {"fraction": 0.5}, "PROGRESS")
        await asyncio.sleep(0.5)
        await asyncio.to_thread(store, task_id(5), DONE, "SUCCESS")
        result = await asyncio.wait_for(asyncio.shield(ticket.result), timeout=20)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await runs.close()
    assert (started, fractions) == ([True], [0.5])
    assert (result.png, result.caption) == (PNG, "KD wins")


async def test_an_unreachable_listener_leaves_the_poll_to_find_the_result(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distill_remote, "POLL_S", 0.2)
    runs = CeleryRuns(redis_url, soft_limit_s=30.0, queue_size=4)
    runs.changes = distill_remote.TaskStateChanges("redis://127.0.0.1:1/0", "distill-run-")
    ticket = RemoteTicket(0)
    follower = asyncio.create_task(
        runs.follow(6, ticket, FollowHooks(_nothing, _nothing, _none_ahead))
    )
    try:
        await asyncio.to_thread(runs.app.backend.store_result, task_id(6), DONE, "SUCCESS")
        result = await asyncio.wait_for(asyncio.shield(ticket.result), timeout=20)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await runs.close()
    assert (result.png, result.caption) == (PNG, "KD wins")
