"""The bank the content writers ship must load cleanly and fit the course."""

import pytest

from drops.outline import DROPS
from quizzes.bank import DEFAULT_ITEMS_FOLDER, load_bank


def test_the_shipped_bank_loads() -> None:
    if not any(DEFAULT_ITEMS_FOLDER.glob("*.y*ml")):
        pytest.skip("no quiz items written yet")
    bank = load_bank()  # raises BankError listing every problem
    assert len(bank) > 0
    course_drops = [drop.id for drop in DROPS]
    assert set(bank.drop_ids()) <= set(course_drops)
    # Items come in course order, whatever order the files are listed in.
    assert list(bank.drop_ids()) == [drop for drop in course_drops if drop in bank.drop_ids()]
