"""Daily delivery end to end: on time in every zone, across DST, never twice, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.storage.models import Chat, Delivery
from bot.telegram.views.parts import drop_cards
from drops.loader import get_course
from kd_sandbox.queue import GroupRateLimited
from tests.botapi import FakeBotApi
from tests.e2e.harness import BotHarness, FakeClock, running_bot
from tests.e2e.journeys import drops_received, local, onboard, press_done

LEARNERS = {3001: "Europe/Berlin", 3002: "America/New_York", 3003: "Asia/Kolkata"}


async def test_whole_path_in_three_zones_across_dst_with_a_restart(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    # 20 March 2026: Berlin changes to summer time on the 29th, in the middle of the path.
    clock = FakeClock(datetime(2026, 3, 20, 0, 0, tzinfo=UTC))
    received_at: dict[int, list[str]] = {user: [] for user in LEARNERS}
    try:
        async with running_bot(tmp_path, api=api, clock=clock) as harness:
            for user, zone in LEARNERS.items():
                await onboard(harness, user, "07:30", zone)
                await press_done(harness, user)
            await _walk(harness, days=7, received_at=received_at)
        # The bot restarts mid-path; a new process picks up from the database.
        async with running_bot(tmp_path, api=api, clock=clock) as harness:
            await _walk(harness, days=8, received_at=received_at)
    finally:
        await api.stop()
    for user in LEARNERS:
        assert drops_received(api, user) == list(range(1, 15)), user
        times = received_at[user]
        assert all(t.endswith("07:30") for t in times), (user, times)
        days = [t[:10] for t in times]
        assert len(days) == len(set(days)), "two drops on one local day"
    berlin = received_at[3001]
    assert "2026-03-29 07:30" in berlin  # the DST day, still at 07:30 local


async def _walk(harness: BotHarness, *, days: int, received_at: dict[int, list[str]]) -> None:
    """Half-hour ticks for ``days`` days; each learner reads (presses Done) what arrives."""
    for _ in range(days * 48):
        harness.clock.advance(minutes=30)
        before = {user: len(drops_received(harness.api, user)) for user in LEARNERS}
        result = await harness.tick()
        if not result.delivered:
            continue
        for user, zone in LEARNERS.items():
            if len(drops_received(harness.api, user)) > before[user]:
                received_at[user].append(local(harness.clock.now, zone))
                assert await press_done(harness, user)


async def test_restart_in_the_middle_of_a_fan_out_sends_each_drop_once(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    clock = FakeClock(datetime(2026, 5, 4, 5, 0, tzinfo=UTC))
    users = list(range(4001, 4031))
    try:
        async with running_bot(tmp_path, api=api, clock=clock, delivery_concurrency=1) as harness:
            for user in users:
                await onboard(harness, user, "08:00", "UTC")
                await press_done(harness, user)
            clock.set(datetime(2026, 5, 5, 8, 0, tzinfo=UTC))
            sends = 0
            tick = None

            def crash_after_fifteen(call: object) -> None:
                nonlocal sends
                sends += 1
                if sends == 15 and tick is not None:
                    tick.cancel()

            import asyncio

            api.on_sent = crash_after_fifteen
            tick = asyncio.ensure_future(harness.tick())
            with pytest.raises(asyncio.CancelledError):
                await tick
            api.on_sent = None
        partly = [u for u in users if drops_received(api, u) == [1]]
        assert partly, "the crash should leave some learners waiting"
        clock.advance(minutes=5)  # past the dead sender's lease
        async with running_bot(tmp_path, api=api, clock=clock) as harness:
            await harness.tick()
    finally:
        await api.stop()
    course = get_course()
    # The daily delivery is the drop's first card (the rest come on Continue ▸).
    parts = [p.text for p in drop_cards(course, course.drop("1.2"), path_round=1)[0]]
    for user in users:
        assert drops_received(api, user) == [1, 2], user
        texts = [c.text for c in api.sent(chat_id=user) if c.method in ("sendMessage", "sendPhoto")]
        assert [texts.count(part) for part in parts] == [1] * len(parts), user


async def test_unopened_drop_gets_one_reminder_then_a_pause(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, 5001, "07:00", "UTC")  # drop 1 now; not opened
    notes = []
    for _ in range(4):
        harness.clock.advance(days=1)
        before = len(harness.api.calls)
        await harness.tick()
        notes.append([c.text for c in harness.api.calls[before:] if c.ok])
    assert "still waiting" in notes[0][0]
    assert notes[1] == [] and notes[2][0].startswith("I've paused")
    assert notes[3] == []
    assert drops_received(harness.api, 5001) == [1]
    resume = harness.api.sent(chat_id=5001)[-1]
    await harness.press(5001, resume, "resume")
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, 5001)
        assert chat is not None and not chat.paused and chat.next_due_at is not None


async def test_a_drop_pulled_with_next_counts_as_that_days_delivery(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, 5002, "19:00", "UTC")  # drop 1 now
    await press_done(harness, 5002)
    harness.clock.set(datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    await harness.command(5002, "/next")  # drop 2 early, before today's 19:00
    await harness.settle(0.3)
    assert drops_received(harness.api, 5002) == [1, 2]
    notes = []
    for day in (2, 3, 4, 5):
        harness.clock.set(datetime(2026, 6, day, 19, 0, tzinfo=UTC))
        before = len(harness.api.calls)
        await harness.tick()
        notes.append([c.text for c in harness.api.calls[before:] if c.ok])
    # The day of the pull is not a quiet one: the reminder and the pause come a day later.
    assert notes[0] == []
    assert "still waiting" in notes[1][0]
    assert notes[2] == [] and notes[3][0].startswith("I've paused")


async def test_catch_up_after_downtime_sends_one_drop(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    clock = FakeClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    try:
        async with running_bot(tmp_path, api=api, clock=clock) as harness:
            await onboard(harness, 5101, "07:00", "UTC")
            await press_done(harness, 5101)
        clock.advance(days=3)  # the bot was down for three delivery times
        # The job's interval is an hour here: only its run at start-up can deliver.
        async with running_bot(tmp_path, api=api, clock=clock):
            await api.wait_for(lambda _: drops_received(api, 5101) == [1, 2])
        async with running_bot(tmp_path, api=api, clock=clock, delivery_check_seconds=0.1):
            await asyncio_sleep(0.5)  # many more job runs the same day: nothing more
    finally:
        await api.stop()
    assert drops_received(api, 5101) == [1, 2]


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_next_only_after_done_and_restart_with_confirmation(harness: BotHarness) -> None:
    await onboard(harness, 5201, "07:00", "UTC")
    refused = await harness.command(5201, "/next")
    assert "Finish the current drop first" in refused.text
    await press_done(harness, 5201)
    await harness.command(5201, "/next")
    await harness.settle(0.3)
    assert drops_received(harness.api, 5201) == [1, 2]
    ask = await harness.command(5201, "/restart")
    assert "Start the path over" in ask.text
    assert [b["text"] for b in ask.buttons()] == ["Yes, start over", "No, keep going"]
    await harness.press(5201, ask, ask.buttons()[0]["callback_data"])
    await harness.api.wait_for(lambda _: drops_received(harness.api, 5201) == [1, 2, 1])
    progress = await harness.command(5201, "/progress")
    assert "0 of 14 drops done" in progress.text and "Phase 4" in progress.text
    assert "📖 1.1 · 1 of 14 · " in progress.text and "▫️ 2.2 · 6 of 14 · " in progress.text


async def test_restart_without_a_schedule_says_how_drop_one_comes(harness: BotHarness) -> None:
    await harness.command(5202, "/start")  # no time or zone given
    ask = await harness.command(5202, "/restart")
    await harness.press(5202, ask, ask.buttons()[0]["callback_data"])
    await harness.settle()
    assert drops_received(harness.api, 5202) == []
    said = harness.api.message_for(ask).text or ""
    assert said == "🔄 Starting over. Send /start to set your time and zone; drop 1 comes then."


async def test_a_double_tap_on_restart_yes_starts_over_once(harness: BotHarness) -> None:
    await onboard(harness, 5203, "07:30", "UTC")
    ask = await harness.command(5203, "/restart")
    yes = ask.buttons()[0]["callback_data"]
    before = len(harness.api.calls)
    taps = {harness.api.press(5203, ask, yes), harness.api.press(5203, ask, yes)}
    await harness.api.wait_for(lambda _: not taps & harness.api.open_callback_queries)
    await harness.settle(0.5)
    assert drops_received(harness.api, 5203) == [1, 1]
    toasts = [
        c.params.get("text")
        for c in harness.api.calls[before:]
        if c.method == "answerCallbackQuery"
    ]
    assert "Already started over." in toasts
    with Session(harness.services.engine) as session:
        rounds = session.exec(select(Delivery.path_round).where(Delivery.chat_id == 5203)).all()
    assert sorted(rounds) == [1, 2]


async def test_blocked_learner_is_skipped_until_they_return(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    for user in (6001, 6002):
        await onboard(harness, user, "07:00", "UTC")
        await press_done(harness, user)
    harness.api.blocked.add(6001)
    harness.clock.advance(days=1)
    await harness.tick()
    assert drops_received(harness.api, 6002) == [1, 2]
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, 6001)
        assert chat is not None and not chat.active
    harness.api.blocked.discard(6001)
    harness.clock.advance(days=1)
    await harness.tick()
    assert drops_received(harness.api, 6001) == [1]  # still skipped
    await harness.command(6001, "/start")
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, 6001)
        assert chat is not None and chat.active


async def test_a_learner_back_after_blocking_gets_the_drop_they_missed(
    harness: BotHarness,
) -> None:
    """Drop 2 failed while the learner had blocked the bot: once they are back it comes,
    once, and the next delivery time reminds them of a drop they did get."""
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, 6001, "07:00", "UTC")
    assert await press_done(harness, 6001)
    await harness.settle()
    harness.api.blocked.add(6001)
    harness.clock.advance(days=1)
    await harness.tick()  # drop 2 fails: blocked
    harness.api.blocked.discard(6001)
    harness.clock.advance(hours=1)  # the learner unblocks the bot and writes again
    await harness.command(6001, "/start")
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, 6001) == [1, 2]
    harness.clock.advance(days=1)
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, 6001) == [1, 2]


async def test_a_learner_back_after_blocking_is_told_a_next_drop_still_ahead(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))  # Monday
    await onboard(harness, 6001, "07:00", "UTC")
    assert await press_done(harness, 6001)
    await harness.settle()
    harness.api.blocked.add(6001)
    harness.clock.advance(days=1)
    await harness.tick()  # Tuesday's drop 2 fails: blocked; the chat is skipped from now on
    harness.api.blocked.discard(6001)
    harness.clock.advance(days=3)  # Friday 07:30: the learner writes again
    await harness.tick()
    back = await harness.command(6001, "/start")
    progress = await harness.command(6001, "/progress")
    assert "Next drop: tomorrow 07:00, UTC" in back.text, back.text
    assert "Wed 03 Jun" not in progress.text, progress.text


async def test_flood_control_is_honoured_and_the_drop_still_arrives(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, 6101, "07:00", "UTC")
    await press_done(harness, 6101)
    harness.api.flood_once[6101] = 1
    harness.clock.advance(days=1)
    await harness.tick()
    refused = [c for c in harness.api.calls if c.error and "Too Many Requests" in c.error]
    assert refused
    assert drops_received(harness.api, 6101) == [1, 2]


GROUP, ADMIN, MEMBER = -700, 7001, 7002


async def test_group_admin_sets_the_schedule_and_a_member_cannot(harness: BotHarness) -> None:
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    hello = await harness.next_message(GROUP, after=0)
    assert "/settime" in hello.text
    refused = await harness.command(MEMBER, "/settime 09:00", chat_id=GROUP)
    assert "administrators" in refused.text
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, GROUP)
        assert chat is not None and chat.delivery_time is None
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await harness.api.wait_for(lambda _: drops_received(harness.api, GROUP) == [1])
    # Drop 1 arrives at once, followed by its quiz poll, like every daily drop in a group.
    await harness.api.wait_for(lambda _: harness.api.sent("sendPoll", GROUP))
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, GROUP)
        assert chat is not None and chat.delivery_time == "09:00" and chat.time_zone == "UTC"


async def test_restart_in_a_group_without_a_schedule_points_to_settime(
    harness: BotHarness,
) -> None:
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.next_message(GROUP, after=0)
    ask = await harness.command(ADMIN, "/restart", chat_id=GROUP)
    await harness.press(ADMIN, ask, ask.buttons()[0]["callback_data"])
    await harness.settle()
    assert drops_received(harness.api, GROUP) == []
    said = harness.api.message_for(ask).text or ""
    assert (
        said == "🔄 Starting over. Drop 1 comes once an administrator sets /settime or /timezone."
    )


async def group_on_drop_one(harness: BotHarness) -> None:
    """An administrator sets the group's time; drop 1 has reached the group."""
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    harness.api.admins[GROUP] = {ADMIN}
    await harness.command(ADMIN, "/settime 07:00", chat_id=GROUP)
    # Drop 1 goes out after the reply; moving the group before it landed would send it to
    # the new id too (a loaded machine once took longer than a 0.3 s quiet spell).
    await harness.api.wait_for(lambda _: drops_received(harness.api, GROUP) == [1])
    await harness.settle(0.3)


async def test_group_migrated_to_supergroup_gets_the_drop_at_its_new_id(
    harness: BotHarness,
) -> None:
    await group_on_drop_one(harness)
    new_id = -1000000000700
    harness.api.migrated[GROUP] = new_id
    harness.clock.advance(days=1)
    await harness.tick()
    assert drops_received(harness.api, new_id) == [2]
    with Session(harness.services.engine) as session:
        assert session.get(Chat, GROUP) is None
        moved = session.get(Chat, new_id)
        assert moved is not None and moved.delivery_time == "07:00"
        assert {d.chat_id for d in session.exec(select(Delivery))} == {new_id}


async def test_a_command_from_a_group_gone_supergroup_is_answered_at_its_new_id(
    harness: BotHarness,
) -> None:
    """The bot missed the upgrade's service messages; a member's /progress still names the
    old id. The reply goes to the new id, and the group's path and schedule follow it."""
    await group_on_drop_one(harness)
    new_id = -1000000000701
    harness.api.migrate_group(GROUP, new_id, announce=False)
    before = len(harness.api.calls)
    harness.api.send_text(MEMBER, "/progress", chat_id=GROUP)
    answer = await harness.next_message(new_id, after=before)
    assert "This group's path" in answer.text, answer.text
    with Session(harness.services.engine) as session:
        assert session.get(Chat, GROUP) is None
        moved = session.get(Chat, new_id)
        assert moved is not None and moved.delivery_time == "07:00"
        assert moved.current_drop_id == "1.1"


async def test_a_groups_distill_runs_of_the_hour_follow_it_when_a_reply_finds_it_moved(
    tmp_path: Path,
) -> None:
    """The bot missed the upgrade's service messages and learned of it from a reply's
    ChatMigrated: the stored chat moved but this process's count of the group's /distill
    runs this hour did not, so the supergroup could start the hour's runs afresh."""
    async with running_bot(
        tmp_path, sandbox_group_runs_per_hour=2, sandbox_cooldown_s=0
    ) as harness:
        queue = harness.app.bot_data.distill.queue
        gate = asyncio.Event()
        for user in (MEMBER, ADMIN):  # the group's two runs of the hour, still going
            queue.submit(user, GROUP, True, gate.wait)
        new_id = -1000000000702
        harness.api.migrate_group(GROUP, new_id, announce=False)
        before = len(harness.api.calls)
        harness.api.send_text(MEMBER, "/help", chat_id=GROUP)
        await harness.next_message(new_id, after=before)
        try:
            with pytest.raises(GroupRateLimited):
                queue.submit(MEMBER + 1, new_id, True, gate.wait)
        finally:
            gate.set()


@pytest.mark.parametrize(
    ("who", "typed", "answer"),
    [
        (MEMBER, "/help", "/progress"),
        (MEMBER, "/nosuchcommand", "I don't know that command"),
        (ADMIN, "/settime 08:00", "✅ Next drop: tomorrow 08:00"),
    ],
)
async def test_every_answer_to_a_group_gone_supergroup_comes_at_its_new_id(
    harness: BotHarness, who: int, typed: str, answer: str
) -> None:
    """The bot missed the upgrade's service messages: /help, an unknown command and the
    /settime confirmation are answered at the new id, as /progress is (none is lost)."""
    await group_on_drop_one(harness)
    new_id = -1000000000701
    harness.api.migrate_group(GROUP, new_id, announce=False)
    harness.api.admins[new_id] = {ADMIN}
    before = len(harness.api.calls)
    harness.api.send_text(who, typed, chat_id=GROUP)
    said = await harness.next_message(new_id, after=before)
    assert answer in said.text, said.text
    with Session(harness.services.engine) as session:
        assert session.get(Chat, GROUP) is None
        moved = session.get(Chat, new_id)
        assert moved is not None and moved.current_drop_id == "1.1"


async def test_one_scheduled_drop_per_local_day_even_with_many_ticks(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, 6201, "07:00", "UTC")
    await press_done(harness, 6201)
    for _ in range(12):
        harness.clock.advance(hours=2)
        await harness.tick()
        await press_done(harness, 6201)
    assert drops_received(harness.api, 6201) == [1, 2]
    assert harness.clock.now - datetime(2026, 6, 1, 7, 30, tzinfo=UTC) == timedelta(hours=24)
