"""Helpers for multi-day journeys: onboard learners, read what they got, press Done."""

from __future__ import annotations

import re
from datetime import datetime

from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.harness import BotHarness

HEADER = re.compile(r"Drop (\d+) of 14")


async def onboard(harness: BotHarness, user: int, at: str, zone: str) -> None:
    await harness.command(user, f"/settime {at}")
    await harness.command(user, f"/timezone {zone}")
    await harness.settle(0.2)


def drops_received(api: FakeBotApi, chat_id: int) -> list[int]:
    """Drop numbers in the order their first message reached the chat."""
    numbers = []
    for call in api.sent(chat_id=chat_id):
        match = HEADER.search(call.text)
        if match and call.method == "sendMessage":
            numbers.append(int(match.group(1)))
    return numbers


def done_button(api: FakeBotApi, chat_id: int) -> tuple[ApiCall, str] | None:
    """The newest message in the chat that still shows a Done button."""
    for call in reversed(api.sent(chat_id=chat_id)):
        for button in call.buttons():
            data = button.get("callback_data", "")
            if data.startswith("done:"):
                stored = api.messages.get((chat_id, call.message_id or 0))
                markup = stored.reply_markup if stored else None
                still = markup and any(
                    b.get("callback_data") == data for row in markup["inline_keyboard"] for b in row
                )
                return (call, data) if still else None
    return None


async def press_done(harness: BotHarness, user: int, *, wait_s: float = 0.0) -> bool:
    """Press the newest Done button; with ``wait_s``, wait that long for the drop's last
    part (which carries it) to arrive. False when there is none."""
    found = done_button(harness.api, user)
    if found is None and wait_s > 0:
        try:
            found = await harness.api.wait_for(
                lambda _: done_button(harness.api, user), timeout=wait_s
            )
        except AssertionError:  # the stand-in's word for "timed out"
            return False
    if found is None:
        return False
    call, data = found
    await harness.press(user, call, data)
    return True


def local(instant: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
