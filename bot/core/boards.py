"""Which leaderboard a group asks for: ``/leaderboard day|week|all|rounds``."""

from __future__ import annotations

from enum import StrEnum

from bot.core.errors import InputError


class BoardKind(StrEnum):
    DAY = "day"  # right poll answers today (the group's local day)
    WEEK = "week"  # ... this week, Monday to Sunday
    ALL = "all"  # ... ever
    ROUNDS = "rounds"  # quiz rounds won, ever


def parse_board(text: str) -> BoardKind:
    """``""`` → this week; otherwise one of the kinds, in any case."""
    word = text.strip().lower()
    if not word:
        return BoardKind.WEEK
    try:
        return BoardKind(word)
    except ValueError:
        raise InputError("The leaderboards are day, week, all and rounds") from None
