"""Reading time zones the way learners type them."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import InputError, could_be_a_zone, parse_time_zone
from bot.core.time_zone import zone_label
from bot.core.zone_aliases import ZONE_ABBREVIATIONS, ZONE_ALIASES

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE / BERLIN", "Europe/Berlin"),
        ("america/new york", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("US/Eastern", "US/Eastern"),
        ("Berlin", "Europe/Berlin"),
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("Tokyo", "Asia/Tokyo"),
        ("Kolkata", "Asia/Kolkata"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Mumbai", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("San Francisco", "America/Los_Angeles"),
        ("Kiev", "Europe/Kyiv"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+0", "UTC"),
        ("utc-0", "UTC"),
    ],
)
def test_accepts_names_cities_and_aliases(text: str, expected: str) -> None:
    assert parse_time_zone(text).key == expected


@pytest.mark.parametrize(
    ("text", "expected", "hours_ahead"),
    [
        ("UTC+2", "Etc/GMT-2", 2),
        ("utc +2", "Etc/GMT-2", 2),
        ("+02:00", "Etc/GMT-2", 2),
        ("+0200", "Etc/GMT-2", 2),
        ("GMT-5", "Etc/GMT+5", -5),
        ("UTC−5", "Etc/GMT+5", -5),  # U+2212, the typographic minus
        ("UTC+14", "Etc/GMT-14", 14),
        ("UTC-12", "Etc/GMT+12", -12),
        ("Etc/GMT-2", "Etc/GMT-2", 2),  # the IANA name itself keeps its POSIX sign
    ],
)
def test_whole_hour_offsets_become_fixed_zones_with_the_posix_sign(
    text: str, expected: str, hours_ahead: int
) -> None:
    zone = parse_time_zone(text)
    assert zone.key == expected
    for instant in (WINTER, SUMMER):
        assert zone.utcoffset(instant.replace(tzinfo=None)) == timedelta(hours=hours_ahead)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("UTC+5:30", timedelta(hours=5, minutes=30)),
        ("+05:45", timedelta(hours=5, minutes=45)),
        ("UTC+3:30", timedelta(hours=3, minutes=30)),
        ("UTC+9.30", timedelta(hours=9, minutes=30)),
        ("UTC-9:30", -timedelta(hours=9, minutes=30)),
    ],
)
def test_fractional_offsets_map_to_places_that_keep_them_all_year(
    text: str, offset: timedelta
) -> None:
    zone = parse_time_zone(text)
    assert WINTER.astimezone(zone).utcoffset() == offset
    assert SUMMER.astimezone(zone).utcoffset() == offset


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("XYZT", "abbreviation"),
        ("UTC+15", "UTC-12 to UTC+14"),
        ("UTC-13", "UTC-12 to UTC+14"),
        ("UTC-3:30", "summer time"),  # Newfoundland: it changes in summer
        ("UTC+10:30", "summer time"),
        ("../../etc/passwd", "don't know"),
        ("/etc/passwd", "don't know"),
        ("Europe/../../../etc/passwd", "don't know"),
        ("localtime", "don't know"),
        ("Factory", "don't know"),
        ("posix/Europe/Berlin", "don't know"),
        ("Europe/Berlin\x00", "don't know"),
        ("Europe\\Berlin", "don't know"),
        ("Europe/Berlin" * 10, "too long"),
        ("", "don't know"),
        ("   ", "don't know"),
        ("Atlantis", "don't know"),
        ("Portland", "don't know"),  # Oregon or Maine: deliberately not guessed
    ],
)
def test_rejects_with_a_message_that_says_what_works(text: str, hint: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_time_zone(text)
    assert hint in caught.value.user_message
    assert "share your location" in caught.value.user_message


def test_a_near_miss_gets_a_suggestion() -> None:
    with pytest.raises(InputError, match="Did you mean Europe/Berlin"):
        parse_time_zone("Europe/Berln")


def test_every_iana_region_name_is_accepted_in_any_case() -> None:
    names = [
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("posix/", "right/"))
    ]
    assert len(names) > 300
    for name in names:
        expected = "UTC" if name in {"Etc/UTC", "Etc/GMT"} else name
        assert parse_time_zone(name.upper()).key == expected


def test_aliases_name_real_zones() -> None:
    for alias, name in ZONE_ALIASES.items():
        assert parse_time_zone(alias) == ZoneInfo(name)


@given(st.text(max_size=80))
def test_any_text_either_parses_or_raises_input_error(text: str) -> None:
    try:
        zone = parse_time_zone(text)
    except InputError as error:
        assert error.user_message
    else:
        assert isinstance(zone, ZoneInfo)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NYC", "America/New_York"),
        ("LA", "America/Los_Angeles"),
        ("sf", "America/Los_Angeles"),
        ("EST", "America/New_York"),
        ("pdt", "America/Los_Angeles"),
        ("CEST", "Europe/Berlin"),
        ("ist", "Asia/Kolkata"),
        ("MSK", "Europe/Moscow"),
        ("JST", "Asia/Tokyo"),
        ("AEDT", "Australia/Sydney"),
    ],
)
def test_short_names_and_abbreviations_resolve_to_a_place_with_its_summer_time(
    text: str, expected: str
) -> None:
    assert parse_time_zone(text).key == expected


def test_every_abbreviation_names_a_real_zone() -> None:
    for zone_name in ZONE_ABBREVIATIONS.values():
        assert ZoneInfo(zone_name).key == zone_name


@pytest.mark.parametrize(
    ("text", "label"),
    [("UTC-3", "UTC−03:00"), ("UTC+2", "UTC+02:00"), ("GMT+11", "UTC+11:00"),
     ("Europe/Berlin", "Europe/Berlin"), ("UTC", "UTC")],
)  # fmt: skip
def test_a_fixed_offset_is_shown_as_typed_not_posix_inverted(text: str, label: str) -> None:
    assert zone_label(parse_time_zone(text)) == label


@pytest.mark.parametrize(
    "text", ["Europe/Berlin", "Ho Chi Minh City", "UTC-3", "Mars/Olympus", "Berlni", "hi"]
)
def test_a_zone_or_a_near_miss_is_meant_as_a_zone(text: str) -> None:
    assert could_be_a_zone(text)


@pytest.mark.parametrize(
    "text", ["What is dark knowledge?", "tell me more about the temperature", "ok, thanks"]
)
def test_a_question_or_a_sentence_is_not_meant_as_a_zone(text: str) -> None:
    assert not could_be_a_zone(text)
