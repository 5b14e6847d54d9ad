"""Synthetic review logs: learners whose memory follows known, non-default FSRS parameters.

Each learner meets one new quiz item a day (like a drop's quiz), answers every card that is
due, and skips some days. Reviews are scheduled as the bot schedules them before any fit:
FSRS's default parameters, at the learner's own desired retention. Whether an answer is
right is drawn from the retrievability of the same history under the true parameters, so
the logs carry what the defaults get wrong. A fixed seed makes them the same on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from kd_sandbox.srs_fit import Review

# These learners forget faster than FSRS's defaults assume: lower first stabilities after a
# wrong and a right answer (w0, w2), slower growth on recall (w8), a steeper curve (w20).
TRUE_PARAMETERS = tuple(
    {0: 0.05, 2: 0.4, 8: 1.2, 20: 0.6}.get(index, value)
    for index, value in enumerate(DEFAULT_PARAMETERS)
)
START = datetime(2025, 1, 6, tzinfo=UTC)
RETENTIONS = (0.8, 0.85, 0.9, 0.95)
SKIP_DAY = 0.25  # chance a learner does not open the bot on a given day
FIRST_ANSWER_RIGHT = 0.75  # the quiz straight after a drop


@dataclass(frozen=True)
class SimulatedReview:
    learner_id: int
    item_id: str
    rating: Rating
    reviewed_at: datetime
    duration_ms: int

    def as_review(self) -> Review:
        key = f"{self.learner_id}:{self.item_id}"
        return key, int(self.rating), self.reviewed_at, self.duration_ms


@dataclass
class _Item:
    scheduled: Card  # as the bot sees it (default parameters): says when it is due
    memory: Card  # the same history under the true parameters: says if it is recalled


def simulate(
    learners: int = 16, items: int = 10, days: int = 40, seed: int = 1
) -> list[SimulatedReview]:
    """Every answer of ``learners`` learners over ``days`` days."""
    rng = random.Random(seed)
    memory = _scheduler(TRUE_PARAMETERS, 0.9)
    reviews: list[SimulatedReview] = []
    for learner_id in range(1001, 1001 + learners):
        bot = _scheduler(DEFAULT_PARAMETERS, rng.choice(RETENTIONS))
        at_hour = timedelta(hours=rng.randrange(6, 22), minutes=rng.randrange(60))
        cards: dict[str, _Item] = {}
        for day in range(days):
            if rng.random() < SKIP_DAY:
                continue
            now = START + timedelta(days=day) + at_hour
            answers = [
                (item_id, rng.random() < memory.get_card_retrievability(item.memory, now))
                for item_id, item in cards.items()
                if item.scheduled.due <= now
            ]
            if len(cards) < items:
                item_id = f"d{len(cards) + 1}.q1"
                new = Card(card_id=len(cards) + 1, due=now)
                cards[item_id] = _Item(scheduled=new, memory=new)
                answers.append((item_id, rng.random() < FIRST_ANSWER_RIGHT))
            for item_id, right in answers:
                rating = Rating.Good if right else Rating.Again
                item = cards[item_id]
                item.scheduled, _ = bot.review_card(item.scheduled, rating, now)
                item.memory, _ = memory.review_card(item.memory, rating, now)
                duration_ms = rng.randrange(3_000, 20_000)
                reviews.append(SimulatedReview(learner_id, item_id, rating, now, duration_ms))
    return reviews


def _scheduler(parameters: tuple[float, ...], desired_retention: float) -> Scheduler:
    return Scheduler(
        parameters=parameters,
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )
