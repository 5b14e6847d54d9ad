"""A quiz round's pure rules: its size, the items it asks, and the ranking."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from bot.core.boards import BoardKind, parse_board
from bot.core.errors import InputError
from bot.core.rounds import Answer, Candidate, choose_items, parse_round_size, rank


@pytest.mark.parametrize(("text", "size"), [("", 5), ("1", 1), (" 7 ", 7), ("10", 10)])
def test_round_sizes(text: str, size: int) -> None:
    assert parse_round_size(text) == size


@pytest.mark.parametrize("text", ["0", "11", "99", "banana", "-3", "2.5", "٣", "5 6"])
def test_bad_round_sizes_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="1 to 10"):
        parse_round_size(text)


def pool(drops: int, per_drop: int, recall: float | None = None) -> list[Candidate]:
    return [
        Candidate(f"{d}.{i}", f"1.{d}", recall)
        for d in range(1, drops + 1)
        for i in range(per_drop)
    ]


@pytest.mark.parametrize("seed", range(30))
def test_never_two_items_of_one_drop_in_a_row(seed: int) -> None:
    chosen = choose_items(pool(3, 6), 10, random.Random(seed), unseen_recall=0.9)
    assert len(chosen) == 10 and len({c.item_id for c in chosen}) == 10
    assert all(a.drop_id != b.drop_id for a, b in itertools.pairwise(chosen))


def test_a_round_is_shorter_when_the_drops_reached_cannot_alternate() -> None:
    assert len(choose_items(pool(1, 6), 5, random.Random(0), unseen_recall=0.9)) == 1
    two = choose_items(pool(2, 2), 10, random.Random(0), unseen_recall=0.9)
    assert [c.drop_id for c in two] in (["1.1", "1.2", "1.1", "1.2"], ["1.2", "1.1", "1.2", "1.1"])
    assert choose_items([], 5, random.Random(0), unseen_recall=0.9) == []


def test_forgotten_items_come_up_far_more_often_than_known_ones() -> None:
    forgotten = Candidate("weak", "1.1", 0.2)  # weight 0.8
    known = Candidate("strong", "1.2", 0.99)  # weight 0.05 (the floor)
    unseen = Candidate("new", "1.3", None)  # counts as 0.9 recall: weight 0.1
    firsts = Counter(
        choose_items([forgotten, known, unseen], 1, random.Random(seed), unseen_recall=0.9)[
            0
        ].item_id
        for seed in range(2000)
    )
    assert firsts["weak"] > 1400 and firsts["new"] > firsts["strong"] > 0


def test_ranking_right_answers_first_then_total_time() -> None:
    answers = [
        Answer(1, 1, True, 4.0), Answer(1, 2, True, 4.0),  # 2 right, 8 s
        Answer(2, 1, True, 1.0), Answer(2, 2, True, 2.0),  # 2 right, 3 s: first
        Answer(3, 1, True, 0.5), Answer(3, 2, False, 0.5),  # 1 right, quickest
        Answer(4, 1, True, 1.0),  # 1 right, skipped one: 1 + 30 s
    ]  # fmt: skip
    placings = rank(answers, questions=2, open_period=30)
    assert [(p.rank, p.learner_id, p.right, p.seconds) for p in placings] == [
        (1, 2, 2, 3.0), (2, 1, 2, 8.0), (3, 3, 1, 1.0), (4, 4, 1, 31.0),
    ]  # fmt: skip


def test_equal_right_and_equal_time_share_a_rank() -> None:
    answers = [Answer(1, 1, True, 2.0), Answer(2, 1, True, 2.0), Answer(3, 1, False, 1.0)]
    assert [(p.rank, p.learner_id) for p in rank(answers, questions=1, open_period=10)] == [
        (1, 1), (1, 2), (3, 3),
    ]  # fmt: skip
    assert rank([], questions=3, open_period=10) == []


def test_an_answer_arriving_after_the_open_period_counts_no_more_than_a_skip() -> None:
    answers = [
        Answer(1, 1, False, 11.5), Answer(1, 2, True, 1.0),  # arrived after the closing time
        Answer(2, 2, True, 1.0),  # skipped question 1
    ]  # fmt: skip
    placings = rank(answers, questions=2, open_period=10)
    assert [(p.rank, p.learner_id, p.seconds) for p in placings] == [(1, 1, 11.0), (1, 2, 11.0)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("", BoardKind.WEEK), ("day", BoardKind.DAY), ("ALL", BoardKind.ALL),
     (" rounds ", BoardKind.ROUNDS)],
)  # fmt: skip
def test_leaderboard_kinds(text: str, kind: BoardKind) -> None:
    assert parse_board(text) == kind


def test_an_unknown_leaderboard_is_refused() -> None:
    with pytest.raises(InputError, match="day, week, all and rounds"):
        parse_board("month")
