"""Random callback data pressed under a real message: answered, handled, nothing changed.

Callback data comes from the client, so a modified client can send any 1–64 bytes under
any message it has. The examples mix raw bytes with every prefix our buttons use
followed by junk, huge numbers and other users' ids; data that one of our keyboards
really offers this learner (a time, a zone, "restart:yes", "forget:yes", ...) is left
out, since pressing it is meant to change things.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from bot.core import InputError, parse_delivery_time
from bot.services.quiz import preferences
from bot.telegram import buttons
from bot.telegram.handlers.onboarding import COMMON_ZONES
from tests.fuzz.hostile import E2E, huge_numbers, injections
from tests.fuzz.live_bot import LiveBot, live_bot
from tests.quiz.steps import answer, finish_drop, start_learner

USER = 6660101
VICTIM = 6660102  # has quiz questions and answers: their ids are fair game for forgers
MAX_DATA_BYTES = 64
PREFIXES = (
    "time:", "tz:", "done:", "done:1:", "restart:", "drop:", "faq:", "forget:", "plan:",
    "plan:1:", "plans:", "qa:", "qa:1:", "qu:", "st:", "st:cap=", "st:retention=",
    "st:with_drop=", "resume", "qr", "noop",
)  # fmt: skip
OFFERED_AS_IS = (
    buttons.FORGET.encode("yes"), buttons.RESTART.encode(buttons.RestartAnswer(1, True)),
    buttons.RESUME.encode(True), buttons.START_REVIEWS.encode(True),
)  # fmt: skip

suffix = st.one_of(
    st.text(max_size=40),
    huge_numbers,
    injections,
    st.integers(min_value=0, max_value=12).map(str),  # ids and indexes that exist
    st.sampled_from(["1.1", "1:1", "type", "yes", "no", "over", "resume", "1:output:label"]),
)
callback_data = st.one_of(
    st.binary(min_size=1, max_size=MAX_DATA_BYTES).map(lambda b: b.decode("utf-8", "replace")),
    st.builds(str.__add__, st.sampled_from(PREFIXES), suffix),
).filter(lambda data: 1 <= len(data.encode("utf-8")) <= MAX_DATA_BYTES)


def offered(data: str) -> bool:
    """Whether one of our keyboards offers ``data`` to this learner (or means the same)."""
    if data in OFFERED_AS_IS:
        return True
    if data.startswith("time:"):
        value = data.removeprefix("time:")
        try:
            return value == "type" or bool(parse_delivery_time(value))
        except InputError:
            return False
    if data.startswith("tz:"):
        value = data.removeprefix("tz:")
        return value == "type" or (value.isascii() and value.isdigit() and int(value) < 12)
    if buttons.DONE.decode(data) is not None:
        return True  # the learner's own Done button, in their own chat
    choice = buttons.SETTING.decode(data)
    if choice is not None:
        try:
            preferences.parse_settings(f"{choice.key}={choice.value}")
        except preferences.SettingsError:
            return False
        return True
    return False


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[LiveBot]:
    """USER has drop 1 (and presses); VICTIM has answered and open quiz questions."""
    with live_bot(tmp_path, sandbox_enabled=False) as running:
        harness = running.harness

        async def setup() -> None:
            await start_learner(harness, USER)
            await start_learner(harness, VICTIM)
            question = await finish_drop(harness, VICTIM)
            await answer(harness, VICTIM, question, right=True)

        running.call(setup())
        yield running


def a_message_of(bot: LiveBot, chat_id: int) -> int:
    """The id of the latest message the bot sent into the chat (what the press is under)."""
    sent = bot.harness.api.sent("sendMessage", chat_id)
    message_id = sent[-1].message_id
    assert message_id is not None
    return message_id


def test_zone_buttons_match_the_zone_list() -> None:
    assert len(COMMON_ZONES) == 12  # `offered` above knows tz:0 … tz:11


# Cases worth trying every run, besides what hypothesis draws: unicode digits that
# str.isdigit() accepts and int() refuses, repeated presses, other people's ids.
@example(data="tz:²")
@example(data="faq:²")
@example(data="restart:no:1")
@example(data="restart:yes:2")
@example(data="restart:maybe:1")
@example(data="drop:`x**")
@example(data="qa:1:0")
@example(data="qa:2:3")
@example(data="qu:1")
@example(data="plans:1")
@example(data="plan:1:over")
@example(data="forget:maybe")
@example(data="st:cap=²")
@example(data="st:retention=9999")
@example(data="time:25:00")
@E2E
@given(data=callback_data)
def test_random_callback_data_is_answered_and_changes_nothing(bot: LiveBot, data: str) -> None:
    assume(not offered(data))
    message_id = a_message_of(bot, USER)
    exchange = bot.call(bot.press(USER, data, chat_id=USER, message_id=message_id))
    exchange.assert_handled()
    answers = [c for c in exchange.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1
    assert exchange.replies(VICTIM) == []  # nothing reaches anyone else
    assert all(c.method != "sendDocument" for c in exchange.calls)  # no one's plan
    exchange.assert_unchanged()
