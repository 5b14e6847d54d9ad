"""Fits course-wide FSRS parameters to review logs and scores them on held-out cards.

The caller (``distillbot srs optimize``) gives plain data: one :data:`Review` per answer.
A fifth of the cards, picked by a hash of the card key, are held out whole, so no card's
history is on both sides; fsrs's optimiser fits on the rest, and the log-loss of the
predicted recall on the held-out reviews is computed for FSRS's default parameters and for
the fitted ones.

fsrs's optimiser needs torch, which the caller's process must never import: the caller uses
:func:`check_enough` (plain Python) and :func:`fit_in_worker`, which runs
:func:`fit_parameters` in a child process started with "spawn". torch is imported there only.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

Review = tuple[str, int, datetime, int | None]
"""One answer: (card key, FSRS rating 1-4, aware instant, duration in ms or None)."""

# Mirrors of fsrs.optimizer's private settings (that module imports torch, so they are not
# read from it): ``mini_batch_size``, below which compute_optimal_parameters silently returns
# the defaults, and ``max_seq_len``, the reviews of each card it looks at.
FSRS_MIN_SPACED_REVIEWS = 512
FSRS_REVIEWS_PER_CARD = 64

HELD_OUT_PERCENT = 20
_PROBABILITY_FLOOR = 1e-7  # keeps log(0) out of the loss when a prediction is 0 or 1


class NotEnoughReviews(ValueError):
    """The logs are too few for fsrs's optimiser; the message says what is missing."""


@dataclass(frozen=True)
class FitResult:
    """Fitted parameters and how well they predict reviews they were not fitted on.

    Attributes:
        parameters: The 21 FSRS weights.
        reviews_used: Reviews the optimiser was given (the cards not held out).
        held_out: Held-out reviews scored: those made a day or more after the card's
            previous review (the first answer to a card has no prediction).
        log_loss_before: Mean binary cross-entropy on ``held_out`` with FSRS's defaults.
        log_loss_after: The same with ``parameters``.
    """

    parameters: tuple[float, ...]
    reviews_used: int
    held_out: int
    log_loss_before: float
    log_loss_after: float


def is_held_out(card_key: str) -> bool:
    """Whether the card belongs to the held-out set; stable across runs and machines."""
    digest = hashlib.sha256(card_key.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def split_reviews(reviews: Iterable[Review]) -> tuple[list[Review], list[Review]]:
    """(training, held-out): every review of a card lands on its card's side."""
    training: list[Review] = []
    held_out: list[Review] = []
    for review in reviews:
        (held_out if is_held_out(review[0]) else training).append(review)
    return training, held_out


def count_spaced_reviews(reviews: Iterable[Review]) -> int:
    """Reviews fsrs's optimiser learns from: a whole day or more after the card's previous one.

    Only the first :data:`FSRS_REVIEWS_PER_CARD` reviews of a card count, as in fsrs.
    """
    count = 0
    for history in _histories(reviews).values():
        capped = history[:FSRS_REVIEWS_PER_CARD]
        count += sum(1 for earlier, later in pairwise(capped) if _days_between(earlier, later) > 0)
    return count


def check_enough(reviews: Sequence[Review]) -> None:
    """Raises :class:`NotEnoughReviews` unless the optimiser can fit and the fit can be scored."""
    training, held_out = split_reviews(reviews)
    spaced = count_spaced_reviews(training)
    if spaced < FSRS_MIN_SPACED_REVIEWS:
        raise NotEnoughReviews(
            f"fsrs's optimiser needs {FSRS_MIN_SPACED_REVIEWS} reviews made a day or more "
            f"after the card's previous review, on the cards not held out; the logs have "
            f"{spaced} (of {len(training)} reviews on those cards, {len(reviews)} in all)."
        )
    if count_spaced_reviews(held_out) == 0:
        raise NotEnoughReviews(
            "none of the held-out cards has a second review a day or more after its first, "
            "so the fit cannot be scored."
        )


def log_loss(reviews: Iterable[Review], parameters: Sequence[float]) -> tuple[float, int]:
    """Mean binary cross-entropy of FSRS's predicted recall against what happened.

    Each card's history is replayed with ``parameters``; at every review a day or more
    after the previous one the prediction is the card's retrievability, and the outcome is
    "recalled" for any rating above Again.

    Returns:
        (the loss, the number of reviews scored); (nan, 0) when none could be scored.
    """
    scheduler = _replay_scheduler(parameters)
    total = 0.0
    scored = 0
    for card_id, history in enumerate(_histories(reviews).values(), start=1):
        card = Card(card_id=card_id, due=_utc(history[0][2]))
        for index, (_, rating, reviewed_at, _) in enumerate(history):
            at = _utc(reviewed_at)
            if index > 0 and _days_between(history[index - 1], history[index]) > 0:
                predicted = float(scheduler.get_card_retrievability(card, at))
                predicted = min(max(predicted, _PROBABILITY_FLOOR), 1.0 - _PROBABILITY_FLOOR)
                recalled = rating > Rating.Again
                total -= math.log(predicted if recalled else 1.0 - predicted)
                scored += 1
            card, _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
    return (total / scored if scored else math.nan), scored


def fit_parameters(reviews: Sequence[Review], *, torch_threads: int = 1) -> FitResult:
    """Fits FSRS parameters on the training cards and scores them on the held-out ones.

    Imports torch: call it through :func:`fit_in_worker` from a process that must stay
    without it.

    Raises:
        NotEnoughReviews: See :func:`check_enough`.
        ValueError: A naive instant or a rating outside 1-4.
    """
    check_enough(reviews)
    import torch
    from fsrs.optimizer import Optimizer

    torch.set_num_threads(torch_threads)
    training, held_out = split_reviews(reviews)
    # fsrs wants integer card ids and orders cards by them; number cards by first review.
    card_ids = {key: number for number, key in enumerate(_histories(training), start=1)}
    logs = [
        ReviewLog(
            card_id=card_ids[key],
            rating=Rating(rating),
            review_datetime=_utc(reviewed_at),
            review_duration=duration_ms,
        )
        for key, rating, reviewed_at, duration_ms in training
    ]
    fitted = Optimizer(logs).compute_optimal_parameters()
    parameters = tuple(float(value) for value in fitted)
    before, scored = log_loss(held_out, DEFAULT_PARAMETERS)
    after, _ = log_loss(held_out, parameters)
    return FitResult(
        parameters=parameters,
        reviews_used=len(training),
        held_out=scored,
        log_loss_before=before,
        log_loss_after=after,
    )


def fit_in_worker(reviews: Sequence[Review], *, torch_threads: int = 1) -> FitResult:
    """:func:`fit_parameters` in a fresh child process, so this process never imports torch.

    Raises:
        NotEnoughReviews: See :func:`check_enough`.
        concurrent.futures.process.BrokenProcessPool: The child died (memory, a signal).
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(fit_parameters, list(reviews), torch_threads=torch_threads)
        return future.result()


def _histories(reviews: Iterable[Review]) -> dict[str, list[Review]]:
    """Each card's reviews in time order; cards in the order of their first review."""
    by_card: defaultdict[str, list[Review]] = defaultdict(list)
    for review in reviews:
        by_card[review[0]].append(review)
    histories = [sorted(history, key=lambda review: review[2]) for history in by_card.values()]
    histories.sort(key=lambda history: history[0][2])
    return {history[0][0]: history for history in histories}


def _days_between(earlier: Review, later: Review) -> int:
    """Whole days elapsed, as fsrs counts them (a review 23 hours later is the same day)."""
    return (later[2] - earlier[2]).days


def _replay_scheduler(parameters: Sequence[float]) -> Scheduler:
    # (Re)learning steps change only due dates, never stability or difficulty, so the
    # course's step-free scheduler replays a history exactly as fsrs's optimiser does.
    return Scheduler(
        parameters=tuple(parameters),
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def _utc(instant: datetime) -> datetime:
    """fsrs insists on ``tzinfo == timezone.utc``; any aware instant is converted."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)
