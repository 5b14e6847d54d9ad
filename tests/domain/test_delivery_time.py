"""Reading delivery times the way learners type them."""

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import InputError, could_be_a_time, parse_delivery_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("07:30:00", time(7, 30)),  # as a phone's clock app copies it
        ("19:05:59", time(19, 5)),
        ("  07:30  ", time(7, 30)),
        ("0730", time(7, 30)),
        ("730", time(7, 30)),
        ("19.30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("19h", time(19, 0)),
        ("7 30", time(7, 30)),
        ("19", time(19, 0)),
        ("0", time(0, 0)),
        ("23:59", time(23, 59)),
        ("00:00", time(0, 0)),
        ("7am", time(7, 0)),
        ("7 AM", time(7, 0)),
        ("7 pm", time(19, 0)),
        ("7:30 pm", time(19, 30)),
        ("7.30 p.m.", time(19, 30)),
        ("7 a.m", time(7, 0)),
        ("730pm", time(19, 30)),
        ("12am", time(0, 0)),
        ("12:15 am", time(0, 15)),
        ("12pm", time(12, 0)),
        ("12:45 PM", time(12, 45)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
        ("７：３０", time(7, 30)),  # full-width, as some phone keyboards send
    ],
)
def test_accepts_common_spellings(text: str, expected: time) -> None:
    assert parse_delivery_time(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("24:00", "00:00 to 23:59"),
        ("25", "00:00 to 23:59"),
        ("7:60", "Minutes go from 00 to 59"),
        ("13pm", "from 1 to 12"),
        ("0am", "from 1 to 12"),
        ("7:5", "couldn't read"),
        ("12345", "couldn't read"),
        ("seven", "couldn't read"),
        ("", "couldn't read"),
        ("7:30:60", "Seconds go from 00 to 59"),
        ("7:30:0", "couldn't read"),
        ("-7:30", "couldn't read"),
        ("٧:٣٠", "couldn't read"),  # Arabic-Indic digits: int() would read them, we do not
        ("7:30" + " " * 100, "couldn't read"),
    ],
)
def test_rejects_with_a_message_that_says_what_works(text: str, hint: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_delivery_time(text)
    assert hint in caught.value.user_message
    assert "07:30" in caught.value.user_message


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_every_clock_time_round_trips_in_24_and_12_hour_form(clock: time) -> None:
    twelve_hour = (clock.hour + 11) % 12 + 1
    meridiem = "pm" if clock.hour >= 12 else "am"
    assert parse_delivery_time(f"{clock:%H:%M}") == clock
    assert parse_delivery_time(f"{twelve_hour}:{clock.minute:02d} {meridiem}") == clock


@given(st.text(max_size=40))
def test_any_text_either_parses_or_raises_input_error(text: str) -> None:
    try:
        result = parse_delivery_time(text)
    except InputError as error:
        assert error.user_message
    else:
        assert result.second == 0


@pytest.mark.parametrize("text", ["7:30", "noon", "7:75", "25:99", "at 7", "seven pm", "7.45h"])
def test_a_time_or_a_near_miss_is_meant_as_a_time(text: str) -> None:
    assert could_be_a_time(text)


@pytest.mark.parametrize(
    "text", ["hi", "thanks!", "What is dark knowledge?", "what does T=4 do to the softmax?"]
)
def test_a_greeting_or_a_question_is_not_meant_as_a_time(text: str) -> None:
    assert not could_be_a_time(text)
