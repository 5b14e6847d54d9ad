"""Quiz items (YAML in ``items/``), their loader and validator, the FSRS wrapper and the
item statistics of ``content report``."""

from quizzes.audit import BankAudit, audit_items
from quizzes.bank import BankError, QuizBank, load_bank
from quizzes.item import ItemKind, QuizItem
from quizzes.item_stats import (
    Answer,
    DropFunnel,
    DropProgress,
    ItemFlag,
    ItemReport,
    ItemStats,
    Thresholds,
    Undefined,
    item_report,
    report_png,
)
from quizzes.shuffle import original_index, shown_correct, shown_options, shuffled_order
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
    within_daily_cap,
)

__all__ = [
    "Answer",
    "BankAudit",
    "BankError",
    "CardState",
    "CardStateError",
    "DropFunnel",
    "DropProgress",
    "ItemFlag",
    "ItemKind",
    "ItemReport",
    "ItemStats",
    "QuizBank",
    "QuizItem",
    "ReviewOutcome",
    "Thresholds",
    "Undefined",
    "audit_items",
    "forecast_due",
    "item_report",
    "load_bank",
    "make_scheduler",
    "new_card_state",
    "original_index",
    "rating_for",
    "report_png",
    "retrievability",
    "review",
    "shown_correct",
    "shown_options",
    "shuffled_order",
    "within_daily_cap",
]
