"""Helpers for multi-day journeys: onboard learners, read what they got, press Done."""

from __future__ import annotations

import re
from datetime import datetime

from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.harness import BotHarness

HEADER = re.compile(r"^Drop \d\.\d · (\d+) of 14 · ", re.MULTILINE)  # a drop's first card


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
    return live_button(api, chat_id, "done:")


def continue_button(api: FakeBotApi, chat_id: int) -> tuple[ApiCall, str] | None:
    """The newest message in the chat that still shows a Continue ▸ button (of a delivery)."""
    return live_button(api, chat_id, "more:")


def live_button(api: FakeBotApi, chat_id: int, prefix: str) -> tuple[ApiCall, str] | None:
    """The newest message in the chat with a ``prefix`` button, if it still shows it."""
    for call in reversed(api.sent(chat_id=chat_id)):
        for button in call.buttons():
            data = button.get("callback_data", "")
            if data.startswith(prefix):
                stored = api.messages.get((chat_id, call.message_id or 0))
                markup = stored.reply_markup if stored else None
                still = markup and any(
                    b.get("callback_data") == data for row in markup["inline_keyboard"] for b in row
                )
                return (call, data) if still else None
    return None


async def read_cards(harness: BotHarness, user: int, *, timeout: float = 10.0) -> bool:
    """Read a delivered drop to its end: press Continue ▸ until the card with Done is in."""
    api = harness.api
    for _ in range(12):
        try:
            kind, found = await api.wait_for(
                lambda _: (
                    ("done", done_button(api, user))
                    if done_button(api, user)
                    else ("more", continue_button(api, user))
                    if continue_button(api, user)
                    else None
                ),
                timeout=timeout,
            )
        except AssertionError:  # the stand-in's word for "timed out"
            return False
        if kind == "done":
            return True
        call, data = found
        await harness.press(user, call, data)
    return False


async def press_done(harness: BotHarness, user: int, *, wait_s: float = 0.0) -> bool:
    """Read the newest drop's cards, then press Done on the last one. With ``wait_s``, wait
    that long for a drop on its way; without, a chat with no drop waiting returns False."""
    api = harness.api
    if wait_s <= 0 and done_button(api, user) is None and continue_button(api, user) is None:
        return False
    if not await read_cards(harness, user, timeout=max(wait_s, 10.0)):
        return False
    found = done_button(harness.api, user)
    if found is None:
        return False
    call, data = found
    await harness.press(user, call, data)
    return True


def local(instant: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
