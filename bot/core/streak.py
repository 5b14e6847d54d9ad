"""Streaks: how many days in a row a learner has shown up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


def streak(active_days: Iterable[date], today: date) -> int:
    """The current run of consecutive active days.

    The run ends today, or yesterday when today has no activity yet: a streak is
    not broken until the day is over. Days after ``today`` are ignored.

    Args:
        active_days: Local days (see ``bot.core.schedule.local_day``) with
            activity, in any order, repeats allowed.
        today: The learner's current local day.

    Returns:
        The number of days in the run; 0 when neither today nor yesterday was active.
    """
    days = set(active_days)
    day = today if today in days else today - _ONE_DAY
    count = 0
    while day in days:
        count += 1
        day -= _ONE_DAY
    return count
