"""The fitter: held-out split, what fsrs counts, the log-loss, and a real fit in the worker."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from kd_sandbox.srs_fit import (
    FSRS_MIN_SPACED_REVIEWS,
    FSRS_REVIEWS_PER_CARD,
    FitResult,
    NotEnoughReviews,
    Review,
    check_enough,
    count_spaced_reviews,
    fit_in_worker,
    log_loss,
    split_reviews,
)
from tests.srs.simulate import TRUE_PARAMETERS, simulate

MORNING = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
AGAIN, GOOD = 1, 3


@pytest.fixture(scope="module")
def reviews() -> list[Review]:
    return [review.as_review() for review in simulate()]


@pytest.fixture(scope="module")
def fitted(reviews: list[Review]) -> FitResult:
    return fit_in_worker(reviews)


def test_the_simulated_logs_are_enough_for_fsrs(reviews: list[Review]) -> None:
    learners = {key.split(":")[0] for key, *_ in reviews}
    assert len(learners) >= 10
    assert count_spaced_reviews(reviews) >= 600
    check_enough(reviews)


def test_a_fifth_of_the_cards_is_held_out_each_with_its_whole_history(
    reviews: list[Review],
) -> None:
    training, held_out = split_reviews(reviews)
    training_cards = {key for key, *_ in training}
    held_out_cards = {key for key, *_ in held_out}
    assert not training_cards & held_out_cards
    assert len(training) + len(held_out) == len(reviews)
    share = len(held_out_cards) / (len(training_cards) + len(held_out_cards))
    assert 0.1 < share < 0.3
    assert split_reviews(reviews) == (training, held_out)


def test_reviews_less_than_a_whole_day_apart_do_not_count() -> None:
    history: list[Review] = [
        ("7:d1.q1", GOOD, MORNING, None),
        ("7:d1.q1", GOOD, MORNING + timedelta(hours=23), None),  # the next morning, earlier
        ("7:d1.q1", AGAIN, MORNING + timedelta(days=2), None),
        ("7:d1.q1", GOOD, MORNING + timedelta(days=5), None),
    ]
    assert count_spaced_reviews(history) == 2
    assert count_spaced_reviews(list(reversed(history))) == 2  # order in the log is irrelevant


def test_only_the_first_reviews_of_a_card_count_as_in_fsrs() -> None:
    daily: list[Review] = [
        ("7:d1.q1", GOOD, MORNING + timedelta(days=day), None) for day in range(100)
    ]
    assert count_spaced_reviews(daily) == FSRS_REVIEWS_PER_CARD - 1


def test_the_mirrored_limits_are_fsrs_own() -> None:
    from fsrs import optimizer

    assert optimizer.mini_batch_size == FSRS_MIN_SPACED_REVIEWS
    assert optimizer.max_seq_len == FSRS_REVIEWS_PER_CARD


def test_too_few_reviews_are_refused_with_the_count(reviews: list[Review]) -> None:
    few = reviews[:300]
    with pytest.raises(NotEnoughReviews, match=f"needs {FSRS_MIN_SPACED_REVIEWS} reviews"):
        check_enough(few)


def test_the_log_loss_prefers_the_parameters_that_made_the_data(reviews: list[Review]) -> None:
    true_loss, scored = log_loss(reviews, TRUE_PARAMETERS)
    default_loss, _ = log_loss(reviews, DEFAULT_PARAMETERS)
    assert scored == count_spaced_reviews(reviews)
    assert true_loss < default_loss


def test_a_card_answered_once_cannot_be_scored() -> None:
    loss, scored = log_loss([("7:d1.q1", GOOD, MORNING, None)], DEFAULT_PARAMETERS)
    assert scored == 0
    assert math.isnan(loss)


def test_naive_instants_are_rejected() -> None:
    naive: list[Review] = [
        ("7:d1.q1", GOOD, datetime(2025, 3, 3, 9), None),
        ("7:d1.q1", GOOD, datetime(2025, 3, 5, 9), None),
    ]
    with pytest.raises(ValueError, match="naive"):
        log_loss(naive, DEFAULT_PARAMETERS)


def test_the_fit_predicts_held_out_reviews_better_than_the_defaults(
    reviews: list[Review], fitted: FitResult
) -> None:
    training, held_out = split_reviews(reviews)
    assert fitted.reviews_used == len(training)
    assert fitted.held_out == count_spaced_reviews(held_out) > 0
    assert fitted.log_loss_after < fitted.log_loss_before


def test_the_fitted_parameters_are_valid_and_not_the_defaults(fitted: FitResult) -> None:
    assert len(fitted.parameters) == len(DEFAULT_PARAMETERS)
    assert fitted.parameters != DEFAULT_PARAMETERS
    for value, low, high in zip(
        fitted.parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
    ):
        assert low <= value <= high
