"""What a learner walking the whole path reads: each promise about the next drop is one
the bot keeps (after a pause for quiet days, and on the last drop)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.harness import BotHarness
from tests.e2e.journeys import drops_received, live_button, onboard, press_done

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
