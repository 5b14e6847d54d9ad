"""Quiz items (YAML in ``items/``), their loader and validator, and the FSRS wrapper."""

from quizzes.bank import BankError, QuizBank, load_bank
from quizzes.item import QuizItem
from quizzes.srs import (
    CardState,
    CardStateError,
    ReviewOutcome,
    forecast_due,
    make_scheduler,
    new_card_state,
    rating_for,
    retrievability,
    review,
)

__all__ = [
    "BankError",
    "CardState",
    "CardStateError",
    "QuizBank",
    "QuizItem",
    "ReviewOutcome",
    "forecast_due",
    "load_bank",
    "make_scheduler",
    "new_card_state",
    "rating_for",
    "retrievability",
    "review",
]
