"""Rough edges a newcomer hit: /next while paused (also as offered after Done), /distill
with spaces around "=", /today on a drop already done, and the Done button's words."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.storage.models import DistillRun
from bot.telegram.handlers.path import done_label
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import (
    done_button,
    drops_received,
    live_button,
    onboard,
    press_done,
    read_cards,
)

LEARNER = 7401


async def test_next_while_paused_says_so_and_offers_resume(harness: BotHarness) -> None:
    await onboard(harness, LEARNER, "07:00", "UTC")
    await harness.command(LEARNER, "/pause")
    refused = await harness.command(LEARNER, "/next")
    assert refused.text.startswith("Your drops are paused.")
    assert refused.buttons() == [{"text": "▶️ Resume", "callback_data": "resume"}]
    resumed = await harness.press(LEARNER, refused, "resume")
    assert resumed is not None and resumed.text.startswith("▶️ Resumed.")


async def said_after_done(harness: BotHarness) -> str:
    """Read the newest drop, press its Done; what the bot says next."""
    assert await read_cards(harness, LEARNER)
    call, data = done_button(harness.api, LEARNER) or (None, "")
    assert call is not None
    before = len(harness.api.calls)
    await harness.press(LEARNER, call, data)
    return (await harness.next_message(LEARNER, after=before)).text


async def test_done_offers_next_only_while_next_would_bring_it(harness: BotHarness) -> None:
    await onboard(harness, LEARNER, "07:00", "UTC")
    await harness.command(LEARNER, "/pause")
    assert await said_after_done(harness) == "Nice. Next drop: paused (send /resume to continue)."
    await harness.command(LEARNER, "/resume")
    await harness.command(LEARNER, "/next")
    await harness.api.wait_for(lambda _: drops_received(harness.api, LEARNER) == [1, 2])
    assert (await said_after_done(harness)).endswith("Eager? /next brings it now.")


async def test_distill_with_spaces_around_equals_names_the_spaces(harness: BotHarness) -> None:
    for typed, fixed in (("T = 2", "T=2"), ("T =2 alpha= 0.5", "T=2 alpha=0.5")):
        answer = await harness.command(LEARNER, f"/distill {typed}")
        assert "without spaces around =" in answer.text
        assert f"Try /distill {fixed}." in answer.text
    with Session(harness.services.engine) as session:
        assert session.exec(select(DistillRun)).all() == []


async def test_today_on_a_done_drop_shows_it_done(harness: BotHarness) -> None:
    await onboard(harness, LEARNER, "07:00", "UTC")
    assert await press_done(harness, LEARNER)
    # The drop's first quiz question comes first (on a busy machine, after a quiet spell).
    await harness.api.wait_for(lambda _: live_button(harness.api, LEARNER, "qa:"), timeout=15)
    shown = await harness.command(LEARNER, "/today")
    assert shown.text.startswith("Phase 1 ·")
    while page := [b for b in shown.buttons() if b["callback_data"].startswith("page:")]:
        following = await harness.press(LEARNER, shown, page[0]["callback_data"])
        assert following is not None
        shown = following
    assert [b["text"] for b in shown.buttons()] == ["▶️ Run it", "✅ Done"]
    assert shown.buttons()[1]["callback_data"] == "noop"


def test_the_done_button_says_what_comes_next() -> None:
    assert done_label("tomorrow 07:30, Europe/Berlin", finished=False) == (
        "✅ Done · next drop tomorrow 07:30"
    )
    assert (
        done_label("Wed 09 Dec 07:30, UTC", finished=False)
        == "✅ Done · next drop Wed 09 Dec 07:30"
    )
    assert done_label("paused (send /resume to continue)", finished=False) == "✅ Done"
    assert done_label("none — you've finished the path", finished=True) == (
        "✅ Done · path finished 🎓"
    )


async def test_an_edited_command_is_not_run_again(harness: BotHarness) -> None:
    # Fixing a typo in an old "/restart" or "/next" must not ask or deliver a second time.
    await onboard(harness, LEARNER, "07:00", "UTC")
    asked = await harness.command(LEARNER, "/restart")
    assert asked.text.startswith("Start the path over")
    before = len(harness.api.calls)
    for command in ("/restart", "/next", "/nosuchcommand"):
        harness.api.edit_text(LEARNER, command)
    await harness.settle()
    sent = [c for c in harness.api.calls[before:] if c.method == "sendMessage"]
    assert sent == []
