"""Pure rules of a group's quiz round: its size, which items it asks, and the ranking.

A round asks items of the drops the group has reached, weighted to those its members
are most likely to have forgotten, never two from one drop in a row. The ranking puts
more right answers first and, among equals, less total answer time (an unanswered
question counts as its whole open period and an answer at most that, so skipping is never
faster than answering).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.errors import InputError

DEFAULT_SIZE = 5
MAX_SIZE = 10
MIN_WEIGHT = 0.05
"""An item every member knows well still comes up now and then."""


def parse_round_size(text: str) -> int:
    """``""`` → the default size; ``"7"`` → 7; anything else raises InputError."""
    text = text.strip()
    if not text:
        return DEFAULT_SIZE
    if not text.isascii() or not text.isdigit():
        raise InputError(f"a round is a number of questions from 1 to {MAX_SIZE}")
    size = int(text)
    if not 1 <= size <= MAX_SIZE:
        raise InputError(f"a round has 1 to {MAX_SIZE} questions")
    return size


@dataclass(frozen=True)
class Candidate:
    """An item a round may ask, with its members' mean recall (None: nobody answered it)."""

    item_id: str
    drop_id: str
    recall: float | None


def choose_items(
    candidates: Sequence[Candidate], size: int, rng: random.Random, *, unseen_recall: float
) -> list[Candidate]:
    """Up to ``size`` distinct items, drawn with weight ``1 - recall`` (the chance that the
    group has forgotten it; an unseen item counts as ``unseen_recall``), never two of
    one drop in a row. Fewer come back when the drops reached cannot alternate enough."""
    left = list(candidates)
    chosen: list[Candidate] = []
    while left and len(chosen) < size:
        previous = chosen[-1].drop_id if chosen else None
        allowed = [c for c in left if c.drop_id != previous]
        if not allowed:
            break
        weights = [_forgetting(c, unseen_recall) for c in allowed]
        pick = rng.choices(allowed, weights=weights)[0]
        chosen.append(pick)
        left.remove(pick)
    return chosen


def _forgetting(candidate: Candidate, unseen_recall: float) -> float:
    recall = unseen_recall if candidate.recall is None else candidate.recall
    return max(1.0 - recall, MIN_WEIGHT)


@dataclass(frozen=True)
class Answer:
    """One member's answer to one question of the round."""

    learner_id: int
    question: int  # position in the round, from 1
    correct: bool
    seconds: float  # from the poll's sending to the answer's arrival


@dataclass(frozen=True)
class Placing:
    rank: int
    learner_id: int
    right: int
    answered: int
    seconds: float  # total answer time, each question counting at most ``open_period``


def rank(answers: Iterable[Answer], *, questions: int, open_period: float) -> list[Placing]:
    """Everyone who answered at least once: most right first, then least total time.

    Equal right answers and equal time share a rank (1, 2, 2, 4).
    """
    by_learner: dict[int, list[Answer]] = {}
    for answer in answers:
        by_learner.setdefault(answer.learner_id, []).append(answer)
    rows = []
    for learner_id, given in by_learner.items():
        right = sum(a.correct for a in given)
        # An answer that came in after the closing time (it waited for the bot: a restart)
        # counts the open period, as a skip does.
        taken = sum(min(a.seconds, open_period) for a in given)
        seconds = taken + (questions - len(given)) * open_period
        rows.append((learner_id, right, len(given), round(seconds, 3)))
    rows.sort(key=lambda row: (-row[1], row[3], row[0]))
    placings: list[Placing] = []
    for position, (learner_id, right, answered, seconds) in enumerate(rows, start=1):
        before = placings[-1] if placings else None
        tied = before is not None and (before.right, before.seconds) == (right, seconds)
        placings.append(
            Placing(before.rank if tied and before else position, learner_id, right, answered,
                    seconds)
        )  # fmt: skip
    return placings
