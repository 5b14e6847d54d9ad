"""/settings input: every valid form accepted, every bad one reported, nothing half-applied."""

from __future__ import annotations

import pytest

from bot.services.quiz.preferences import Changes, SettingsError, apply, parse_settings
from bot.storage.models import Learner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Changes()),
        ("retention=0.85 cap=30 with_drop=off", Changes(0.85, 30, False)),
        ("RETENTION=85%", Changes(retention=0.85)),
        ("retention=80", Changes(retention=0.8)),
        ("retention=0.97", Changes(retention=0.97)),
        ("cap=5", Changes(cap=5)),
        ("review_cap=200 reviews_with_drop=yes", Changes(cap=200, with_drop=True)),
    ],
)
def test_valid_settings(text: str, expected: Changes) -> None:
    assert parse_settings(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("retention=0.79", "retention must be a number from 0.80 to 0.97"),
        ("retention=0.98", "retention must be"),
        ("retention=nan", "retention must be"),
        ("retention=inf", "retention must be"),
        ("retention=", "key=value"),
        ("cap=4", "cap must be a whole number from 5 to 200"),
        ("cap=201", "cap must be"),
        ("cap=2.5", "cap must be"),
        ("cap=٣٠", "cap must be"),  # Arabic-Indic digits are digits to Python, not to us
        ("with_drop=maybe", "with_drop must be on or off"),
        ("colour=blue", "there is no setting 'colour'"),
        ("cap=10 cap=20", "cap is given twice"),
        ("retention 0.9", "key=value"),
        ("cap=" + "9" * 500, "…"),
    ],
)
def test_bad_settings_are_explained(text: str, problem: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings(text)
    assert any(problem in line for line in error.value.problems), error.value.problems
    assert all(len(line) < 200 for line in error.value.problems)


def test_one_bad_value_rejects_the_whole_input() -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings("retention=0.85 cap=1000 with_drop=off")
    assert len(error.value.problems) == 1


def test_apply_changes_only_what_was_given() -> None:
    learner = Learner(id=1, desired_retention=0.9, review_cap=20, reviews_with_drop=True)
    apply(learner, Changes(cap=30))
    assert (learner.desired_retention, learner.review_cap, learner.reviews_with_drop) == (
        0.9,
        30,
        True,
    )
