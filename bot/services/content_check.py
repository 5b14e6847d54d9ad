"""The content check behind ``distillbot content check``: drops, FAQ and quiz bank together.

It lives in bot/ because it reads both drops/ and quizzes/ (quizzes may depend on drops,
not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from drops import outline
from drops.errors import ContentError
from drops.loader import load_course
from quizzes.audit import audit_items
from quizzes.bank import BankError, load_bank

MIN_DROPS_WITH_FIGURE = 8  # a picture wherever one teaches better than words


@dataclass(frozen=True)
class ContentReport:
    """What the check found: counts when the course loads, and every problem."""

    drops: int = 0
    phases: int = 0
    faq: int = 0
    quiz_items: int | None = None  # None when the quiz bank is not available
    drops_with_figure: int = 0
    audit: str = ""  # the quiz bank's answer cues and item kinds, as printed
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        quiz = "not checked" if self.quiz_items is None else str(self.quiz_items)
        lines = [
            f"drops: {self.drops}, phases: {self.phases}, FAQ entries: {self.faq}, "
            f"quiz items: {quiz}",
            f"drops with a figure: {self.drops_with_figure} of {self.drops}",
            *([self.audit] if self.audit else []),
            *(f"note: {note}" for note in self.notes),
            *(f"problem: {problem}" for problem in self.problems),
            "content OK" if self.ok else f"{len(self.problems)} problem(s)",
        ]
        return "\n".join(lines)


def check_content(
    folder: Path | None = None, *, min_drops_with_figure: int = MIN_DROPS_WITH_FIGURE
) -> ContentReport:
    """Load the course and the quiz bank; report counts and every problem found."""
    problems: list[str] = []
    notes: list[str] = []
    drops = phases = faq = figures = 0
    try:
        course = load_course(folder)
    except ContentError as error:
        problems.extend(str(problem) for problem in error.problems)
    else:
        drops, phases, faq = len(course.drops), len(course.phases), len(course.faq)
        figures = sum(1 for drop in course.drops if drop.figure is not None)
        if figures < min_drops_with_figure:
            problems.append(
                f"only {figures} drops have a figure; at least {min_drops_with_figure} should"
            )
    quiz_items, audit = _check_quiz_bank(problems, notes)
    return ContentReport(drops, phases, faq, quiz_items, figures, audit, problems, notes)


def _check_quiz_bank(problems: list[str], notes: list[str]) -> tuple[int | None, str]:
    try:
        bank = load_bank()
    except BankError as error:
        problems.extend(f"quiz bank: {line}" for line in getattr(error, "problems", [error]))
        return None, ""
    counts: dict[str, int] = bank.count_by_drop()
    problems.extend(
        f"quiz bank: drop {drop.id} has no quiz items (quizzes/items/drop-{drop.id}.yaml)"
        for drop in outline.DROPS
        if counts.get(drop.id, 0) == 0
    )
    audit = audit_items(bank)
    problems.extend(f"quiz bank: {problem}" for problem in audit.problems)
    return len(bank), audit.summary()
