"""Answers survive the database round trip; corrupt stored answers never crash the bot."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.planner import QUESTIONS, PlanProfile, ProfileError, clean_draft, next_question
from bot.core.planner.choices import OutputKind
from tests.planner import learners

# A prompt that states neither its output kind nor its input length: everything is asked.
VAGUE = replace(learners.support_classifier(), prompt="Sort our support tickets into queues.")


@pytest.mark.parametrize("name", list(learners.EIGHT))
def test_a_profile_round_trips_through_json(name: str) -> None:
    profile = learners.EIGHT[name]()
    stored = json.loads(json.dumps(profile.to_dict()))
    assert PlanProfile.from_dict(stored) == profile


def test_a_draft_asks_the_questions_in_order_until_complete() -> None:
    answers = learners.writing_assistant().to_dict()
    draft: dict[str, object] = {}
    asked = []
    while (question := next_question(draft)) is not None:
        asked.append(question.key)
        draft[question.key] = answers[question.key]
    # The prompt says it rewrites (style) but not how long a draft is; Claude's API is
    # known to give no log-probs; reasoning doesn't matter for style.
    assert asked == [
        "prompt", "inputlen", "volume", "latency", "cost", "quality", "teacher", "prefs",
        "privacy", "engineering", "horizon",
    ]  # fmt: skip
    assert PlanProfile.from_dict(draft) == learners.writing_assistant()


def test_a_vague_prompt_gets_every_question() -> None:
    answers = VAGUE.to_dict()
    draft: dict[str, object] = {}
    asked = []
    while (question := next_question(draft)) is not None:
        asked.append(question.key)
        draft[question.key] = answers[question.key]
    assert asked == [q.key for q in QUESTIONS if q.key not in {"logprobs", "reasoning", "prefs"}]
    assert PlanProfile.from_dict(draft) == VAGUE


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
        ("teacher", "other"),
        ("inputlen", 0),
        ("engineering", -5),
        ("horizon", 99_999),
    ],
)
def test_a_corrupt_answer_is_rejected_and_asked_again(key: str, corrupt: object) -> None:
    stored: dict[str, object] = dict(VAGUE.to_dict())
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
