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


def longest_streak(active_days: Iterable[date]) -> int:
    """The longest run of consecutive active days ever.

    Args:
        active_days: Local days with activity, in any order, repeats allowed.

    Returns:
        The length of the longest run; 0 for no activity.
    """
    days = set(active_days)
    longest = 0
    for first in days:
        if first - _ONE_DAY in days:
            continue  # not the start of a run
        length = 1
        while first + timedelta(days=length) in days:
            length += 1
        longest = max(longest, length)
    return longest
