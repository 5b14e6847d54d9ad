"""Delivery journeys on both databases: SQLite and PostgreSQL (the ``database_url`` fixture).

A representative set of tests/e2e/test_delivery.py, run through the real Application on
each database: onboarding to drop 1, several days for three learners, a restart in the
middle of a fan-out, and blocked or migrated chats.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.storage.models import Chat, Delivery
from bot.telegram.delivery_job import TickResult
from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.fanout import count_fan_out, drop_openings, received_by, seed_due_chats
from tests.e2e.harness import BotHarness, FakeClock, running_bot
from tests.e2e.journeys import drops_received, onboard, press_done

LEARNERS = {3101: "Europe/Berlin", 3102: "America/New_York", 3103: "Asia/Kolkata"}


async def test_onboarding_sends_drop_one_at_once(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, database_url=database_url) as harness:
        await onboard(harness, 3001, "07:30", "Europe/Berlin")
        await harness.api.wait_for(lambda _: drops_received(harness.api, 3001) == [1])
        with Session(harness.services.engine) as session:
            chat = session.get(Chat, 3001)
            assert chat is not None and chat.time_zone == "Europe/Berlin"
            assert chat.delivery_time == "07:30" and chat.next_due_at is not None
            drops = session.exec(select(Delivery.drop_id).where(Delivery.chat_id == 3001)).all()
    assert drops == ["1.1"]


async def test_three_learners_get_one_drop_a_day_for_four_days(
    tmp_path: Path, database_url: str
) -> None:
    # 5 April, 20:00 UTC: before 4 am of 6 April in all three zones, so drop 1 counts for
    # the 5th and the next four local days each bring one drop.
    clock = FakeClock(datetime(2026, 4, 5, 20, 0, tzinfo=UTC))
    async with running_bot(tmp_path, clock=clock, database_url=database_url) as harness:
        for user, zone in LEARNERS.items():
            await onboard(harness, user, "07:30", zone)
            await press_done(harness, user)
        for _ in range(4 * 12):  # four days of two-hourly ticks
            clock.advance(hours=2)
            if (await harness.tick()).delivered:
                for user in LEARNERS:
                    await press_done(harness, user)
    for user in LEARNERS:
        assert drops_received(harness.api, user) == [1, 2, 3, 4, 5], user


async def test_restart_in_the_middle_of_a_fan_out_sends_each_part_once(
    tmp_path: Path, database_url: str
) -> None:
    api = FakeBotApi()
    await api.start()
    now = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
    clock = FakeClock(now)
    chats = list(range(4101, 4131))
    # Due a minute after the bot starts (drop 1.3: two messages each).
    seed_due_chats(database_url, chats, last_drop="1.2", now=now + timedelta(minutes=2))
    sends = 0
    tick: asyncio.Task[TickResult] | None = None

    def crash_after_fifteen(_call: ApiCall) -> None:
        nonlocal sends
        sends += 1
        if sends == 15 and tick is not None:
            tick.cancel()

    try:
        async with running_bot(
            tmp_path, api=api, clock=clock, database_url=database_url, delivery_concurrency=1
        ) as harness:
            clock.advance(minutes=2)
            api.on_sent = crash_after_fifteen
            tick = asyncio.ensure_future(harness.tick())
            with pytest.raises(asyncio.CancelledError):
                await tick
            api.on_sent = None
        halfway = count_fan_out(received_by(api), chats, drop_openings("1.3"))
        assert 0 < halfway.exactly_once < len(chats), halfway
        clock.advance(minutes=5)  # past the dead sender's lease
        async with running_bot(tmp_path, api=api, clock=clock, database_url=database_url) as again:
            await again.tick()
    finally:
        await api.stop()
    count = count_fan_out(received_by(api), chats, drop_openings("1.3"))
    assert count.with_a_duplicate == 0, count
    assert count.exactly_once == len(chats), count


GROUP, ADMIN = -800, 8001


async def test_blocked_learner_and_migrated_group(tmp_path: Path, database_url: str) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    async with running_bot(tmp_path, clock=clock, database_url=database_url) as harness:
        api = harness.api
        for user in (6101, 6102):
            await onboard(harness, user, "07:00", "UTC")
            await press_done(harness, user)
        api.admins[GROUP] = {ADMIN}
        await harness.command(ADMIN, "/settime 07:00", chat_id=GROUP)
        await api.wait_for(lambda _: drops_received(api, GROUP) == [1])
        await harness.settle()
        api.blocked.add(6101)
        new_group = -1000000000800
        api.migrated[GROUP] = new_group
        clock.advance(days=1)
        await harness.tick()
        assert drops_received(api, 6102) == [1, 2]
        assert drops_received(api, 6101) == [1]
        assert drops_received(api, new_group) == [2]
        with Session(harness.services.engine) as session:
            blocked = session.get(Chat, 6101)
            assert blocked is not None and not blocked.active
            assert session.get(Chat, GROUP) is None
            moved = session.get(Chat, new_group)
            assert moved is not None and moved.delivery_time == "07:00"
            group_drops = session.exec(
                select(Delivery.drop_id).where(col(Delivery.chat_id) == new_group)
            ).all()
        assert sorted(group_drops) == ["1.1", "1.2"]
        api.blocked.discard(6101)
        clock.advance(days=1)
        await harness.tick()
        assert drops_received(api, 6101) == [1], "a blocked chat waits until it comes back"


def the_groups_rows(engine: Engine, new_group: int) -> tuple[Chat | None, Chat | None]:
    with Session(engine) as session:
        return session.get(Chat, GROUP), session.get(Chat, new_group)


async def a_group_on_drop_two(harness: BotHarness) -> None:
    """The group set its time on day 1 (drop 1 at once) and got drop 2 on day 2."""
    api = harness.api
    api.admins[GROUP] = {ADMIN}
    await harness.command(ADMIN, "/settime 07:00", chat_id=GROUP)
    await api.wait_for(lambda _: drops_received(api, GROUP) == [1])
    await harness.settle()
    harness.clock.advance(days=1)
    await harness.tick()
    assert drops_received(api, GROUP) == [1, 2]


async def test_a_supergroup_set_up_before_the_bot_heard_of_the_move_goes_on_from_the_group(
    tmp_path: Path, database_url: str
) -> None:
    """An administrator typed /settime in the new supergroup before the bot heard that it
    was the group's: drop 1 went there. The move then clashed on drop 1's delivery, failed
    every time it was tried, and the supergroup started the path again from drop 1."""
    clock = FakeClock(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    async with running_bot(tmp_path, clock=clock, database_url=database_url) as harness:
        api = harness.api
        await a_group_on_drop_two(harness)
        new_group = -1000000000801
        api.migrate_group(GROUP, new_group, announce=False)
        api.admins[new_group] = {ADMIN}
        await harness.command(ADMIN, "/settime 07:00", chat_id=new_group)
        await api.wait_for(lambda _: drops_received(api, new_group) == [1])
        await harness.settle()
        api.migrate_group(GROUP, new_group)  # now the service messages come
        await harness.settle()
        clock.advance(days=1)
        await harness.tick()
        assert drops_received(api, new_group) == [1, 3]
        old, moved = the_groups_rows(harness.services.engine, new_group)
        assert old is None
        assert moved is not None and moved.current_drop_id == "1.3"


async def test_the_old_groups_late_notice_after_a_restart_keeps_the_supergroups_path(
    tmp_path: Path, database_url: str
) -> None:
    """The "migrated from" message in the supergroup came first and the group moved; the
    old group's "migrated to" message came after a restart. It made a blank row at the
    old id, and moving that one again wiped the supergroup's schedule and path: no drop
    came any more."""
    api = FakeBotApi()
    await api.start()
    clock = FakeClock(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    new_group = -1000000000802
    try:
        async with running_bot(
            tmp_path, api=api, clock=clock, database_url=database_url
        ) as harness:
            await a_group_on_drop_two(harness)
            api.migrate_group(GROUP, new_group, announce=False)
            api.migration_notice(GROUP, new_group, in_supergroup=True)
            await harness.settle()
            old, moved = the_groups_rows(harness.services.engine, new_group)
            assert old is None and moved is not None and moved.current_drop_id == "1.2"
        async with running_bot(
            tmp_path, api=api, clock=clock, database_url=database_url
        ) as harness:
            api.migration_notice(GROUP, new_group, in_supergroup=False)
            await harness.settle()
            clock.advance(days=1)
            await harness.tick()
            old, moved = the_groups_rows(harness.services.engine, new_group)
    finally:
        await api.stop()
    assert drops_received(api, new_group) == [3]
    assert old is None
    assert moved is not None and moved.delivery_time == "07:00"


async def test_a_fan_out_of_two_part_drops_meets_no_flood_control(
    tmp_path: Path, database_url: str
) -> None:
    """Each chat's second message comes a full interval after the first one *arrived*.

    Pacing from when a send started let a part that waited for the overall rate arrive
    late, the chat's next part caught up with it, and Telegram answered 429 (which kept
    the part in flight through the retry: a crash then lost it).
    """
    api = FakeBotApi(enforce_flood_limits=True)
    await api.start()
    now = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
    clock = FakeClock(now)
    chats = list(range(4201, 4231))
    seed_due_chats(database_url, chats, last_drop="1.2", now=now + timedelta(minutes=2))
    try:
        async with running_bot(
            tmp_path, api=api, clock=clock, database_url=database_url,
            private_chat_interval_s=1.0, overall_send_interval_s=0.04,
        ) as harness:  # fmt: skip
            clock.advance(minutes=2)
            await harness.tick()
    finally:
        await api.stop()
    assert [c.error for c in api.calls if c.error] == []
    count = count_fan_out(received_by(api), chats, drop_openings("1.3"))
    assert count.exactly_once == len(chats), count
