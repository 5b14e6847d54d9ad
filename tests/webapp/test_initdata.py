"""Telegram's initData check: only data signed with this bot's token, at most a day old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.webapp.initdata import WebAppUser, checked_user, signed_init_data

TOKEN = "123456:TEST-token"
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
USER = {"id": 42, "first_name": "Ada", "username": "ada"}


def test_signed_data_names_its_user_for_24_hours() -> None:
    data = signed_init_data(TOKEN, USER, NOW)
    assert checked_user(data, TOKEN, NOW) == WebAppUser(42, "Ada")
    assert checked_user(data, TOKEN, NOW + timedelta(hours=24)) == WebAppUser(42, "Ada")
    assert checked_user(data, TOKEN, NOW + timedelta(hours=24, seconds=1)) is None
    assert checked_user(data, "654321:OTHER", NOW) is None


def test_any_change_to_the_hash_or_a_field_is_refused() -> None:
    data = signed_init_data(TOKEN, USER, NOW)
    head, digest = data.rsplit("&hash=", 1)
    for position in range(len(digest)):
        flipped = "0" if digest[position] != "0" else "1"
        forged = f"{head}&hash={digest[:position]}{flipped}{digest[position + 1 :]}"
        assert checked_user(forged, TOKEN, NOW) is None
    assert checked_user(f"{head}&hash=%C3%A9", TOKEN, NOW) is None  # not even ASCII
    assert checked_user(data.replace("Ada", "Eve"), TOKEN, NOW) is None
    assert checked_user(f"{data}&user=%7B%22id%22%3A1%7D", TOKEN, NOW) is None  # a second user


@given(st.text(max_size=300))
def test_no_input_crashes_the_check(data: str) -> None:
    assert checked_user(data, TOKEN, NOW) is None
