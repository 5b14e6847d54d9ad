"""Storing a fit: what is read from the logs, when nothing is stored, and that the bot uses it.

The fitter is replaced by a stand-in here (the real fit runs in test_srs_fit and through the
command line in test_command), so these run on SQLite and PostgreSQL in a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from bot.core import local_day
from bot.services.quiz.learners import scheduler_for
from bot.services.srs_optimize import CannotOptimize, load_reviews, optimize
from bot.storage.db import make_engine, session_scope
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Learner, ReviewRecord, SrsParameters
from kd_sandbox.srs_fit import FitResult, Review
from tests.srs.logs_db import fill
from tests.srs.simulate import TRUE_PARAMETERS, simulate

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAYS = {"default_zone": "UTC", "day_start_hour": 4}
SIMULATED = simulate()


class StandInFitter:
    """Returns a fixed result and remembers what it was given."""

    def __init__(self, log_loss_after: float = 0.5) -> None:
        self.given: list[Review] | None = None
        self.log_loss_after = log_loss_after

    def __call__(self, reviews: Sequence[Review]) -> FitResult:
        self.given = list(reviews)
        return FitResult(
            parameters=TRUE_PARAMETERS,
            reviews_used=700,
            held_out=130,
            log_loss_before=0.6,
            log_loss_after=self.log_loss_after,
        )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    fill(engine, database_url, SIMULATED)
    yield engine
    engine.dispose()


def stored(engine: Engine) -> list[SrsParameters]:
    with Session(engine) as session:
        return list(session.exec(select(SrsParameters)).all())


def test_every_logged_answer_is_read_as_one_learners_card(engine: Engine) -> None:
    with Session(engine) as session:
        reviews = load_reviews(session, **DAYS)
    first = SIMULATED[0]
    assert len(reviews) == len(SIMULATED)
    assert (f"{first.learner_id}:{first.item_id}", int(first.rating)) in {
        (key, rating) for key, rating, *_ in reviews
    }
    assert all(at.utcoffset() is not None for _, _, at, _ in reviews)
    # Each answer on its learner's day (UTC here, days from 04:00), in its card's order.
    assert {at.date() for _, _, at, _ in reviews} == {
        local_day(review.reviewed_at, ZoneInfo("UTC"), 4) for review in SIMULATED
    }
    by_card = defaultdict(list)
    for key, _, at, _ in reviews:
        by_card[key].append(at)
    assert all(times == sorted(times) for times in by_card.values())


def test_the_fit_counts_days_between_answers_as_the_learner_lives_them(
    database_url: str,
) -> None:
    """A miss at 19:05 in Los Angeles answered right at 08:00 the next morning is a day
    later for the bot's scheduler (local days), but only 13 hours for fsrs's optimiser,
    which then learned from it as a same-day repeat; an answer at 02:00 belongs to the
    day before (days start at 04:00)."""
    engine = make_engine(database_url)
    upgrade(database_url)
    los_angeles = ZoneInfo("America/Los_Angeles")
    answered = [
        (datetime(2026, 3, 2, 19, 5, tzinfo=los_angeles), Rating.Again),
        (datetime(2026, 3, 3, 8, 0, tzinfo=los_angeles), Rating.Good),
        (datetime(2026, 3, 6, 2, 0, tzinfo=los_angeles), Rating.Good),
    ]
    try:
        with session_scope(engine) as session:
            session.add(Chat(id=7, kind="private", time_zone="America/Los_Angeles"))
            session.add(Learner(id=7, first_name="Ana", private_chat_id=7))
            for at, rating in answered:
                session.add(
                    ReviewRecord(learner_id=7, item_id="1.1a", rating=int(rating),
                                 correct=rating != Rating.Again, reviewed_at=at,
                                 source="private", chat_id=7)
                )  # fmt: skip
        with Session(engine) as session:
            reviews = load_reviews(session, **DAYS)
    finally:
        engine.dispose()
    days_apart = [(later[2] - earlier[2]).days for earlier, later in pairwise(reviews)]
    assert days_apart == [1, 2]  # as fsrs counts them: Mon → Tue, Tue → Thu (02:00 Fri)


def test_a_stored_fit_is_what_the_bot_schedules_with(engine: Engine) -> None:
    fitter = StandInFitter()
    outcome = optimize(engine, now=NOW, **DAYS, fit=fitter)
    assert fitter.given is not None and len(fitter.given) == len(SIMULATED)
    [row] = stored(engine)
    assert outcome.stored_id == row.id
    assert (row.reviews_used, row.log_loss_before, row.log_loss_after) == (700, 0.6, 0.5)
    with Session(engine) as session:
        assert scheduler_for(session, None).parameters == TRUE_PARAMETERS


def test_a_dry_run_stores_nothing(engine: Engine) -> None:
    outcome = optimize(engine, now=NOW, **DAYS, dry_run=True, fit=StandInFitter())
    assert outcome.stored_id is None
    assert stored(engine) == []


def test_a_fit_no_better_than_the_defaults_is_not_stored(engine: Engine) -> None:
    with pytest.raises(CannotOptimize, match="no better than FSRS's defaults"):
        optimize(engine, now=NOW, **DAYS, fit=StandInFitter(log_loss_after=0.6))
    assert stored(engine) == []
    with Session(engine) as session:
        assert scheduler_for(session, None).parameters == DEFAULT_PARAMETERS


def test_fewer_logs_than_min_reviews_are_refused_before_fitting(engine: Engine) -> None:
    fitter = StandInFitter()
    with pytest.raises(CannotOptimize, match=f"{len(SIMULATED)} reviews, at least 5000"):
        optimize(engine, now=NOW, **DAYS, min_reviews=5000, fit=fitter)
    assert fitter.given is None
    assert stored(engine) == []


def test_logs_fsrs_cannot_learn_from_are_refused_before_fitting(database_url: str) -> None:
    engine = make_engine(database_url)
    # Many answers, but each card answered once: nothing a day after a previous review.
    first_answers = list({(r.learner_id, r.item_id): r for r in reversed(SIMULATED)}.values())
    fill(engine, database_url, first_answers)
    fitter = StandInFitter()
    try:
        with pytest.raises(CannotOptimize, match="needs 512 reviews made a day or more"):
            optimize(engine, now=NOW, **DAYS, min_reviews=10, fit=fitter)
    finally:
        engine.dispose()
    assert fitter.given is None


def test_logs_of_more_learners_than_postgresql_takes_parameters_are_read(
    database_url: str,
) -> None:
    """66,000 learners answered once each; learner 7 lives in Auckland. PostgreSQL takes at
    most 65,535 parameters in a query, and the learners' zones were read with one parameter
    per learner: `srs optimize` failed there. Every answer is read, 7's on his own day."""
    learners = 66_000
    answered = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Tuesday 09:00 in Auckland
    engine = make_engine(database_url)
    upgrade(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(Chat),
                [{"id": 7, "kind": "private", "time_zone": "Pacific/Auckland", "created_at": NOW}],
            )
            connection.execute(
                insert(Learner),
                [{"id": i, "first_name": "", "private_chat_id": 7 if i == 7 else None,
                  "created_at": NOW} for i in range(1, learners + 1)],
            )  # fmt: skip
            connection.execute(
                insert(ReviewRecord),
                [{"learner_id": i, "item_id": "1.1a", "rating": int(Rating.Good), "correct": True,
                  "reviewed_at": answered, "source": "private", "chat_id": i}
                 for i in range(1, learners + 1)],
            )  # fmt: skip
        with Session(engine) as session:
            reviews = load_reviews(session, **DAYS)
    finally:
        engine.dispose()
    assert len(reviews) == learners
    days = {key: at.date().isoformat() for key, _, at, _ in reviews}
    assert days["7:1.1a"] == "2026-03-03" and days["8:1.1a"] == "2026-03-02"
