"""Typed questions find the drop or FAQ answer about them, offline; small talk finds none."""

from __future__ import annotations

import pytest

from drops.loader import load_course
from drops.search import best_match, words


@pytest.mark.parametrize(
    ("question", "drop_id", "faq_index"),
    [
        ("What temperature should I use?", "2.2", None),
        ("what is dark knowledge", "2.2", None),
        ("what is DPO", "3.3", None),
        ("How do I distill reasoning traces?", "3.2", None),
        ("my student gets worse with kl_div reduction mean", "2.5", None),
        ("exposure bias", "3.4", None),
        ("Is it legal to distill GPT outputs?", None, 4),
    ],
)
def test_a_course_question_finds_its_answer(
    question: str, drop_id: str | None, faq_index: int | None
) -> None:
    match = best_match(load_course(), question)
    assert match is not None
    assert (match.drop_id, match.faq_index) == (drop_id, faq_index)


@pytest.mark.parametrize("chat", ["hello there", "thanks!", "ok", "good morning", "I love pizza"])
def test_small_talk_matches_nothing(chat: str) -> None:
    assert best_match(load_course(), chat) is None


def test_words_drop_stop_words_and_plurals() -> None:
    assert words("What are the Logits of teachers?") == ["logit", "teacher"]
