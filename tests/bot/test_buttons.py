"""Every button codec: values survive a round trip within 64 bytes; forged data is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram import buttons
from bot.telegram.buttons import MAX_CALLBACK_BYTES, ButtonCodec

ids = st.integers(min_value=0, max_value=10**12 - 1)
drop_ids = st.from_regex(r"[0-9]\.[0-9]", fullmatch=True)
plan_values = st.from_regex(r"[A-Za-z0-9_.-]{1,16}", fullmatch=True)

VALUES: dict[str, st.SearchStrategy[Any]] = {
    "noop": st.just(True),
    "resume": st.just(True),
    "qr": st.just(True),
    "restart": st.builds(buttons.RestartAnswer, st.integers(0, 999_999), st.booleans()),
    "forget": st.sampled_from(["yes", "no"]),
    "gr": st.sampled_from(["anyone", "admins"]),
    "done": st.builds(buttons.DropDone, st.integers(0, 999_999), drop_ids),
    "time": st.one_of(st.just("type"), st.from_regex(r"[0-9]{2}:[0-9]{2}", fullmatch=True)),
    "tz": st.one_of(st.just("type"), st.integers(0, 99).map(str)),
    "drop": drop_ids,
    "more": st.builds(buttons.CardPress, st.integers(0, 999_999), drop_ids, st.integers(0, 99)),
    "page": st.builds(buttons.CardPress, st.integers(0, 999_999), drop_ids, st.integers(0, 99)),
    "run": drop_ids,
    "faq": st.integers(0, 99),
    "qa": st.builds(buttons.QuizAnswer, ids, st.integers(0, 99)),
    "qu": ids,
    "st": st.builds(
        buttons.SettingChoice,
        st.sampled_from(["retention", "cap", "with_drop"]),
        st.one_of(st.sampled_from(["on", "off"]), st.from_regex(r"[0-9.]{1,4}", fullmatch=True)),
    ),
    "plan": st.builds(
        buttons.PlanPress,
        st.integers(0, 999_999_999),
        st.from_regex(r"[a-z]{1,12}", fullmatch=True),
        st.one_of(st.none(), plan_values),
    ),
    "plans": ids,
}
# The largest value of each kind: the longest callback data it can make.
LONGEST: dict[str, Any] = {
    "noop": True, "resume": True, "qr": True, "forget": "yes", "gr": "anyone",
    "restart": buttons.RestartAnswer(999_999, True), "done": buttons.DropDone(999_999, "9.9"),
    "time": "23:59", "tz": "99", "drop": "9.9",
    "more": buttons.CardPress(999_999, "9.9", 99), "page": buttons.CardPress(999_999, "9.9", 99),
    "run": "9.9", "faq": 99, "qa": buttons.QuizAnswer(10**12 - 1, 99), "qu": 10**12 - 1,
    "st": buttons.SettingChoice("retention", "0.99"),
    "plan": buttons.PlanPress(999_999_999, "z" * 12, "Z" * 16), "plans": 10**12 - 1,
}  # fmt: skip
CODECS = {codec.prefix: codec for codec in buttons.CODECS}


def test_every_codec_has_values_to_test() -> None:
    assert set(CODECS) == set(VALUES) == set(LONGEST)


def test_prefixes_route_to_exactly_one_codec() -> None:
    for codec in buttons.CODECS:
        data = codec.encode(LONGEST[codec.prefix])
        routed = [c.prefix for c in buttons.CODECS if re.match(c.pattern, data)]
        assert routed == [codec.prefix]


@pytest.mark.parametrize("prefix", sorted(LONGEST))
def test_the_longest_encoding_fits_telegrams_64_bytes(prefix: str) -> None:
    assert len(CODECS[prefix].encode(LONGEST[prefix]).encode()) <= MAX_CALLBACK_BYTES


@pytest.mark.parametrize("prefix", sorted(VALUES))
def test_every_value_survives_a_round_trip(prefix: str) -> None:
    codec = CODECS[prefix]

    @given(VALUES[prefix])
    def round_trip(value: Any) -> None:
        data = codec.encode(value)
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert codec.decode(data) == value

    round_trip()


forged = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")),
    st.builds(
        str.__add__,
        st.sampled_from(
            [f"{c.prefix}:" for c in buttons.CODECS] + [c.prefix for c in buttons.CODECS]
        ),
        st.text(max_size=70),
    ),
)


@given(forged)
def test_forged_data_decodes_to_a_refusal_never_an_exception(data: str) -> None:
    codec: ButtonCodec[Any]
    for codec in buttons.CODECS:
        value = codec.decode(data)
        if value is not None:  # only what this codec itself would have made
            assert codec.encode(value) == data


def test_unicode_digits_are_refused() -> None:
    assert buttons.FAQ.decode("faq:²") is None
    assert buttons.ANSWER.decode("qa:١:1") is None


def test_values_a_codec_cannot_carry_are_refused_when_encoding() -> None:
    with pytest.raises(ValueError):
        buttons.DROP.encode("10.1")
    with pytest.raises(ValueError):
        buttons.PLAN.encode(buttons.PlanPress(1, "x", "a" * 40))
