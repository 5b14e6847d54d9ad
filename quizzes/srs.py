"""Spaced repetition through FSRS (the ``fsrs`` package), shaped for a once-a-day course.

One card per learner per quiz item. The card's state is a JSON-able dict
(``fsrs.Card.to_dict``) for a JSON column, and its due instant goes into an
indexed column. Answers become ratings by one rule (:func:`rating_for`).

There are no learning or relearning steps: the course meets the learner once a
day, so every interval is whole days and the earliest next review is tomorrow.
After a wrong answer FSRS picks the interval from the lowered stability: one day
for a young card, a few days for one that was well known. Days elapsed between two
reviews are the learner's days, as Anki counts them: a card due at 19:05 and
answered that morning has had its whole day.

Nothing here reads the clock; all instants are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State
from fsrs.card import CardDict
from fsrs.review_log import ReviewLogDict
from fsrs.scheduler import DEFAULT_PARAMETERS

DEFAULT_DESIRED_RETENTION = 0.9
FORECAST_DAYS = 14
MAXIMUM_INTERVAL_DAYS = 90
"""The longest wait between two reviews. fsrs allows 100 years; after a 14-drop course an
item answered right every time still comes back once a season (about three months), so
what was learned stays in view and a drifted memory is caught within the quarter. With
FSRS's default weights and retention 0.9 an always-right card reaches it at its fourth
review (2, 11, 46, then 90 days)."""

CardState = CardDict
"""A card as stored: card_id, state, step, stability, difficulty, due, last_review."""


class CardStateError(ValueError):
    """A stored card state cannot be read back (corrupt or hand-edited row)."""


@dataclass(frozen=True)
class ReviewOutcome:
    """What one answer did to a card.

    Attributes:
        item_id: The quiz item answered.
        card_state: The card after the review, to store as it is.
        due: When the card is due next (aware UTC), for the indexed column.
        rating: The rating the answer was turned into.
        review_log: FSRS's log entry for the review (JSON-able), for history
            and future optimisation of the parameters.
    """

    item_id: str
    card_state: CardState
    due: datetime
    rating: Rating
    review_log: ReviewLogDict


def make_scheduler(
    desired_retention: float = DEFAULT_DESIRED_RETENTION,
    parameters: Sequence[float] | None = None,
    *,
    enable_fuzzing: bool = True,
) -> Scheduler:
    """The course's FSRS scheduler.

    Args:
        desired_retention: Probability of recall to aim for at each review,
            strictly between 0 and 1; higher means shorter intervals.
        parameters: The 21 FSRS weights; None for FSRS's defaults.
        enable_fuzzing: Spread intervals of 3+ days by a little randomness so
            cards learned together do not fall due together. Turn it off for
            deterministic tests.

    Returns:
        A scheduler without (re)learning steps: every interval is whole days, at
        most :data:`MAXIMUM_INTERVAL_DAYS`.

    Raises:
        ValueError: ``desired_retention`` is not in (0, 1) or a parameter is
            out of FSRS's bounds.
    """
    if not 0.0 < desired_retention < 1.0:
        raise ValueError(f"desired_retention must be in (0, 1), got {desired_retention}")
    return Scheduler(
        parameters=DEFAULT_PARAMETERS if parameters is None else tuple(parameters),
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=enable_fuzzing,
    )


def rating_for(correct: bool) -> Rating:
    """The rule that turns an answer into a rating: wrong is Again, right is Good.

    A multiple-choice answer says nothing about effort, so Hard and Easy are
    never used.
    """
    return Rating.Good if correct else Rating.Again


def new_card_state(now: datetime) -> CardState:
    """The state of a card never reviewed, due at once (the quiz right after its drop).

    Args:
        now: Aware instant the card is created.

    Returns:
        The state dict. Its ``card_id`` is the creation millisecond, as fsrs
        would choose, but without fsrs reading the clock.
    """
    now_utc = _as_utc(now)
    return Card(card_id=int(now_utc.timestamp() * 1000), due=now_utc).to_dict()


def review(
    card_state: Mapping[str, object] | None,
    item_id: str,
    correct: bool,
    now: datetime,
    scheduler: Scheduler,
    *,
    zone: ZoneInfo | None = None,
    day_start_hour: int = 4,
) -> ReviewOutcome:
    """Applies one answer to a card.

    Args:
        card_state: The stored state, or None for an item never reviewed.
        item_id: The item answered (echoed in the outcome and in errors).
        correct: Whether the answer was right.
        now: Aware instant of the answer.
        scheduler: From :func:`make_scheduler`.
        zone: The learner's zone: days elapsed since the last review are counted
            in the learner's local days (starting at ``day_start_hour``). None
            counts them as fsrs does, in whole 24 hours.
        day_start_hour: Local hour at which a day begins.

    Returns:
        The new state, due instant, rating and log.

    Raises:
        CardStateError: ``card_state`` cannot be read.
        ValueError: ``now`` is naive.
    """
    now_utc = _as_utc(now)
    if card_state is None:
        card = Card.from_dict(new_card_state(now_utc))
    else:
        card = _card_from_state(card_state, item_id)
    if zone is not None:
        card = _elapsed_in_local_days(card, now_utc, zone, day_start_hour)
    rating = rating_for(correct)
    reviewed, log = scheduler.review_card(card, rating, review_datetime=now_utc)
    return ReviewOutcome(
        item_id=item_id,
        card_state=reviewed.to_dict(),
        due=reviewed.due.astimezone(UTC),
        rating=rating,
        review_log=log.to_dict(),
    )


def retrievability(
    card_state: Mapping[str, object] | None,
    now: datetime,
    scheduler: Scheduler,
    *,
    zone: ZoneInfo | None = None,
    day_start_hour: int = 4,
) -> float:
    """FSRS's estimate of the chance the learner would answer right now.

    Args:
        card_state: The stored state, or None for an item never reviewed.
        now: Aware instant to estimate at.
        scheduler: From :func:`make_scheduler`.
        zone: The learner's zone: days since the last review are the learner's local
            days, as :func:`review` counts them (a card answered last night has had a
            day by this morning). None counts whole 24 hours, as fsrs does.
        day_start_hour: Local hour at which a day begins.

    Returns:
        A probability in [0, 1]; 0 for a card never reviewed, as fsrs does, so
        leave unreviewed items out when looking for the weakest drops.

    Raises:
        CardStateError: ``card_state`` cannot be read.
        ValueError: ``now`` is naive.
    """
    if card_state is None:
        return 0.0
    now_utc = _as_utc(now)
    card = _card_from_state(card_state)
    if zone is not None:
        card = _elapsed_in_local_days(card, now_utc, zone, day_start_hour)
    return float(scheduler.get_card_retrievability(card, now_utc))


def forecast_due(
    due_instants: Iterable[datetime],
    start_day: date,
    zone: ZoneInfo,
    days: int = FORECAST_DAYS,
    *,
    day_start_hour: int = 4,
) -> list[int]:
    """How many reviews fall due on each of the learner's next days.

    Days are the learner's local days, starting at ``day_start_hour`` local, the
    same rule as ``bot.domain.schedule.local_day`` (which quizzes may not import).

    Args:
        due_instants: Aware due instants of the learner's cards.
        start_day: The learner's current local day (index 0).
        zone: The learner's zone.
        days: How many days to count.
        day_start_hour: Local hour at which a day begins.

    Returns:
        ``days`` counts; reviews already overdue count on day 0, those after
        the last day are left out.
    """
    counts = [0] * days
    for due in due_instants:
        if due.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got naive {due.isoformat()}")
        due_day = _local_day(due, zone, day_start_hour)
        index = max(0, (due_day - start_day).days)
        if index < days:
            counts[index] += 1
    return counts


def within_daily_cap(due_each_day: Sequence[int], *, cap: int, room_today: int) -> list[int]:
    """How many reviews a learner who reviews every day is asked on each day.

    A day asks at most ``cap`` reviews (today only ``room_today``, what is left of today's
    cap); what a day cannot ask waits for the next, as /review leaves it.

    Args:
        due_each_day: Reviews falling due on each day, today first (``forecast_due``).
        cap: The learner's daily cap.
        room_today: Reviews still allowed today.

    Returns:
        One count per day of ``due_each_day``.
    """
    waiting, asked = 0, []
    for day, due in enumerate(due_each_day):
        room = max(0, room_today if day == 0 else cap)
        waiting += due
        asked.append(min(room, waiting))
        waiting -= asked[-1]
    return asked


def _local_day(instant: datetime, zone: ZoneInfo, day_start_hour: int) -> date:
    # Aware minus timedelta is wall-clock arithmetic: the boundary is 04:00 local.
    return (instant.astimezone(zone) - timedelta(hours=day_start_hour)).date()


def _elapsed_in_local_days(card: Card, now: datetime, zone: ZoneInfo, day_start_hour: int) -> Card:
    """The card as fsrs should see it at ``now``: last reviewed whole local days ago.

    fsrs counts elapsed days in 24 hours, so a card missed at 19:05 and asked the next
    morning (the session asks what falls due before the day ends) would count as
    reviewed twice the same day, and barely gain stability. Only the elapsed whole
    days are read from ``last_review``; the reviewed card's is ``now`` anyway.
    """
    if card.last_review is None:
        return card
    days = (
        _local_day(now, zone, day_start_hour) - _local_day(card.last_review, zone, day_start_hour)
    ).days
    return replace(card, last_review=now - timedelta(days=max(0, days)))


def _card_from_state(card_state: Mapping[str, object], item_id: str | None = None) -> Card:
    whose = "card state" if item_id is None else f"card state of item {item_id}"
    try:
        card = Card.from_dict(cast(CardDict, dict(card_state)))
    except (KeyError, TypeError, ValueError) as error:
        raise CardStateError(f"{whose} is unreadable: {error!r}") from error
    if card.due.tzinfo is None or (
        card.last_review is not None and card.last_review.tzinfo is None
    ):
        raise CardStateError(f"{whose} has a naive datetime")
    # fsrs asserts these for reviewed cards; an assert is no way to meet a bad row.
    if card.state != State.Learning and (card.stability is None or card.difficulty is None):
        raise CardStateError(f"{whose} lacks stability or difficulty")
    return card


def _as_utc(instant: datetime) -> datetime:
    """fsrs insists on ``tzinfo == timezone.utc`` exactly; convert any aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)
