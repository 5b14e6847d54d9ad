"""What a learner walking the whole path reads: each promise about the next drop is one
the bot keeps (after a pause for quiet days, and on the last drop)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.harness import BotHarness, running_bot
from tests.e2e.journeys import (
    done_button,
    drops_received,
    live_button,
    onboard,
    press_done,
    read_cards,
)

LEARNER = 7801


async def test_resume_after_quiet_days_points_to_the_drop_still_waiting(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await onboard(harness, LEARNER, "09:00", "Europe/London")  # drop 1 comes, and stays unread
    for day in (6, 7, 8):  # three quiet days pause the drops
        harness.clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        await harness.tick()
    await harness.settle()
    found = live_button(harness.api, LEARNER, "resume")
    assert found is not None and "three quiet days" in found[0].text

    harness.clock.set(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))  # back, an hour before 09:00
    resumed = await harness.press(LEARNER, found[0], "resume")
    assert resumed is not None
    assert resumed.text == (
        "▶️ Resumed. Your drop is still waiting: Small models don't get smart from raw data"
        " — they get smart from teachers.\n"
        "Open it with /today — the next one comes once you've finished it."
    )
    harness.clock.set(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, LEARNER) == [1], "09:00 brings no new drop"


async def test_progress_on_the_last_drop_promises_no_next_drop(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await onboard(harness, LEARNER, "07:30", "Europe/Berlin")
    for number in range(2, 15):  # an eager learner: each drop done, the next one now
        assert await press_done(harness, LEARNER, wait_s=10)
        await harness.command(LEARNER, "/next")
        await harness.api.wait_for(
            lambda _, n=number: drops_received(harness.api, LEARNER)[-1:] == [n]
        )
    shown = await harness.command(LEARNER, "/progress")
    assert "📖 4.1 · 14 of 14" in shown.text
    assert "next drop: none — 4.1 is the last drop" in shown.text, shown.text.splitlines()[1]
    # A later time than today's: the confirmation gives no reason why the next drop is late.
    moved = await harness.command(LEARNER, "/settime 08:00")
    assert moved.text == (
        "✅ Next drop: none — 4.1 is the last drop. Change it any time with /settime or /timezone."
    )

    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # the next 07:30 in Berlin
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, LEARNER)[-1] == 14, "no drop comes after the last one"
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # 08:00, the new time: a reminder
    await harness.tick()
    reminder = await harness.api.wait_for(
        lambda _: (
            (sent := harness.api.sent("sendMessage", LEARNER))
            and "still waiting" in sent[-1].text
            and sent[-1].text
        )
    )
    assert "finishing it completes the path" in reminder, reminder


# Drop 1 came on Monday and is not done: Tuesday 07:30 brings drop 2 only if drop 1 is done
# by then; done later, drop 2 waits for the next 07:30 (Tuesday's brought a reminder).
WAITING = (
    "tomorrow 07:30, Europe/Berlin, if you've finished drop 1.1 by then, "
    "else the first 07:30 after you do"
)


async def test_a_private_chat_hears_that_the_next_drop_waits_for_the_current_one(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # Monday, 07:00 in Berlin
    await harness.command(LEARNER, "/settime 07:30")
    confirm = await harness.command(LEARNER, "/timezone Europe/Berlin")  # drop 1 comes now
    assert f"✅ Next drop: {WAITING}." in confirm.text, confirm.text
    await harness.settle()
    for command in ("/progress", "/start", "/settime 07:30"):
        shown = await harness.command(LEARNER, command)
        assert WAITING in shown.text, (command, shown.text)

    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # Tuesday 07:30: not done yet
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, LEARNER) == [1], "no drop 2 while drop 1 is not done"
    harness.clock.set(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))  # done Tuesday evening
    assert await press_done(harness, LEARNER)
    await harness.settle()
    shown = await harness.command(LEARNER, "/progress")
    assert "next drop: tomorrow 07:30, Europe/Berlin\n" in shown.text, shown.text
    harness.clock.set(datetime(2026, 3, 4, 6, 30, tzinfo=UTC))  # Wednesday 07:30: the first after
    await harness.tick()
    await harness.settle()
    assert drops_received(harness.api, LEARNER) == [1, 2]


async def test_a_group_hears_of_its_next_drop_with_no_condition(harness: BotHarness) -> None:
    group, admin = -7890, 7891
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    harness.api.admins[group] = {admin}
    harness.api.add_bot_to_group(group, admin)
    await harness.settle()
    confirm = await harness.command(admin, "/timezone Europe/Berlin", chat_id=group)
    assert "Next drop: tomorrow 08:00, Europe/Berlin. " in confirm.text, confirm.text
    await harness.settle()
    shown = await harness.command(admin, "/progress", chat_id=group)
    assert "Next drop: tomorrow 08:00, Europe/Berlin\n" in shown.text, shown.text


async def test_without_the_sandbox_a_drop_offers_its_run_offline_and_no_run_button(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, sandbox_enabled=False) as harness:
        await onboard(harness, LEARNER, "07:30", "Europe/Berlin")
        assert await read_cards(harness, LEARNER)
        found = done_button(harness.api, LEARNER)
        assert found is not None
        last = found[0]
        assert [b["text"] for b in last.buttons()] == ["✅ Done"]
        assert "▶️ Run it" not in last.text
        settings = harness.services.course.drop("1.1").try_settings
        assert f"🧪 Try it offline: distillbot distill {settings}".rstrip() in last.text


async def test_resume_pointing_at_the_waiting_drop_is_that_days_reminder(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await onboard(harness, LEARNER, "09:00", "Europe/London")  # drop 1 comes, and stays unread
    for day in (6, 7, 8):  # three quiet days pause the drops
        harness.clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        await harness.tick()
    await harness.settle()
    found = live_button(harness.api, LEARNER, "resume")
    assert found is not None
    harness.clock.set(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))  # back, an hour before 09:00
    before = len(harness.api.calls)
    await harness.press(LEARNER, found[0], "resume")
    harness.clock.set(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    await harness.tick()
    await harness.settle()
    later = harness.api.calls[before:]
    said = [c.text for c in later if c.ok and c.method == "sendMessage" and c.chat_id == LEARNER]
    waiting = [text for text in said if "Your drop is still waiting" in text]
    assert len(waiting) == 1, said


async def test_progress_before_a_schedule_says_how_to_set_one(harness: BotHarness) -> None:
    unscheduled = "next drop: not scheduled yet — send /start to set your time and get drop 1"
    shown = await harness.command(LEARNER, "/progress")  # before /start
    assert unscheduled in shown.text, shown.text.splitlines()[1]

    await onboard(harness, LEARNER, "07:30", "Europe/Berlin")
    ask = await harness.command(LEARNER, "/forget")
    await harness.press(LEARNER, ask, "forget:yes")
    assert "deleted" in (harness.api.message_for(ask).text or "")
    shown = await harness.command(LEARNER, "/progress")  # after /forget
    assert unscheduled in shown.text, shown.text.splitlines()[1]


async def test_progress_in_a_group_before_a_schedule_says_who_sets_one(
    harness: BotHarness,
) -> None:
    group, admin = -7892, 7893
    harness.api.admins[group] = {admin}
    harness.api.add_bot_to_group(group, admin)
    await harness.settle()
    shown = await harness.command(admin, "/progress", chat_id=group)
    assert (
        "Next drop: not scheduled yet — an administrator starts the course with "
        "/settime 09:00 or /timezone Europe/Berlin"
    ) in shown.text, shown.text.splitlines()[1]
