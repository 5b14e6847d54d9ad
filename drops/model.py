"""The course as value types: drops, FAQ entries, and the course that orders them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drops.outline import COURSE_TITLE, PhaseOutline

# A phase needs nothing beyond what the outline states, so the outline's type is the phase.
Phase = PhaseOutline


@dataclass(frozen=True)
class Drop:
    """One daily lesson: its outline facts, its Markdown body and its optional extras."""

    id: str
    phase: int
    title: str
    minutes: int
    body: str
    try_settings: str | None
    figure: str | None
    path: Path

    @property
    def figure_path(self) -> Path | None:
        """Where the figure's PNG lives, next to the drop files; None when there is none."""
        if self.figure is None:
            return None
        return self.path.parent / "figures" / f"{self.figure}.png"


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str


@dataclass(frozen=True)
class Course:
    """All drops in outline order, the phases, and the FAQ."""

    drops: tuple[Drop, ...]
    phases: tuple[Phase, ...]
    faq: tuple[FaqEntry, ...]
    title: str = COURSE_TITLE

    def __len__(self) -> int:
        return len(self.drops)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(drop.id for drop in self.drops)

    def find(self, wanted: str) -> Drop | None:
        """A drop by either of its names: its id ("2.2") or its place ("6"); else None."""
        wanted = wanted.strip()
        # A place is ASCII digits: str.isdigit() also takes "²", which int() refuses.
        if wanted.isascii() and wanted.isdigit() and 1 <= int(wanted) <= len(self.drops):
            return self.drops[int(wanted) - 1]
        return next((drop for drop in self.drops if drop.id == wanted), None)

    def drop(self, drop_id: str) -> Drop:
        """The drop with this id; KeyError when there is none."""
        for drop in self.drops:
            if drop.id == drop_id:
                return drop
        raise KeyError(f"no drop {drop_id!r} in the course")

    def index(self, drop_id: str) -> int:
        """1-based position of the drop, as in "drop 3 of 14"."""
        for position, drop in enumerate(self.drops, start=1):
            if drop.id == drop_id:
                return position
        raise KeyError(f"no drop {drop_id!r} in the course")

    def next_id(self, drop_id: str) -> str | None:
        """The id of the drop after this one, or None after the last drop."""
        position = self.index(drop_id)
        return self.drops[position].id if position < len(self.drops) else None

    def phase(self, number: int) -> Phase:
        for phase in self.phases:
            if phase.number == number:
                return phase
        raise KeyError(f"no phase {number} in the course")

    def drops_in_phase(self, number: int) -> tuple[Drop, ...]:
        return tuple(drop for drop in self.drops if drop.phase == number)
