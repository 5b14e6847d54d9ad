"""Problems found in the course files, each naming the file it is about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong with one file; ``file`` is relative to the course folder's parent."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class ContentError(ValueError):
    """The course files do not match the outline or break a content rule.

    Carries every problem found, so one run of the check lists them all.
    """

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
