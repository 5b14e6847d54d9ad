"""Delivery instants and learner days, across zones and clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import day_bounds, local_day, next_delivery

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # half-hour summer time


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- ordinary days ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "delivery", "zone", "expected"),
    [
        # Berlin winter, UTC+1: 07:30 local is 06:30 UTC, later the same day.
        (utc(2026, 1, 15, 5, 0), time(7, 30), BERLIN, utc(2026, 1, 15, 6, 30)),
        # Already past today's time: tomorrow.
        (utc(2026, 1, 15, 7, 0), time(7, 30), BERLIN, utc(2026, 1, 16, 6, 30)),
        # New York summer, UTC-4.
        (utc(2026, 7, 1, 3, 0), time(7, 0), NEW_YORK, utc(2026, 7, 1, 11, 0)),
        # Kolkata, UTC+5:30, no summer time: keeps the minutes.
        (utc(2026, 6, 1, 0, 0), time(7, 45), KOLKATA, utc(2026, 6, 1, 2, 15)),
        # Sydney summer (January), UTC+11: local date runs ahead of UTC.
        (utc(2026, 1, 15, 12, 0), time(7, 0), SYDNEY, utc(2026, 1, 15, 20, 0)),
        # Late-evening delivery: 23:30 in New York is 04:30 UTC the next day.
        (utc(2026, 7, 1, 12, 0), time(23, 30), NEW_YORK, utc(2026, 7, 2, 3, 30)),
    ],
)
def test_next_delivery_on_ordinary_days(
    after: datetime, delivery: time, zone: ZoneInfo, expected: datetime
) -> None:
    result = next_delivery(after, delivery, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_a_delivery_instant_itself_is_not_after_itself() -> None:
    delivered = utc(2026, 1, 15, 6, 30)
    assert next_delivery(delivered, time(7, 30), BERLIN) == utc(2026, 1, 16, 6, 30)


def test_after_may_be_in_any_zone() -> None:
    after = datetime(2026, 1, 15, 6, 0, tzinfo=BERLIN)
    assert next_delivery(after, time(7, 30), BERLIN) == utc(2026, 1, 15, 6, 30)


def test_naive_after_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_delivery(datetime(2026, 1, 15, 6, 0), time(7, 30), BERLIN)


# --- spring forward: the delivery time does not exist that day -------------------


@pytest.mark.parametrize(
    ("after", "delivery", "zone", "expected", "local_reading"),
    [
        # Berlin 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00 UTC.
        (utc(2026, 3, 28, 12), time(2, 30), BERLIN, utc(2026, 3, 29, 1, 0), "03:00"),
        # New York 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00 UTC.
        (utc(2026, 3, 7, 12), time(2, 0), NEW_YORK, utc(2026, 3, 8, 7, 0), "03:00"),
        # Sydney 2026-10-04: 02:00 AEST -> 03:00 AEDT at 16:00 UTC the day before.
        (utc(2026, 10, 3, 0), time(2, 15), SYDNEY, utc(2026, 10, 3, 16, 0), "03:00"),
        # Lord Howe 2026-10-04: 02:00 -> 02:30 (+10:30 -> +11) at 15:30 UTC.
        (utc(2026, 10, 3, 0), time(2, 10), LORD_HOWE, utc(2026, 10, 3, 15, 30), "02:30"),
    ],
)
def test_a_time_in_the_spring_gap_fires_when_the_gap_ends(
    after: datetime, delivery: time, zone: ZoneInfo, expected: datetime, local_reading: str
) -> None:
    result = next_delivery(after, delivery, zone)
    assert result == expected
    assert f"{result.astimezone(zone):%H:%M}" == local_reading
    # The next day is back to the chosen time.
    following = next_delivery(result, delivery, zone)
    assert following.astimezone(zone).time() == delivery


def test_times_just_outside_the_gap_are_untouched() -> None:
    before_gap = next_delivery(utc(2026, 3, 28, 12), time(1, 59), BERLIN)
    after_gap = next_delivery(utc(2026, 3, 28, 12), time(3, 0), BERLIN)
    assert before_gap == utc(2026, 3, 29, 0, 59)
    assert after_gap == utc(2026, 3, 29, 1, 0)


# --- fall back: the delivery time happens twice -----------------------------------


@pytest.mark.parametrize(
    ("day_before", "delivery", "zone", "first", "second"),
    [
        # Berlin 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
        (utc(2026, 10, 24, 12), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30),
         utc(2026, 10, 25, 1, 30)),
        # New York 2026-11-01: 01:30 happens at 05:30 UTC (EDT) and 06:30 UTC (EST).
        (utc(2026, 10, 31, 12), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30),
         utc(2026, 11, 1, 6, 30)),
        # Sydney 2026-04-05: 02:30 happens at 15:30 UTC (AEDT) and 16:30 UTC (AEST).
        (utc(2026, 4, 4, 0), time(2, 30), SYDNEY, utc(2026, 4, 4, 15, 30),
         utc(2026, 4, 4, 16, 30)),
    ],
)  # fmt: skip
def test_a_repeated_time_fires_once_at_its_first_occurrence(
    day_before: datetime, delivery: time, zone: ZoneInfo, first: datetime, second: datetime
) -> None:
    assert next_delivery(day_before, delivery, zone) == first
    # Between the two readings, and at the second, the next drop is tomorrow's.
    for after in (first, first + timedelta(minutes=1), second):
        following = next_delivery(after, delivery, zone)
        assert following.astimezone(zone).date() == first.astimezone(zone).date() + timedelta(1)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, SYDNEY, KOLKATA])
@pytest.mark.parametrize("delivery", [time(0, 0), time(1, 30), time(2, 30), time(7, 0)])
def test_a_year_of_deliveries_is_one_a_day(zone: ZoneInfo, delivery: time) -> None:
    instant = utc(2025, 12, 31, 12)
    local_dates = []
    for _ in range(365):
        instant = next_delivery(instant, delivery, zone)
        local_dates.append(instant.astimezone(zone).date())
    first = local_dates[0]
    assert local_dates == [first + timedelta(days=index) for index in range(365)]


def test_a_date_the_zone_skipped_gets_no_delivery() -> None:
    apia = ZoneInfo("Pacific/Apia")  # Samoa skipped Friday 30 December 2011
    evening_of_the_29th = datetime(2011, 12, 29, 20, 0, tzinfo=apia)
    result = next_delivery(evening_of_the_29th, time(7, 0), apia)
    assert result.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 7, 0)


# --- learner days -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (utc(2026, 1, 15, 0, 30), BERLIN, date(2026, 1, 14)),  # 01:30 local
        (utc(2026, 1, 15, 2, 59), BERLIN, date(2026, 1, 14)),  # 03:59 local
        (utc(2026, 1, 15, 3, 0), BERLIN, date(2026, 1, 15)),  # 04:00 local
        (utc(2026, 1, 14, 22, 0), KOLKATA, date(2026, 1, 14)),  # 03:30 local on the 15th
        (utc(2026, 1, 14, 22, 30), KOLKATA, date(2026, 1, 15)),  # 04:00 local
        (utc(2026, 7, 1, 7, 0), NEW_YORK, date(2026, 6, 30)),  # 03:00 local on 1 July
        (utc(2026, 7, 1, 8, 0), NEW_YORK, date(2026, 7, 1)),  # 04:00 local
        (utc(2026, 1, 15, 16, 0), SYDNEY, date(2026, 1, 15)),  # 03:00 local on the 16th
    ],
)
def test_local_day_starts_at_4_am(instant: datetime, zone: ZoneInfo, expected: date) -> None:
    assert local_day(instant, zone) == expected


def test_local_day_with_midnight_boundary_is_the_calendar_date() -> None:
    assert local_day(utc(2026, 1, 15, 0, 30), BERLIN, day_start_hour=0) == date(2026, 1, 15)


def test_day_start_hour_must_be_an_hour() -> None:
    with pytest.raises(ValueError, match="0-23"):
        local_day(utc(2026, 1, 15), BERLIN, day_start_hour=24)


@pytest.mark.parametrize(
    ("day", "zone", "start", "hours"),
    [
        (date(2026, 1, 15), BERLIN, utc(2026, 1, 15, 3, 0), 24),
        (date(2026, 3, 28), BERLIN, utc(2026, 3, 28, 3, 0), 23),  # clocks go forward
        (date(2026, 10, 24), BERLIN, utc(2026, 10, 24, 2, 0), 25),  # clocks go back
        (date(2026, 1, 15), KOLKATA, utc(2026, 1, 14, 22, 30), 24),
    ],
)
def test_day_bounds_follow_the_wall_clock(
    day: date, zone: ZoneInfo, start: datetime, hours: int
) -> None:
    begin, end = day_bounds(day, zone)
    assert begin == start
    assert end - begin == timedelta(hours=hours)


# --- properties ---------------------------------------------------------------------

ZONES = st.sampled_from([BERLIN, NEW_YORK, KOLKATA, SYDNEY, LORD_HOWE])
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
CLOCK_TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(after=INSTANTS, delivery=CLOCK_TIMES, zone=ZONES)
def test_next_delivery_is_soon_after_and_on_the_chosen_wall_time(
    after: datetime, delivery: time, zone: ZoneInfo
) -> None:
    result = next_delivery(after, delivery, zone)
    assert result.tzinfo is UTC
    assert after < result <= after + timedelta(hours=25)
    local = result.astimezone(zone)
    wall = datetime.combine(local.date(), delivery)
    wall_exists = (
        wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
    )
    if wall_exists:
        assert local.time() == delivery
    else:  # in a spring gap: the first instant after it
        assert local.time() > delivery
        one_second_earlier = (result - timedelta(seconds=1)).astimezone(zone)
        assert one_second_earlier.time() < delivery


@given(instant=INSTANTS, zone=ZONES, day_start_hour=st.integers(0, 23))
def test_day_bounds_contain_exactly_the_instants_of_that_day(
    instant: datetime, zone: ZoneInfo, day_start_hour: int
) -> None:
    day = local_day(instant, zone, day_start_hour)
    begin, end = day_bounds(day, zone, day_start_hour)
    assert begin <= instant < end
    assert local_day(end, zone, day_start_hour) == day + timedelta(days=1)
    assert local_day(end - timedelta(microseconds=1), zone, day_start_hour) == day
