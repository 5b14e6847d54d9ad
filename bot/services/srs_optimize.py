"""``distillbot srs optimize``: fit course-wide FSRS parameters from every learner's review log.

One learner of a fourteen-drop course never answers enough for fsrs's optimiser, so all
learners' logs are pooled; a card is one learner's history with one quiz item. The fit
runs in a child process (``kd_sandbox.srs_fit``), so this process never imports torch.
The bot picks up the newest stored parameter set for every review after it is stored.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect
from sqlmodel import Session, col, select

from bot.core import local_day
from bot.services.learner_zones import zone_named
from bot.storage.db import make_engine, session_scope
from bot.storage.kinds import AnswerSource
from bot.storage.models import Chat, Learner, ReviewRecord, SrsParameters
from kd_sandbox.srs_fit import FitResult, NotEnoughReviews, Review, check_enough, fit_in_worker

DEFAULT_MIN_REVIEWS = 512

Fitter = Callable[[Sequence[Review]], FitResult]


class CannotOptimize(Exception):
    """The parameters cannot be fitted or should not be stored; the message says why."""


@dataclass(frozen=True)
class Optimized:
    """A fit and where it went: ``stored_id`` is None for a dry run."""

    fit: FitResult
    stored_id: int | None


def load_reviews(session: Session, *, default_zone: str, day_start_hour: int) -> list[Review]:
    """Every answer ever logged, as the fitter's plain tuples (card key ``learner:item``).

    fsrs's optimiser counts the days between two reviews in 24-hour periods, but the bot
    schedules in the learner's local days (``quizzes.srs``): a miss at 19:05 answered right
    the next morning is a day apart. Each answer is therefore given at the start of its
    local day (as a UTC date), a microsecond later for each earlier answer of its card, so
    whole days come out as the learner's and a card's answers keep their order.
    """
    # A same-day relearning repeat is logged, but it is not an FSRS review. Each answer
    # comes with its learner's zone by a join: a list of every learner's id would pass
    # PostgreSQL's 65,535 parameters a query past that many learners.
    rows = session.exec(
        select(ReviewRecord, Chat.time_zone)
        .outerjoin(Learner, col(Learner.id) == col(ReviewRecord.learner_id))
        .outerjoin(Chat, col(Chat.id) == col(Learner.private_chat_id))
        .where(col(ReviewRecord.source) != AnswerSource.RELEARN)
        .order_by(col(ReviewRecord.reviewed_at))
    ).all()
    zones: dict[str | None, ZoneInfo] = {}
    earlier_answers: defaultdict[str, int] = defaultdict(int)
    reviews: list[Review] = []
    for log, zone_name in rows:
        if zone_name not in zones:
            zones[zone_name] = zone_named(zone_name, default_zone)
        key = f"{log.learner_id}:{log.item_id}"
        day = local_day(log.reviewed_at, zones[zone_name], day_start_hour)
        counted_at = datetime.combine(day, time(), UTC) + timedelta(
            microseconds=earlier_answers[key]
        )
        earlier_answers[key] += 1
        reviews.append((key, log.rating, counted_at, log.duration_ms))
    return reviews


def optimize(
    engine: Engine,
    *,
    now: datetime,
    default_zone: str,
    day_start_hour: int,
    min_reviews: int = DEFAULT_MIN_REVIEWS,
    dry_run: bool = False,
    fit: Fitter = fit_in_worker,
) -> Optimized:
    """Fits parameters to all review logs and, unless ``dry_run``, stores them.

    ``default_zone`` and ``day_start_hour`` count the learners' days (see ``load_reviews``).

    Raises:
        CannotOptimize: The tables are missing, the logs are too few, or (unless
            ``dry_run``, which reports any fit) the fitted parameters predict held-out
            reviews no better than the defaults; nothing is stored then.
    """
    if not inspect(engine).has_table(SrsParameters.__tablename__):
        raise CannotOptimize("The database has no review-log tables; run `distillbot migrate`.")
    with session_scope(engine) as session:
        reviews = load_reviews(session, default_zone=default_zone, day_start_hour=day_start_hour)
    if len(reviews) < min_reviews:
        raise CannotOptimize(
            f"Not enough review logs to fit FSRS parameters: {len(reviews)} reviews, "
            f"at least {min_reviews} wanted (--min-reviews)."
        )
    try:
        check_enough(reviews)  # before the child starts: no torch import for a refusal
        result = fit(reviews)
    except NotEnoughReviews as error:
        raise CannotOptimize(f"Not enough review logs to fit FSRS parameters: {error}") from error
    except BrokenProcessPool as error:
        raise CannotOptimize(
            "The fitting process died (out of memory?); nothing stored."
        ) from error
    if dry_run:
        return Optimized(fit=result, stored_id=None)
    if not result.log_loss_after < result.log_loss_before:
        raise CannotOptimize(
            "The fitted parameters predict held-out reviews no better than FSRS's defaults "
            f"(log-loss {result.log_loss_before:.4f} → {result.log_loss_after:.4f}); "
            "nothing stored."
        )
    row = SrsParameters(
        parameters=json.dumps(list(result.parameters)),
        fitted_at=now,
        reviews_used=result.reviews_used,
        log_loss_before=result.log_loss_before,
        log_loss_after=result.log_loss_after,
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        stored_id = row.id
    return Optimized(fit=result, stored_id=stored_id)


def describe(outcome: Optimized) -> str:
    """The report printed by the command."""
    fit = outcome.fit
    lines = [
        f"Reviews used for fitting: {fit.reviews_used}",
        f"Held-out reviews scored: {fit.held_out} (on cards never fitted on)",
        f"Held-out log-loss: {fit.log_loss_before:.4f} with FSRS's defaults"
        f" → {fit.log_loss_after:.4f} fitted (lower is better)",
        "Parameters: " + ", ".join(f"{value:.4f}" for value in fit.parameters),
    ]
    if outcome.stored_id is None:
        better = fit.log_loss_after < fit.log_loss_before
        lines.append(
            "Dry run: nothing stored." + ("" if better else " (No better than the defaults.)")
        )
    else:
        lines.append(
            f"Stored as parameter set {outcome.stored_id}; "
            "the bot schedules every review with it from now on."
        )
    return "\n".join(lines)


def run_optimize(
    database_url: str, *, default_zone: str, day_start_hour: int, min_reviews: int, dry_run: bool
) -> int:
    """The command: fit, store, print the report; exit status 1 with a reason otherwise."""
    engine = make_engine(database_url)
    try:
        outcome = optimize(
            engine,
            now=datetime.now(UTC),
            default_zone=default_zone,
            day_start_hour=day_start_hour,
            min_reviews=min_reviews,
            dry_run=dry_run,
        )
    except CannotOptimize as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(describe(outcome))
    return 0
