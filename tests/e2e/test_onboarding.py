"""Onboarding in a private chat: a time, a zone, a plain confirmation and drop 1 at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.storage.models import Chat, Delivery
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import onboard, read_cards

USER = 2001


def chat(harness: BotHarness, chat_id: int = USER) -> Chat:
    with Session(harness.services.engine) as session:
        row = session.get(Chat, chat_id)
        assert row is not None
        return row


async def test_buttons_then_drop_one_at_once(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    ask_time = await harness.command(USER, "/start")
    assert "time:07:30" in [b["callback_data"] for b in ask_time.buttons()]
    ask_zone = await harness.press(USER, ask_time, "time:07:30")
    assert ask_zone is not None and "time zone" in ask_zone.text
    berlin = next(b for b in ask_zone.buttons() if b["text"] == "Berlin")
    confirm = await harness.press(USER, ask_zone, berlin["callback_data"])
    assert confirm is not None
    assert confirm.text.startswith("✅ Next drop: tomorrow 07:30, Europe/Berlin")
    drop = await harness.api.wait_for(
        lambda calls: [c for c in calls if c.ok and "Drop 1.1 · 1 of 14" in c.text]
    )
    assert drop[0].chat_id == USER
    # Drop 1's first card; Continue ▸ brings the next, and the last carries Done.
    assert drop[0].buttons()[0]["callback_data"] == "more:1:1.1:2"
    assert await read_cards(harness, USER)
    row = chat(harness)
    assert (row.delivery_time, row.time_zone, row.current_drop_id) == (
        "07:30",
        "Europe/Berlin",
        "1.1",
    )


async def test_typed_time_and_zone(harness: BotHarness) -> None:
    await harness.command(USER, "/start")
    bad = await harness.command(USER, "25:99")
    assert "time" in bad.text.lower()
    assert chat(harness).delivery_time is None
    ask_zone = await harness.command(USER, "6:45 pm")
    assert "time zone" in ask_zone.text
    bad_zone = await harness.command(USER, "Mars/Olympus")
    assert chat(harness).time_zone is None and bad_zone.text
    confirm = await harness.command(USER, "asia/kolkata")
    assert "18:45, Asia/Kolkata" in confirm.text


@pytest.mark.parametrize(
    ("command", "question", "typed", "shown", "field"),
    [
        ("/settime", "When should your daily drop arrive?", "09:15", "09:15", "delivery_time"),
        ("/timezone", "Which time zone are you in?", "Tokyo", "Asia/Tokyo", "time_zone"),
    ],
)
async def test_settime_or_timezone_alone_asks_and_takes_what_is_typed_next(
    harness: BotHarness, command: str, question: str, typed: str, shown: str, field: str
) -> None:
    await onboard(harness, USER, "07:30", "UTC")
    ask = await harness.command(USER, command)
    assert ask.text.startswith(question)
    answer = await harness.command(USER, typed)
    assert shown in answer.text, answer.text
    assert getattr(chat(harness), field) == shown


@pytest.mark.parametrize(
    ("command", "field", "kept", "how_to_set"),
    [
        ("/settime", "delivery_time", "07:30", "/settime 07:45"),
        ("/timezone", "time_zone", "UTC", "/timezone Europe/Berlin"),
    ],
)
async def test_a_question_typed_instead_of_the_answer_ends_the_wait_for_a_time_or_zone(
    harness: BotHarness, command: str, field: str, kept: str, how_to_set: str
) -> None:
    await onboard(harness, USER, "07:30", "UTC")
    await harness.command(USER, command)  # asks, and the learner never answers
    harness.clock.advance(minutes=10)  # still waiting (long after, it is ordinary text)
    before = len(harness.api.calls)
    await harness.command(USER, "What does the temperature do to the teacher's softmax?")
    await harness.settle()
    said = [c.text for c in harness.api.calls[before:] if c.ok and c.method == "sendMessage"]
    assert not any("couldn't read" in text or "don't know" in text for text in said), said
    assert how_to_set in said[0], said
    assert "Drop 2.2" in said[1], said  # the question itself is answered as any other text
    again = await harness.command(USER, "What does the temperature do?")
    assert how_to_set not in again.text  # the wait is over
    assert getattr(chat(harness), field) == kept


async def _owe_a_zone_while_onboarding(harness: BotHarness) -> None:
    ask_time = await harness.command(USER, "/start")
    await harness.press(USER, ask_time, "time:07:30")  # asks for the zone next


async def _owe_a_zone(harness: BotHarness) -> None:
    await onboard(harness, USER, "07:30", "UTC")
    await harness.command(USER, "/timezone")


async def _owe_a_time(harness: BotHarness) -> None:
    await onboard(harness, USER, "07:30", "UTC")
    await harness.command(USER, "/settime")


async def _owe_a_typed_other_time(harness: BotHarness) -> None:
    await onboard(harness, USER, "07:30", "UTC")
    ask = await harness.command(USER, "/settime")
    await harness.press(USER, ask, "time:type")  # ⌨️ Type another time


OWING = {
    "zone while onboarding": (_owe_a_zone_while_onboarding, "thanks a lot", "/start begins"),
    "zone after /timezone": (_owe_a_zone, "thanks a lot", "/today shows your current drop"),
    "time after /settime": (_owe_a_time, "drop 2 was great", "/today shows your current drop"),
    "typed other time": (_owe_a_typed_other_time, "drop 2 was great", "/today shows"),
}


def schedule_of(row: Chat) -> tuple[str | None, str | None]:
    return row.delivery_time, row.time_zone


@pytest.mark.parametrize("owing", OWING.values(), ids=OWING.keys())
async def test_plain_text_long_after_a_time_or_zone_was_asked_for_gets_an_ordinary_reply(
    harness: BotHarness, owing: tuple[Any, str, str]
) -> None:
    owe, typed, ordinary = owing
    await owe(harness)
    before_wait = chat(harness)
    harness.clock.advance(hours=1, minutes=1)
    before = len(harness.api.calls)
    await harness.command(USER, typed)
    await harness.settle()
    said = [c.text for c in harness.api.calls[before:] if c.ok and c.method == "sendMessage"]
    assert len(said) == 1 and said[0].startswith("I answer commands"), said
    assert ordinary in said[0], said
    assert schedule_of(chat(harness)) == schedule_of(before_wait)


@pytest.mark.parametrize(
    ("typed", "command"), [("7:45", "/settime 07:45"), ("Tokyo", "/timezone Asia/Tokyo")]
)
async def test_a_clear_time_or_zone_long_after_onboarding_asked_gets_the_command_to_set_it(
    harness: BotHarness, typed: str, command: str
) -> None:
    """Onboarding left for hours, then the answer typed: it is no longer taken (the wait is
    over), but the reply says how to set it instead of "I answer commands"."""
    await _owe_a_zone_while_onboarding(harness)
    before_wait = chat(harness)
    harness.clock.advance(hours=3)
    hint = await harness.command(USER, typed)
    assert hint.text == f"To set that, send {command}.", hint.text
    assert schedule_of(chat(harness)) == schedule_of(before_wait)
    for number in ("2", "+3", "-1"):  # a bare number is not taken for 02:00 or UTC+3
        said = await harness.command(USER, number)
        assert said.text.startswith("I answer commands"), (number, said.text)


@pytest.mark.parametrize("owing", OWING.values(), ids=OWING.keys())
async def test_a_near_miss_within_the_hour_still_gets_its_correction(
    harness: BotHarness, owing: tuple[Any, str, str]
) -> None:
    owe, _, _ = owing
    await owe(harness)
    harness.clock.advance(minutes=59)
    near_miss = "Mars/Olympus" if owe in (_owe_a_zone, _owe_a_zone_while_onboarding) else "7:75"
    correction = await harness.command(USER, near_miss)
    assert "don't know that time zone" in correction.text or "Minutes go from" in correction.text


@pytest.mark.parametrize("owing", OWING.values(), ids=OWING.keys())
async def test_the_answer_the_correction_asks_for_is_taken_past_the_first_hour(
    harness: BotHarness, owing: tuple[Any, str, str]
) -> None:
    """A near miss 50 minutes after the question gets the correction ("Send a time like
    07:30 ..."); the answer typed 20 minutes later was refused as unasked ("To set that,
    send /settime 07:45."): the hour still ran from the first question."""
    owe, _, _ = owing
    await owe(harness)
    zone = owe in (_owe_a_zone, _owe_a_zone_while_onboarding)
    near_miss, answer = ("Mars/Olympus", "Tokyo") if zone else ("7:75", "7:45")
    harness.clock.advance(minutes=50)
    correction = await harness.command(USER, near_miss)
    assert "Send a " in correction.text, correction.text
    harness.clock.advance(minutes=20)
    reply = await harness.command(USER, answer)
    assert not reply.text.startswith("To set that"), reply.text
    if zone:
        assert chat(harness).time_zone == "Asia/Tokyo"
    else:
        assert chat(harness).delivery_time == "07:45"


async def test_help_between_the_question_and_a_typo_keeps_the_wait(harness: BotHarness) -> None:
    await harness.command(USER, "/start")
    await harness.command(USER, "/help")
    typo = await harness.command(USER, "7:75")
    assert "Minutes go from 00 to 59" in typo.text
    ask_zone = await harness.command(USER, "7:45")
    assert "time zone" in ask_zone.text
    assert chat(harness).delivery_time == "07:45"


async def test_shared_location_sets_the_zone(harness: BotHarness) -> None:
    await harness.command(USER, "/settime 08:00")
    before = len(harness.api.calls)
    harness.api.send_location(USER, 35.68, 139.69)  # Tokyo
    confirm = await harness.next_message(USER, after=before)
    assert "Asia/Tokyo" in confirm.text
    assert chat(harness).time_zone == "Asia/Tokyo"


async def test_bad_settime_changes_nothing(harness: BotHarness) -> None:
    await harness.command(USER, "/settime 07:30")
    await harness.command(USER, "/timezone Europe/Berlin")
    before = chat(harness)
    for text in ("/settime 99:99", "/settime '; DROP TABLE chats;--", "/timezone ../../etc/passwd",
                 "/settime " + "9" * 500, "/timezone XYZT"):  # fmt: skip
        reply = await harness.command(USER, text)
        assert reply.text
    after = chat(harness)
    assert (after.delivery_time, after.time_zone, after.next_due_at) == (
        before.delivery_time,
        before.time_zone,
        before.next_due_at,
    )


async def test_start_again_says_where_you_are(harness: BotHarness) -> None:
    await harness.command(USER, "/settime 07:30")
    await harness.command(USER, "/timezone UTC")
    await harness.settle(1.5)
    again = await harness.command(USER, "/start")
    assert "Welcome back" in again.text and "07:30, UTC" in again.text
    with Session(harness.services.engine) as session:
        assert len(session.exec(select(Delivery)).all()) == 1


async def test_the_zone_prompt_offers_a_share_location_button_that_sets_the_zone(
    harness: BotHarness,
) -> None:
    ask_zone = await harness.command(USER, "/settime 08:00")
    typed = await harness.press(USER, ask_zone, "tz:type")
    assert typed is not None
    keyboard = typed.params["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "📍 Share location", "request_location": True}]]
    before = len(harness.api.calls)
    harness.api.send_location(USER, 40.71, -74.01)  # Manhattan
    confirm = await harness.next_message(USER, after=before)
    assert "America/New_York" in confirm.text
    assert confirm.params["reply_markup"] == {"remove_keyboard": True}


@pytest.mark.parametrize(
    ("typed", "shown", "stored"),
    [("UTC-3", "UTC−03:00", "Etc/GMT+3"), ("NYC", "America/New_York", "America/New_York"),
     ("SF", "America/Los_Angeles", "America/Los_Angeles"), ("EST", "America/New_York",
     "America/New_York"), ("CEST", "Europe/Berlin", "Europe/Berlin")],
)  # fmt: skip
async def test_offsets_read_as_typed_and_short_names_resolve(
    harness: BotHarness, typed: str, shown: str, stored: str
) -> None:
    await harness.command(USER, "/settime 07:30:00")
    confirm = await harness.command(USER, f"/timezone {typed}")
    # Drop 1 comes at once and is not done yet: the next comes at 07:30 once it is.
    assert f"07:30, {shown}, if you've finished drop 1.1 by then," in confirm.text
    assert "Etc/" not in confirm.text
    assert (chat(harness).delivery_time, chat(harness).time_zone) == ("07:30", stored)


@pytest.mark.parametrize(
    ("new_time", "next_drop", "why"),
    [
        ("09:30", "Tue 03 Mar 09:30", "Today's drop has already come"),
        ("03:00", "Wed 04 Mar 03:00", "A drop day starts at 04:00"),
    ],
)
async def test_a_time_more_than_a_day_away_says_why(
    harness: BotHarness, new_time: str, next_drop: str, why: str
) -> None:
    harness.clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday, 09:00 in Berlin
    await harness.command(USER, "/settime 08:30")
    await harness.command(USER, "/timezone Europe/Berlin")  # drop 1 comes at once
    await harness.settle()
    confirm = await harness.command(USER, f"/settime {new_time}")
    assert next_drop in confirm.text or "tomorrow" in confirm.text, confirm.text
    assert why in confirm.text
    on_time = await harness.command(USER, "/settime 08:00")
    assert "tomorrow 08:00" in on_time.text and "already" not in on_time.text


async def test_onboarding_with_a_time_before_the_day_starts_says_why_drop_two_is_two_days_away(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # Monday, 10:00 in Berlin
    await harness.command(USER, "/settime 02:00")
    confirm = await harness.command(USER, "/timezone Europe/Berlin")  # drop 1 at once
    assert "Wed 04 Mar 02:00" in confirm.text, confirm.text
    assert "A drop day starts at 04:00" in confirm.text, confirm.text
