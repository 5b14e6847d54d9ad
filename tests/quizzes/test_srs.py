"""FSRS as the course uses it: fixed UTC instants, fuzzing off, exact expectations."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, State
from hypothesis import given
from hypothesis import strategies as st

from bot.core import local_day
from quizzes.srs import (
    MAXIMUM_INTERVAL_DAYS,
    CardState,
    CardStateError,
    forecast_due,
    make_scheduler,
    new_card_state,
    rating_for,
    retrievability,
    review,
    within_daily_cap,
)

START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
SCHEDULER = make_scheduler(enable_fuzzing=False)


def answer_right_repeatedly(times: int, desired_retention: float) -> list[int]:
    """Days between reviews when every answer is right, reviewing when due."""
    scheduler = make_scheduler(desired_retention, enable_fuzzing=False)
    state: CardState | None = None
    now = START
    intervals: list[int] = []
    for _ in range(times):
        outcome = review(state, "2.2a", True, now, scheduler)
        intervals.append((outcome.due - now).days)
        state, now = outcome.card_state, outcome.due
    return intervals


def test_the_course_scheduler_has_no_same_day_steps() -> None:
    scheduler = make_scheduler()
    assert scheduler.learning_steps == ()
    assert scheduler.relearning_steps == ()
    assert scheduler.desired_retention == 0.9
    assert scheduler.enable_fuzzing is True
    assert make_scheduler(enable_fuzzing=False).enable_fuzzing is False


@pytest.mark.parametrize("retention", [0.0, 1.0, 1.5, -0.1])
def test_retention_must_be_a_probability(retention: float) -> None:
    with pytest.raises(ValueError, match="desired_retention"):
        make_scheduler(retention)


def test_custom_parameters_are_used_and_checked() -> None:
    parameters = list(make_scheduler().parameters)
    parameters[2] = 5.0  # initial stability after "Good"
    scheduler = make_scheduler(parameters=parameters, enable_fuzzing=False)
    assert review(None, "1.1a", True, START, scheduler).due == START + timedelta(days=5)
    with pytest.raises(ValueError, match="parameters"):
        make_scheduler(parameters=[1.0] * 3)


def test_rating_rule() -> None:
    assert rating_for(True) is Rating.Good
    assert rating_for(False) is Rating.Again


def test_a_new_card_is_due_at_once() -> None:
    state = new_card_state(START)
    assert state["due"] == START.isoformat()
    assert state["last_review"] is None
    assert state["state"] == State.Learning
    assert state["card_id"] == int(START.timestamp() * 1000)


def test_a_right_answer_on_a_new_card_comes_back_days_later_then_further() -> None:
    first = review(None, "2.2a", True, START, SCHEDULER)
    assert first.rating is Rating.Good
    assert first.due == START + timedelta(days=2)
    assert first.due.tzinfo is UTC
    assert first.card_state["state"] == State.Review
    second = review(first.card_state, "2.2a", True, first.due, SCHEDULER)
    assert second.due - first.due == timedelta(days=11)


def test_a_wrong_answer_on_a_new_card_comes_back_tomorrow() -> None:
    outcome = review(None, "2.2a", False, START, SCHEDULER)
    assert outcome.rating is Rating.Again
    assert outcome.due == START + timedelta(days=1)


def test_a_lapse_comes_back_the_next_day_with_lower_stability() -> None:
    learned = review(None, "2.2a", True, START, SCHEDULER)
    lapsed = review(learned.card_state, "2.2a", False, learned.due, SCHEDULER)
    assert lapsed.due == learned.due + timedelta(days=1)
    assert lapsed.card_state["stability"] is not None
    assert learned.card_state["stability"] is not None
    assert lapsed.card_state["stability"] < learned.card_state["stability"]


def test_higher_retention_means_shorter_intervals() -> None:
    demanding = answer_right_repeatedly(4, 0.97)
    relaxed = answer_right_repeatedly(4, 0.8)
    assert demanding == [1, 2, 4, 7]
    assert all(short < long for short, long in zip(demanding, relaxed, strict=True))


def test_state_and_log_round_trip_through_json() -> None:
    first = review(None, "2.2a", True, START, SCHEDULER)
    stored = json.loads(json.dumps(first.card_state))
    log = json.loads(json.dumps(first.review_log))
    assert log["rating"] == Rating.Good
    assert log["review_datetime"] == START.isoformat()
    from_stored = review(stored, "2.2a", True, first.due, SCHEDULER)
    from_memory = review(first.card_state, "2.2a", True, first.due, SCHEDULER)
    assert from_stored == from_memory


def test_review_accepts_any_aware_now_and_refuses_naive() -> None:
    in_berlin = START.astimezone(BERLIN)
    assert review(None, "2.2a", True, in_berlin, SCHEDULER).due == START + timedelta(days=2)
    with pytest.raises(ValueError, match="naive"):
        review(None, "2.2a", True, START.replace(tzinfo=None), SCHEDULER)


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"card_id": 1, "state": 9, "step": None, "stability": 1.0, "difficulty": 5.0,
         "due": START.isoformat(), "last_review": None},
        {"card_id": 1, "state": 2, "step": None, "stability": 1.0, "difficulty": 5.0,
         "due": "yesterday", "last_review": None},
        {"card_id": 1, "state": 2, "step": None, "stability": 1.0, "difficulty": 5.0,
         "due": "2026-03-02T07:30:00", "last_review": None},
        {"card_id": 1, "state": 2, "step": None, "stability": None, "difficulty": 5.0,
         "due": START.isoformat(), "last_review": START.isoformat()},
    ],
)  # fmt: skip
def test_an_unreadable_state_names_the_item(state: dict[str, object]) -> None:
    with pytest.raises(CardStateError, match=r"item 2\.2a"):
        review(state, "2.2a", True, START, SCHEDULER)


def test_retrievability_falls_as_days_pass() -> None:
    outcome = review(None, "2.2a", True, START, SCHEDULER)
    right_after = retrievability(outcome.card_state, START, SCHEDULER)
    at_due = retrievability(outcome.card_state, outcome.due, SCHEDULER)
    a_month_on = retrievability(outcome.card_state, START + timedelta(days=30), SCHEDULER)
    assert right_after == 1.0
    assert 1.0 > at_due > 0.9 > a_month_on > 0.0
    assert retrievability(None, START, SCHEDULER) == 0.0


def test_retrievability_counts_the_learners_days_as_reviews_do() -> None:
    """Answered at 22:00 in Berlin, looked at 08:00 the next morning: a day has passed for
    the learner (and for the next review), so recall is no longer a full 100%."""
    evening = datetime(2026, 3, 2, 22, 0, tzinfo=BERLIN)
    morning = datetime(2026, 3, 3, 8, 0, tzinfo=BERLIN)
    state = review(None, "2.2a", True, evening, SCHEDULER, zone=BERLIN).card_state
    a_day_on = retrievability(state, evening + timedelta(days=1), SCHEDULER)
    assert retrievability(state, morning, SCHEDULER, zone=BERLIN) == a_day_on < 1.0
    late_that_night = datetime(2026, 3, 3, 1, 0, tzinfo=BERLIN)  # before 4 am: the same day
    assert retrievability(state, late_that_night, SCHEDULER, zone=BERLIN) == 1.0


@pytest.mark.parametrize("retention", [0.8, 0.9, 0.97])
@pytest.mark.parametrize("fuzzing", [False, True])
def test_an_item_always_answered_right_comes_back_within_the_season(
    retention: float, fuzzing: bool
) -> None:
    """FSRS alone would push an aced item years out; the course caps the interval at
    MAXIMUM_INTERVAL_DAYS (fuzz included), and reaches it."""
    scheduler = make_scheduler(retention, enable_fuzzing=fuzzing)
    state: CardState | None = None
    now, intervals = START, []
    for _ in range(15):
        outcome = review(state, "2.2a", True, now, scheduler, zone=BERLIN)
        intervals.append((outcome.due - now).days)
        state, now = outcome.card_state, outcome.due
    assert max(intervals) <= MAXIMUM_INTERVAL_DAYS, intervals
    if not fuzzing:
        assert intervals[-1] == MAXIMUM_INTERVAL_DAYS, intervals


def test_forecast_counts_per_learner_day() -> None:
    today = date(2026, 3, 2)  # Berlin is UTC+1 in March before the 29th
    due = [
        datetime(2026, 2, 20, 12, tzinfo=UTC),  # overdue: today
        datetime(2026, 3, 2, 20, tzinfo=UTC),  # tonight: today
        datetime(2026, 3, 3, 2, 0, tzinfo=UTC),  # 03:00 local on the 3rd: still today
        datetime(2026, 3, 3, 3, 0, tzinfo=UTC),  # 04:00 local: tomorrow
        datetime(2026, 3, 15, 12, tzinfo=UTC),  # day 13, the last counted
        datetime(2026, 3, 16, 12, tzinfo=UTC),  # day 14: beyond the forecast
    ]
    counts = forecast_due(due, today, BERLIN)
    assert len(counts) == 14
    assert counts[0] == 3
    assert counts[1] == 1
    assert counts[13] == 1
    assert sum(counts) == 5


@given(
    due=st.lists(
        st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
        ),
        max_size=20,
    ),
    zone=st.sampled_from([BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")]),
)
def test_forecast_uses_the_same_days_as_delivery(due: list[datetime], zone: ZoneInfo) -> None:
    today = date(2026, 6, 1)
    counts = forecast_due(due, today, zone, days=7)
    expected = [0] * 7
    for instant in due:
        index = max(0, (local_day(instant, zone) - today).days)
        if index < 7:
            expected[index] += 1
    assert counts == expected


@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=14),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=-5, max_value=50),
)
def test_within_the_daily_cap_no_review_is_lost_or_asked_early(
    due_each_day: list[int], cap: int, room_today: int
) -> None:
    asked = within_daily_cap(due_each_day, cap=cap, room_today=room_today)
    assert asked[0] <= max(0, room_today) and all(count <= cap for count in asked[1:])
    for day in range(len(due_each_day)):  # never asked before it falls due
        assert sum(asked[: day + 1]) <= sum(due_each_day[: day + 1])
    # A day asks less than it may only when nothing waits.
    for day, count in enumerate(asked):
        room = max(0, room_today) if day == 0 else cap
        assert count == room or sum(asked[: day + 1]) == sum(due_each_day[: day + 1])
