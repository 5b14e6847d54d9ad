"""The time zone at a shared location, looked up offline with ``timezonefinder``."""

from __future__ import annotations

import math
import threading
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timezonefinder import TimezoneFinder

# timezonefinder's finder is not safe to share between threads; handlers may call
# this from a thread pool, so lookups take turns (each is well under a millisecond).
_lookup_lock = threading.Lock()


@cache
def _finder() -> TimezoneFinder:
    """Loads the boundary data once (a few tenths of a second)."""
    return TimezoneFinder()


def warm_zone_finder() -> None:
    """Load the boundary data now (in a thread at start-up), not on the first location."""
    with _lookup_lock:
        _finder()


def zone_from_location(latitude: float, longitude: float) -> ZoneInfo | None:
    """The IANA zone that covers a point on Earth.

    Over open sea this is the nautical zone (``Etc/GMT+5`` and the like).

    Args:
        latitude: Degrees north, -90..90 (Telegram's ``Location.latitude``).
        longitude: Degrees east, -180..180.

    Returns:
        The zone, or None for coordinates out of range or not finite, or where
        the data names no zone this system's time zone database knows.
    """
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    with _lookup_lock:
        name = _finder().timezone_at(lng=longitude, lat=latitude)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return None
