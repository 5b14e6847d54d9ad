"""Answers survive the database round trip; corrupt stored answers never crash the bot."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.planner import QUESTIONS, PlanProfile, ProfileError, clean_draft, next_question
from bot.core.planner.choices import OutputKind
from tests.planner import learners


@pytest.mark.parametrize("name", list(learners.ALL_LEARNERS))
def test_a_profile_round_trips_through_json(name: str) -> None:
    profile = learners.ALL_LEARNERS[name]
    stored = json.loads(json.dumps(profile.to_dict()))
    assert PlanProfile.from_dict(stored) == profile


def test_a_draft_asks_the_questions_in_order_until_complete() -> None:
    answers = learners.writing_assistant().to_dict()
    draft: dict[str, object] = {}
    asked = []
    while (question := next_question(draft)) is not None:
        asked.append(question.key)
        draft[question.key] = answers[question.key]
    assert asked == [question.key for question in QUESTIONS]
    assert PlanProfile.from_dict(draft) == learners.writing_assistant()


@pytest.mark.parametrize(
    ("key", "corrupt"),
    [
        ("output", "poem"),
        ("output", 3),
        ("volume", "5000"),
        ("volume", 0),
        ("volume", True),
        ("volume", 1.5),
        ("latency", -1),
        ("cost", float("nan")),
        ("cost", -2.0),
        ("prompt", ""),
        ("prompt", "x" * 5000),
        ("teacher", "x" * 500),
        ("teacher", None),
        ("quality", None),
    ],
)
def test_a_corrupt_answer_is_rejected_and_asked_again(key: str, corrupt: object) -> None:
    stored: dict[str, object] = dict(learners.support_classifier().to_dict())
    stored[key] = corrupt

    with pytest.raises(ProfileError):
        PlanProfile.from_dict(stored)
    assert key not in clean_draft(stored)
    question = next_question(stored)
    assert question is not None and question.key == key


@pytest.mark.parametrize("stored", [None, [], "profile", 42, {"output": {"nested": 1}}])
def test_data_that_is_not_a_draft_at_all_starts_over(stored: object) -> None:
    with pytest.raises(ProfileError):
        PlanProfile.from_dict(stored)
    question = next_question(stored)
    assert question is not None and question.key == "prompt"


def test_unknown_keys_are_ignored_and_optional_answers_may_be_none() -> None:
    stored = dict(learners.support_classifier().to_dict(), legacy_field="x", latency=None)
    profile = PlanProfile.from_dict(stored)
    assert profile.latency_ms is None
    assert profile.output_kind is OutputKind.LABEL
    assert "legacy_field" not in clean_draft(stored)


def test_a_missing_answer_is_named_in_the_error() -> None:
    stored = learners.support_classifier().to_dict()
    del stored["privacy"]
    with pytest.raises(ProfileError, match="privacy"):
        PlanProfile.from_dict(stored)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
STORED_DRAFTS = st.dictionaries(
    st.sampled_from([question.key for question in QUESTIONS]) | st.text(max_size=8),
    JSON_VALUES,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(stored=STORED_DRAFTS | JSON_VALUES)
def test_any_stored_json_gives_a_profile_a_profile_error_or_a_question(stored: object) -> None:
    try:
        PlanProfile.from_dict(stored)
    except ProfileError:
        assert next_question(stored) is not None
    else:
        assert next_question(stored) is None
