"""The bank the content writers ship must load cleanly and fit the course."""

import pytest

from drops.outline import DROPS
from quizzes.audit import audit_items
from quizzes.bank import DEFAULT_ITEMS_FOLDER, load_bank
from quizzes.item import ItemKind


def test_the_shipped_bank_loads() -> None:
    if not any(DEFAULT_ITEMS_FOLDER.glob("*.y*ml")):
        pytest.skip("no quiz items written yet")
    bank = load_bank()  # raises BankError listing every problem
    assert len(bank) > 0
    course_drops = [drop.id for drop in DROPS]
    assert set(bank.drop_ids()) <= set(course_drops)
    # Items come in course order, whatever order the files are listed in.
    assert list(bank.drop_ids()) == [drop for drop in course_drops if drop in bank.drop_ids()]


def test_the_shipped_bank_has_no_answer_cue_and_asks_more_than_recall() -> None:
    audit = audit_items(load_bank())
    assert audit.problems == ()
    assert audit.longest_share <= 0.30
    assert audit.shortest_share <= 0.30
    assert audit.non_recall_share >= 0.70


def test_the_items_the_review_named_are_kept_and_ask_more_than_recall() -> None:
    bank = load_bank()
    fixed = ["1.1d", "2.1d", "2.2a", "2.2d"]  # wrong, contestable or duplicated keys
    trivial = ["1.1a", "1.4e", "3.3d"]
    wording = [
        "1.1b",
        "1.1c",
        "1.1f",
        "1.2c",
        "1.3e",
        "1.4c",
        "1.4d",
        "2.2f",
        "3.2c",
        "3.3f",
        "3.4e",
    ]
    assert all(item_id in bank for item_id in fixed + trivial + wording)
    assert "3.2d" not in bank  # the duplicate of 1.1d, retired; 3.2g took its place
    assert "3.2g" in bank
    recall = {item.id for item in bank if item.kind is ItemKind.RECALL}
    assert not recall & set(trivial + wording)
