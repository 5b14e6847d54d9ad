"""A learner's "today": the instant, the zone, and where the local day begins and ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import day_bounds, local_day


@dataclass(frozen=True)
class Today:
    """Everything that turns "due today" into instants.

    Attributes:
        now: The current instant (aware).
        zone: The learner's (or group's) zone.
        day_start_hour: Local hour at which a day begins (4 am by default).
        day: The local day ``now`` belongs to.
        start: First instant of that day (UTC).
        end: First instant of the next day (UTC); a card is due today when
            ``due_at < end``, because FSRS intervals are whole days counted from
            the answer's time of day.
    """

    now: datetime
    zone: ZoneInfo
    day_start_hour: int
    day: date
    start: datetime
    end: datetime

    @classmethod
    def at(cls, now: datetime, zone: ZoneInfo, day_start_hour: int) -> Today:
        day = local_day(now, zone, day_start_hour)
        start, end = day_bounds(day, zone, day_start_hour)
        return cls(now, zone, day_start_hour, day, start, end)
