"""When the daily drop goes out, and which local day an instant belongs to.

All instants are timezone-aware; results are in UTC. Nothing here reads the clock.

Rule for the wall clock. A drop for local date D fires at the *first instant at
which the local clock, on date D, shows the delivery time or later*:

* On ordinary days that is exactly the delivery time.
* Spring forward: a delivery time inside the gap (02:30 in Europe/Berlin on the
  last Sunday of March, when clocks jump from 02:00 to 03:00) fires at the end of
  the gap, 03:00 local - the moment the clock has passed 02:30, as cron does.
  (``zoneinfo`` by itself would shift it by the gap's length, to 03:30.)
* Fall back: a delivery time that occurs twice (02:30 on the last Sunday of
  October in Berlin) fires at the first occurrence, and the repeat of that hour
  never yields a second drop that day.
* A date that a zone skips entirely (Pacific/Apia skipped 30 December 2011) has
  no delivery.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAY_START_HOUR = 4
"""Like Anki, a learner's day ends at 4 am local: a review at 01:30 counts to the evening."""


def next_delivery(after: datetime, delivery_time: time, zone: ZoneInfo) -> datetime:
    """The first delivery instant strictly after ``after`` (see the module's rule).

    Args:
        after: An aware instant, typically now or the last delivery.
        delivery_time: The local wall-clock time of the drop (naive ``time``).
        zone: The learner's zone.

    Returns:
        An aware UTC datetime, later than ``after`` by at most a day plus any
        clock change in between.

    Raises:
        ValueError: ``after`` is naive.
    """
    _require_aware(after)
    local_date = after.astimezone(zone).date()
    # Checking the day before too covers zones whose date ever stepped backwards.
    for offset in range(-1, 4):
        day = local_date + timedelta(days=offset)
        instant = _first_instant_at_or_after(datetime.combine(day, delivery_time), zone)
        if instant > after and instant.astimezone(zone).date() == day:
            return instant
    raise AssertionError("unreachable: every zone shows each wall time within 4 days")


def local_day(
    instant: datetime, zone: ZoneInfo, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> date:
    """The learner's day an instant counts towards; days start at ``day_start_hour`` local.

    Args:
        instant: An aware instant.
        zone: The learner's zone.
        day_start_hour: Local hour (0-23) at which a new day begins.

    Returns:
        The local date, minus one when the local time is before ``day_start_hour``.

    Raises:
        ValueError: ``instant`` is naive or ``day_start_hour`` is not 0-23.
    """
    _require_aware(instant)
    _require_hour(day_start_hour)
    # Aware datetime minus timedelta is wall-clock arithmetic in Python, which is
    # what we want: the boundary is 04:00 on the wall, even on a 23- or 25-hour day.
    return (instant.astimezone(zone) - timedelta(hours=day_start_hour)).date()


def day_bounds(
    day: date, zone: ZoneInfo, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> tuple[datetime, datetime]:
    """The UTC instants where a learner's day begins and ends (half-open ``[start, end)``).

    Exactly the instants ``u`` with ``local_day(u, zone, day_start_hour) == day``
    (on all but historic, date-skipping transitions). Use ``end`` to select
    reviews due "today": a card answered at 19:05 yesterday, due at 19:05 today,
    belongs in this morning's session.

    Args:
        day: The learner's local day.
        zone: The learner's zone.
        day_start_hour: Local hour (0-23) at which a new day begins.

    Returns:
        ``(start, end)`` as aware UTC datetimes; usually 24 hours apart, 23 or 25
        on days the clocks change.

    Raises:
        ValueError: ``day_start_hour`` is not 0-23.
    """
    _require_hour(day_start_hour)
    boundary = time(day_start_hour)
    start = _first_instant_at_or_after(datetime.combine(day, boundary), zone)
    end = _first_instant_at_or_after(datetime.combine(day + timedelta(days=1), boundary), zone)
    return start, end


def _first_instant_at_or_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the local clock shows ``wall`` (naive) or later."""
    first_reading = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall_clock(first_reading, zone) == wall:
        return first_reading  # exists; fold=0 is the first of two readings, if two
    # ``wall`` falls in a gap. fold=0 reads it with the offset from before the
    # gap, landing after it; fold=1 with the offset from after, landing before it.
    # The gap's end lies between: find it to the second by bisection.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(first_reading.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if _wall_clock(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")


def _require_hour(hour: int) -> None:
    if not 0 <= hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {hour}")
