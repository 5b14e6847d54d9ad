"""The two ways input to the planner can be wrong."""

from __future__ import annotations


class AnswerError(ValueError):
    """A learner's answer could not be read; `message` is safe to show them as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProfileError(ValueError):
    """Stored answers are missing or corrupt (never shown to the learner verbatim)."""
