"""One quiz item and the rules it must meet to work as buttons and as a Telegram quiz poll."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

MAX_QUESTION_LENGTH = 300  # Telegram poll question
MIN_OPTIONS = 4  # ours: three distractors at least; Telegram allows 2
MAX_OPTIONS = 5  # ours: a phone keyboard of buttons; Telegram allows 12
MAX_OPTION_LENGTH = 100  # Telegram poll option
MAX_EXPLANATION_LENGTH = 200  # Telegram quiz explanation
MAX_EXPLANATION_LINE_FEEDS = 2  # Telegram quiz explanation
MAX_ID_LENGTH = 8  # ids travel in 64-byte callback data next to other fields

ITEM_KEYS = ("id", "kind", "question", "options", "correct", "explanation")
OPTIONAL_KEYS = ("pinned_last",)


class ItemKind(StrEnum):
    """What an item asks the learner to do (the ``kind:`` of each YAML item)."""

    COMPUTE = "compute"  # work a number out from the numbers given
    PREDICT = "predict"  # say what a change will do to a run, a loss or a distribution
    DIAGNOSE = "diagnose"  # name the cause of a symptom
    CHOOSE = "choose"  # take a decision in a scenario with its numbers
    RECALL = "recall"  # remember what the drop said


@dataclass(frozen=True)
class QuizItem:
    """A multiple-choice question about one drop.

    Attributes:
        id: Stable forever (learners' review history points at it): the drop id
            plus one lowercase letter, e.g. ``"2.2a"``.
        drop_id: The drop the item tests, e.g. ``"2.2"``.
        question: The question, at most 300 characters.
        options: Four or five distinct answers, each at most 100 characters.
        correct: Index of the right answer in ``options``.
        explanation: Why the right answer is right; at most 200 characters
            and 2 line feeds (shown by Telegram after a wrong poll answer).
        kind: What the item asks the learner to do.
        pinned_last: The last option ("none of the above", "it depends") must
            stay last when the options are shuffled.
    """

    id: str
    drop_id: str
    question: str
    options: tuple[str, ...]
    correct: int
    explanation: str
    kind: ItemKind = ItemKind.RECALL
    pinned_last: bool = False

    @property
    def correct_option(self) -> str:
        """The text of the right answer."""
        return self.options[self.correct]


class ItemError(ValueError):
    """An item broke one or more rules.

    Attributes:
        problems: One plain sentence per broken rule.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def telegram_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts: an emoji may count 2."""
    return len(text.encode("utf-16-le")) // 2


def parse_item(raw: object, drop_id: str) -> QuizItem:
    """Checks one item as read from YAML and builds it.

    Surrounding whitespace of every text is dropped first (YAML block scalars
    end in a line feed that nobody meant).

    Args:
        raw: The YAML value of one list entry.
        drop_id: The drop whose file the item came from.

    Returns:
        The item.

    Raises:
        ItemError: With every problem found, not just the first.
    """
    if not isinstance(raw, Mapping):
        raise ItemError([f"is not a mapping with the keys {', '.join(ITEM_KEYS)}"])
    problems = [f"missing key {key!r}" for key in ITEM_KEYS if key not in raw]
    problems += [f"unknown key {key!r}" for key in raw if key not in ITEM_KEYS + OPTIONAL_KEYS]
    if problems:
        raise ItemError(problems)
    item_id = _text(raw["id"], "id", problems)
    question = _text(raw["question"], "question", problems)
    explanation = _text(raw["explanation"], "explanation", problems)
    options = _options(raw["options"], problems)
    correct = raw["correct"]
    kind = _kind(raw["kind"], problems)
    pinned_last = raw.get("pinned_last", False)
    if not isinstance(pinned_last, bool):
        problems.append("pinned_last must be true or false (it pins the last option)")
    _check_id(item_id, drop_id, problems)
    _check_length(question, "question", MAX_QUESTION_LENGTH, problems)
    _check_length(explanation, "explanation", MAX_EXPLANATION_LENGTH, problems)
    if explanation.count("\n") > MAX_EXPLANATION_LINE_FEEDS:
        problems.append(f"explanation has more than {MAX_EXPLANATION_LINE_FEEDS} line feeds")
    # bool is an int in Python, and YAML reads "yes" as True: refuse it explicitly.
    if not isinstance(correct, int) or isinstance(correct, bool):
        problems.append("correct must be the index (0, 1, ...) of the right option")
    elif options and not 0 <= correct < len(options):
        problems.append(
            f"correct is {correct}, but the options are numbered 0 to {len(options) - 1}"
        )
    if problems or kind is None:  # an invalid kind is always among the problems
        raise ItemError(problems)
    return QuizItem(
        item_id, drop_id, question, options, correct, explanation, kind, pinned_last is True
    )


def _kind(value: object, problems: list[str]) -> ItemKind | None:
    if isinstance(value, str) and value in {kind.value for kind in ItemKind}:
        return ItemKind(value)
    allowed = ", ".join(kind.value for kind in ItemKind)
    problems.append(f"kind {value!r} is not one of {allowed}")
    return None


def _text(value: object, name: str, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append(f"{name} is not text (in YAML, quote numbers and yes/no)")
        return ""
    if not value.strip():
        problems.append(f"{name} is empty")
    return value.strip()


def _options(value: object, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        problems.append("options must be a list")
        return ()
    if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        problems.append(f"has {len(value)} options; {MIN_OPTIONS} or {MAX_OPTIONS} are needed")
    options = tuple(
        _text(option, f"option {number}", problems) for number, option in enumerate(value)
    )
    for number, option in enumerate(options):
        _check_length(option, f"option {number}", MAX_OPTION_LENGTH, problems)
    # "Soft labels" and "soft  Labels" would look like the same button.
    comparable = [" ".join(option.casefold().split()) for option in options]
    if len(set(comparable)) < len(comparable):
        problems.append("options are not distinct")
    return options


def _check_id(item_id: str, drop_id: str, problems: list[str]) -> None:
    if not item_id:
        return
    if not re.fullmatch(re.escape(drop_id) + "[a-z]", item_id, re.ASCII):
        problems.append(f"id {item_id!r} must be the drop id plus one letter, like '{drop_id}a'")
    elif len(item_id) > MAX_ID_LENGTH:
        problems.append(f"id {item_id!r} is longer than {MAX_ID_LENGTH} characters")


def _check_length(text: str, name: str, limit: int, problems: list[str]) -> None:
    length = telegram_length(text)
    if length > limit:
        problems.append(f"{name} has {length} characters; the limit is {limit}")
