"""Pure rules of daily delivery: learner input, schedules, local days and streaks.

Nothing here talks to Telegram or the database or reads the clock: callers pass
``now`` in, as an aware datetime.
"""

from bot.core.delivery_time import could_be_a_time, parse_delivery_time
from bot.core.errors import InputError
from bot.core.location import warm_zone_finder, zone_from_location
from bot.core.schedule import (
    DEFAULT_DAY_START_HOUR,
    day_bounds,
    local_day,
    next_delivery,
)
from bot.core.streak import streak
from bot.core.time_zone import could_be_a_zone, parse_time_zone

__all__ = [
    "DEFAULT_DAY_START_HOUR",
    "InputError",
    "could_be_a_time",
    "could_be_a_zone",
    "day_bounds",
    "local_day",
    "next_delivery",
    "parse_delivery_time",
    "parse_time_zone",
    "streak",
    "warm_zone_finder",
    "zone_from_location",
]
