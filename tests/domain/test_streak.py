"""Streaks as a learner sees them."""

from datetime import date, timedelta

from bot.core import streak

TODAY = date(2026, 3, 10)


def days_ago(*counts: int) -> list[date]:
    return [TODAY - timedelta(days=count) for count in counts]


def test_no_activity_is_no_streak() -> None:
    assert streak([], TODAY) == 0


def test_today_alone_is_one() -> None:
    assert streak(days_ago(0), TODAY) == 1


def test_a_run_up_to_yesterday_is_not_broken_before_today_is_over() -> None:
    assert streak(days_ago(1, 2, 3), TODAY) == 3


def test_a_run_through_today_counts_today() -> None:
    assert streak(days_ago(0, 1, 2, 3), TODAY) == 4


def test_a_missed_day_ends_the_run() -> None:
    assert streak(days_ago(0, 1, 3, 4, 5), TODAY) == 2


def test_a_run_that_ended_the_day_before_yesterday_is_gone() -> None:
    assert streak(days_ago(2, 3, 4), TODAY) == 0


def test_repeats_order_and_future_days_do_not_matter() -> None:
    active = iter([*days_ago(1, 0, 1, 2), TODAY + timedelta(days=1)])
    assert streak(active, TODAY) == 3


def test_runs_across_month_and_year_ends() -> None:
    assert streak([date(2025, 12, 31), date(2026, 1, 1)], date(2026, 1, 1)) == 2
