"""The quiz bank, read once per process."""

from __future__ import annotations

import functools

from quizzes import QuizBank, QuizItem, load_bank


@functools.cache
def quiz_bank() -> QuizBank:
    """Every quiz item of the course (validated when first read)."""
    return load_bank()


def drop_of(bank: QuizBank, item_id: str) -> str | None:
    """The drop an item belongs to; None for an id no longer in the bank."""
    item: QuizItem | None = bank.get(item_id)
    return None if item is None else item.drop_id
