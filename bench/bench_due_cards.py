"""How fast due reviews are found: up to 10,000 learners × 70 cards in SQLite.

For two database sizes and several numbers of due cards per learner it prints the
median time of
  - one learner's due cards (``bot.services.quiz.due.due_cards``: what Done, /review and
    every answer run),
  - one tick's due cards: the 200 learners a delivery tick serves at most, in one
    query on the same index, and as 200 calls of ``due_cards``,
with SQLite's query plan. Goal: under 20 ms, growing with the number due, not
with the number of cards. It also times reading a learner's recent questions
(open ones, the daily cap), which scans quiz_questions: it has no index on
learner_id. Asserts nothing.

Run: .venv/bin/python bench/bench_due_cards.py  [--learners 10000] [--cards 70]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.today import Today
from bot.services.quiz.due import due_cards
from bot.services.quiz.questions import asked_lately
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from quizzes import load_bank, new_card_state

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
TICK_LEARNERS = 200
QUESTIONS_PER_LEARNER = 30
REPEATS = 25
TICK_SQL = (
    "SELECT id, learner_id, item_id, due_at FROM cards "
    "WHERE learner_id IN ({ids}) AND due_at < :before ORDER BY learner_id, due_at"
)


def naive(instant: datetime) -> datetime:
    """As the UTCDateTime column stores instants in SQLite."""
    return instant.astimezone(UTC).replace(tzinfo=None)


def fill(engine: Engine, learners: int, cards: int, rng: random.Random) -> None:
    """Each learner's card j falls due j days from NOW (in a shuffled item order), so
    a threshold of NOW + k days makes exactly k cards of every learner due."""
    items = [item.id for item in load_bank().all()][:cards]
    state = json.dumps(new_card_state(NOW))  # a realistic row size
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO learners (id, first_name, desired_retention, review_cap, "
                "reviews_with_drop, created_at) VALUES (:id, 'L', 0.9, 20, 1, :now)"
            ),
            [{"id": n, "now": naive(NOW)} for n in range(1, learners + 1)],
        )
        batch: list[dict[str, Any]] = []
        for learner in range(1, learners + 1):
            order = rng.sample(items, len(items))
            for day, item_id in enumerate(order):
                due = naive(NOW + timedelta(days=day, minutes=rng.randint(0, 600)))
                batch.append({"l": learner, "i": item_id, "s": state, "d": due})
            if len(batch) >= 50_000:
                _insert_cards(connection, batch)
                batch = []
        _insert_cards(connection, batch)
        connection.execute(
            text(
                "INSERT INTO quiz_questions (learner_id, chat_id, item_id, kind, sent_at, "
                "answered_at) VALUES (:l, :l, :i, 'review', :t, :t)"
            ),
            [
                {"l": learner, "i": items[q % len(items)], "t": naive(NOW - timedelta(hours=q))}
                for learner in range(1, learners + 1)
                for q in range(QUESTIONS_PER_LEARNER)
            ],
        )


def _insert_cards(connection: Connection, batch: list[dict[str, Any]]) -> None:
    if batch:
        connection.execute(
            text("INSERT INTO cards (learner_id, item_id, state, due_at) VALUES (:l, :i, :s, :d)"),
            batch,
        )


def median_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plan(engine: Engine, sql: str, **params: object) -> str:
    with engine.connect() as connection:
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
    return "; ".join(str(row[-1]) for row in rows)


def measure(learners: int, cards: int, folder: Path) -> Engine:
    rng = random.Random(7)
    url = f"sqlite:///{folder / f'bench-{learners}.db'}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, learners, cards, rng)
    print(
        f"\n{learners:,} learners × {cards} cards = {learners * cards:,} cards "
        f"(filled in {time.perf_counter() - started:.1f} s)"
    )
    print(
        f"{'due/learner':>11} {'due in all':>11} {'one learner':>12} "
        f"{'tick: 1 query':>14} {'tick: 200 calls':>16}   (median ms)"
    )
    everyone = list(range(1, learners + 1))
    for due_each in (0, 1, 5, 20, cards):
        one, batch, calls = _time_selections(engine, everyone, NOW + timedelta(days=due_each), rng)
        print(
            f"{due_each:>11} {due_each * learners:>11,} {one:>12.2f} {batch:>14.2f} {calls:>16.1f}"
        )
    return engine


def _time_selections(
    engine: Engine, everyone: list[int], before: datetime, rng: random.Random
) -> tuple[float, float, float]:
    """Median ms: one learner's due cards; a tick's in one query; a tick's as 200 calls."""
    tick_ids = rng.sample(everyone, min(TICK_LEARNERS, len(everyone)))
    sql = text(TICK_SQL.format(ids=", ".join(map(str, tick_ids))))
    with Session(engine) as session:
        one = median_ms(lambda: due_cards(session, rng.choice(everyone), before))
        batch = median_ms(
            lambda: session.connection().execute(sql, {"before": naive(before)}).all()
        )
        calls = median_ms(lambda: [due_cards(session, i, before) for i in tick_ids], 5)
    return one, batch, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--cards", type=int, default=70)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        measure(args.learners // 10, args.cards, folder).dispose()
        engine = measure(args.learners, args.cards, folder)
        at = naive(NOW)
        print("\nquery plans:")
        one_sql = "SELECT * FROM cards WHERE learner_id = 5 AND due_at < :t ORDER BY due_at"
        print("  one learner:", plan(engine, one_sql, t=at))
        print("  tick:       ", plan(engine, TICK_SQL.format(ids="1, 2, 3"), before=at))
        rng = random.Random(3)
        with Session(engine) as session:
            today = Today.at(NOW, ZoneInfo("UTC"), 4)
            cap = median_ms(lambda: asked_lately(session, rng.randint(1, args.learners), today))
        recent_sql = "SELECT * FROM quiz_questions WHERE learner_id = 5 AND sent_at >= :t"
        print(
            f"\na learner's recent questions (open ones, the daily cap), "
            f"{args.learners * QUESTIONS_PER_LEARNER:,} stored: {cap:.2f} ms median; "
            f"plan: {plan(engine, recent_sql, t=at)}"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
