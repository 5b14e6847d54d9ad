"""Two bot instances on one database and one Bot API: every drop goes out exactly once.

Each instance is a real Application with its own engine; they share the stand-in, the
database and the clock. Runs on SQLite (BEGIN IMMEDIATE) and PostgreSQL (SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot.storage.db import make_engine
from bot.storage.models import Delivery
from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.fanout import count_fan_out, drop_openings, received_by, seed_due_chats
from tests.e2e.harness import FakeClock, running_bot

CHATS = list(range(50_001, 50_101))
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NEXT_DROP = "1.3"  # two messages: a crash or a takeover can fall between them


async def test_two_instances_ticking_together_send_each_drop_once(
    tmp_path: Path, database_url: str
) -> None:
    api = FakeBotApi()
    await api.start()
    clock = FakeClock(NOW)
    try:
        async with (
            running_bot(
                tmp_path / "a", api=api, clock=clock, database_url=database_url, instance_name="a"
            ) as first,
            running_bot(
                tmp_path / "b", api=api, clock=clock, database_url=database_url, instance_name="b"
            ) as second,
        ):
            seed_due_chats(database_url, CHATS, last_drop="1.2", now=NOW)
            delivered = 0
            for _ in range(4):
                results = await asyncio.gather(first.tick(), second.tick())
                delivered += sum(result.delivered for result in results)
                clock.advance(seconds=30)
    finally:
        await api.stop()
    count = count_fan_out(received_by(api), CHATS, drop_openings(NEXT_DROP))
    assert count.exactly_once == len(CHATS), count
    assert delivered == len(CHATS)
    _assert_every_delivery_finished(database_url)


async def test_an_instance_taking_over_an_expired_lease_sends_no_part_twice(
    tmp_path: Path, database_url: str
) -> None:
    """The first instance is slow; its leases run out mid fan-out and the second takes over.

    The first keeps sending what it still holds in memory: without fencing (each write
    checks that the lease is still the one it was given) learners got parts twice.
    """
    api = FakeBotApi()
    await api.start()
    clock = FakeClock(NOW)
    lease_s = 60.0
    sends = 0
    lease_ran_out = asyncio.Event()

    def run_out_the_lease_after_forty_sends(_call: ApiCall) -> None:
        nonlocal sends
        sends += 1
        if sends == 40:
            clock.advance(seconds=lease_s + 1)
            lease_ran_out.set()

    try:
        async with (
            running_bot(
                tmp_path / "a", api=api, clock=clock, database_url=database_url,
                delivery_lease_s=lease_s, delivery_concurrency=4, instance_name="a",
            ) as slow,
            running_bot(
                tmp_path / "b", api=api, clock=clock, database_url=database_url,
                delivery_lease_s=lease_s, instance_name="b",
            ) as other,
        ):  # fmt: skip
            seed_due_chats(database_url, CHATS, last_drop="1.2", now=NOW)
            api.on_sent = run_out_the_lease_after_forty_sends
            slow_tick = asyncio.ensure_future(slow.tick())
            await asyncio.wait_for(lease_ran_out.wait(), timeout=30)
            taken_over = await other.tick()
            await asyncio.wait_for(slow_tick, timeout=60)
            api.on_sent = None
    finally:
        await api.stop()
    assert taken_over.delivered > 0, "the second instance should have taken work over"
    count = count_fan_out(received_by(api), CHATS, drop_openings(NEXT_DROP))
    assert count.with_a_duplicate == 0, count
    # The part each stolen delivery had in flight counts as sent (no answer had come back
    # yet when the lease ran out), so at most the slow instance's four in flight are short.
    assert count.missing_parts <= 4, count
    _assert_every_delivery_finished(database_url)


def _assert_every_delivery_finished(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            unfinished = session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.status).not_in(("sent", "reading")))  # reading: card 1 out
            ).one()
    finally:
        engine.dispose()
    assert unfinished == 0
