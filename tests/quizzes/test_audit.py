"""The answer-cue and item-kind audit behind the quiz part of ``content check``."""

import pytest

from quizzes.audit import (
    audit_items,
    has_phrase_options,
    is_phrase,
    key_is_longest,
    key_is_shortest,
)
from quizzes.item import ItemKind, QuizItem

PHRASES = ("Raises it a lot", "Lowers it a bit", "Leaves it as is", "Flips its sign")


def quiz(
    item_id: str,
    options: tuple[str, ...] = PHRASES,
    correct: int = 0,
    kind: ItemKind = ItemKind.COMPUTE,
) -> QuizItem:
    return QuizItem(item_id, item_id[:3], "Q?", options, correct, "E.", kind)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("Raises it: the gradient is −0.039", True),
        ("A scalar: shape ()", True),
        ("teacher.eval()", True),
        ("About 475", False),
        ("T = 4", False),
        ("$26", False),
        ("(32, 10)", False),
        ("8 days", False),
        ("ln(0.90/0.08) ≈ 2.42", False),
    ],
)
def test_a_phrase_has_two_words_of_two_letters(option: str, expected: bool) -> None:
    assert is_phrase(option) is expected


def test_an_item_has_phrase_options_when_most_of_them_are_phrases() -> None:
    assert has_phrase_options(quiz("1.1a"))
    assert not has_phrase_options(quiz("1.1a", ("T = 1", "T = 4", "T = 8", "It depends on T")))
    assert not has_phrase_options(quiz("1.1a", ("T = 1", "T = 4", "Too hot now", "Too cold now")))
    assert has_phrase_options(quiz("1.1a", ("T = 1", "Too warm now", "Too hot now", "Too cold")))


def test_longest_and_shortest_must_be_unique() -> None:
    options = ("a longer key", "mid one", "shortish", "tiny one")
    assert key_is_longest(quiz("1.1a", options, 0))
    assert not key_is_shortest(quiz("1.1a", options, 0))
    assert not key_is_longest(quiz("1.1a", ("same", "same", "long one", "tiny"), 0))
    tied = ("tiny", "even", "long one", "mid one")
    assert not key_is_shortest(quiz("1.1a", tied, 0))  # "even" is as short
    assert key_is_shortest(quiz("1.1a", ("tiny", "even x", "long one", "mid one"), 0))


def test_a_bank_within_the_limits_passes_with_exact_counts() -> None:
    items = [
        quiz("1.1a", ("The long key option", "short one", "mid option", "mid option 2"), 0),
        quiz("1.1b", ("key it is", "a longer distractor", "another one", "and one more"), 0),
        quiz("1.1c", PHRASES, 0, ItemKind.PREDICT),  # 15, 15, 15, 14: neither
        quiz("1.1d", PHRASES, 1, ItemKind.DIAGNOSE),
        quiz("1.2a", ("About 5", "About 50", "About 475", "About 5,000"), 3, ItemKind.CHOOSE),
        quiz(
            "1.2b",
            ("Raises it", "Lowers it a bit", "Leaves it as it is", "Flips it"),
            2,
            ItemKind.RECALL,
        ),
    ]
    audit = audit_items(items)
    assert audit.items == 6
    assert audit.phrase_items == ("1.1a", "1.1b", "1.1c", "1.1d", "1.2b")
    assert audit.key_longest == ("1.1a", "1.2b")
    assert audit.key_shortest == ("1.1b",)
    assert audit.longest_share == pytest.approx(0.4)
    assert audit.shortest_share == pytest.approx(0.2)
    assert dict(audit.kinds) == {
        ItemKind.COMPUTE: 2,
        ItemKind.PREDICT: 1,
        ItemKind.DIAGNOSE: 1,
        ItemKind.CHOOSE: 1,
        ItemKind.RECALL: 1,
    }
    assert audit.non_recall_share == pytest.approx(5 / 6)
    assert audit.problems == (
        "the key is the uniquely longest option in 2 of 5 items with phrase options "
        "(40%, limit 30%): 1.1a, 1.2b",
    )
    assert not audit.ok
    assert audit.summary() == (
        "answer cues over 5 items with phrase options: key uniquely longest 2 (40%), "
        "uniquely shortest 1 (20%)\n"
        "item kinds: compute 2, predict 1, diagnose 1, choose 1, recall 1; not recall 83%"
    )
    assert audit_items(items, max_cue_share=0.4).ok


def test_too_many_shortest_keys_and_too_much_recall_are_problems() -> None:
    short_key = ("the key", "one distractor", "two distractors", "three distractors")
    items = [
        quiz("1.1a", ("key one", "one distractor", "two distractors", "three distractors"), 0),
        quiz("1.1b", short_key, 0, ItemKind.RECALL),
        quiz("1.1c", PHRASES, 1, ItemKind.RECALL),
    ]
    assert audit_items(items).problems == (
        "the key is the uniquely shortest option in 2 of 3 items with phrase options "
        "(67%, limit 30%): 1.1a, 1.1b",
        "33% of items are not recall (at least 70% needed)",
    )


def test_an_empty_bank_has_no_problems_and_zero_shares() -> None:
    audit = audit_items([])
    assert audit.ok
    assert (audit.longest_share, audit.shortest_share, audit.non_recall_share) == (0, 0, 0)
    assert set(audit.kinds.values()) == {0}
