"""The rules one quiz item must meet."""

from typing import Any

import pytest

from quizzes.item import ItemError, ItemKind, QuizItem, parse_item, telegram_length


def raw_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "2.2a",
        "kind": "predict",
        "question": "What does raising the temperature do to the teacher's softmax?",
        "options": ["Flattens it", "Sharpens it", "Leaves it unchanged", "Zeroes the logits"],
        "correct": 0,
        "explanation": "Dividing logits by T > 1 shrinks their gaps, so probabilities even out.\n",
    }
    item.update(changes)
    return item


def problems_of(raw: object, drop_id: str = "2.2") -> str:
    with pytest.raises(ItemError) as caught:
        parse_item(raw, drop_id)
    return " | ".join(caught.value.problems)


def test_a_good_item_is_built_with_texts_trimmed() -> None:
    item = parse_item(raw_item(), "2.2")
    assert item == QuizItem(
        id="2.2a",
        drop_id="2.2",
        question="What does raising the temperature do to the teacher's softmax?",
        options=("Flattens it", "Sharpens it", "Leaves it unchanged", "Zeroes the logits"),
        correct=0,
        explanation="Dividing logits by T > 1 shrinks their gaps, so probabilities even out.",
        kind=ItemKind.PREDICT,
        pinned_last=False,
    )
    assert item.correct_option == "Flattens it"


def test_the_last_option_can_be_pinned() -> None:
    options = ["Flattens it", "Sharpens it", "Zeroes the logits", "It depends on the logits"]
    item = parse_item(raw_item(options=options, pinned_last=True, kind="choose"), "2.2")
    assert item.pinned_last is True
    assert item.kind is ItemKind.CHOOSE


def test_five_options_are_allowed() -> None:
    options = ["A one", "B two", "C three", "D four", "E five"]
    assert len(parse_item(raw_item(options=options, correct=4), "2.2").options) == 5


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": "2.3a"}, "must be the drop id plus one letter, like '2.2a'"),
        ({"id": "2.2"}, "must be the drop id plus one letter"),
        ({"id": "2.2ab"}, "must be the drop id plus one letter"),
        ({"id": "2.2A"}, "must be the drop id plus one letter"),
        ({"id": 2.2}, "id is not text"),
        ({"question": "x" * 301}, "question has 301 characters; the limit is 300"),
        ({"question": "   "}, "question is empty"),
        ({"options": ["a", "b", "c"]}, "has 3 options; 4 or 5 are needed"),
        ({"options": ["a", "b", "c", "d", "e", "f"]}, "has 6 options"),
        ({"options": "a, b, c, d"}, "options must be a list"),
        ({"options": ["a", "b", "c", "d" * 101]}, "option 3 has 101 characters; the limit is 100"),
        ({"options": ["Yes", "No", True, "Maybe"]}, "option 2 is not text (in YAML, quote"),
        ({"options": ["Soft labels", "soft  Labels", "c", "d"]}, "options are not distinct"),
        ({"options": ["a", "", "c", "d"]}, "option 1 is empty"),
        ({"correct": 4}, "correct is 4, but the options are numbered 0 to 3"),
        ({"correct": -1}, "correct is -1"),
        ({"correct": "0"}, "correct must be the index"),
        ({"correct": True}, "correct must be the index"),
        ({"explanation": "e" * 201}, "explanation has 201 characters; the limit is 200"),
        ({"explanation": "one\ntwo\nthree\nfour"}, "more than 2 line feeds"),
        ({"explanation": None}, "explanation is not text"),
        ({"kind": "Compute"}, "kind 'Compute' is not one of compute, predict, diagnose"),
        ({"kind": ["compute"]}, "kind ['compute'] is not one of"),
        ({"kind": None}, "kind None is not one of"),
        ({"pinned_last": "yes"}, "pinned_last must be true or false"),
        ({"pinned_last": 1}, "pinned_last must be true or false"),
    ],
)
def test_each_broken_rule_is_named(changes: dict[str, Any], expected: str) -> None:
    assert expected in problems_of(raw_item(**changes))


def test_limits_count_emoji_as_telegram_does() -> None:
    assert telegram_length("🧪") == 2
    question = "🧪" * 150  # 150 characters in Python, 300 for Telegram: just fits
    assert parse_item(raw_item(question=question), "2.2").question == question
    assert "question has 302 characters" in problems_of(raw_item(question=question + "🧪"))


def test_all_problems_are_reported_at_once() -> None:
    problems = problems_of(raw_item(question="", correct=9, explanation="x" * 250))
    assert "question is empty" in problems
    assert "correct is 9" in problems
    assert "explanation has 250 characters" in problems


def test_missing_and_misspelt_keys_are_named() -> None:
    raw = raw_item()
    raw["explaination"] = raw.pop("explanation")
    problems = problems_of(raw)
    assert "missing key 'explanation'" in problems
    assert "unknown key 'explaination'" in problems


def test_a_missing_kind_is_named() -> None:
    raw = raw_item()
    del raw["kind"]
    assert problems_of(raw) == "missing key 'kind'"


def test_an_entry_that_is_not_a_mapping_is_refused() -> None:
    assert "is not a mapping" in problems_of(["2.2a", "question?"])
