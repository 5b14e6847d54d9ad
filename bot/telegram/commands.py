"""Commands as the handler modules declare them, and the menu order that /help and
setMyCommands share."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.telegram.context import AppContext

CommandCallback = Callable[[Update, AppContext], Coroutine[Any, Any, Any]]


@dataclass(frozen=True)
class Command:
    """A slash command: its handler and, unless ``hidden``, its line in the menu."""

    name: str
    description: str
    callback: CommandCallback
    hidden: bool = False  # works when typed, stays out of the menu and /help


# The menu's order, top to bottom: what a learner needs first comes first.
MENU_ORDER = (
    "start", "today", "next", "progress", "settime", "timezone", "pause", "resume", "restart",
    "drop", "faq", "distill", "plan", "plans", "cancel", "review", "quiz", "stats",
    "leaderboard", "settings", "export", "forget", "help",
)  # fmt: skip


def menu(commands: Iterable[Command]) -> list[tuple[str, str]]:
    """The visible commands in menu order, as (name, description)."""
    visible = {c.name: c for c in commands if not c.hidden}
    return [(name, visible[name].description) for name in MENU_ORDER if name in visible]


def help_text(menu: Iterable[tuple[str, str]]) -> str:
    lines = [
        "**Distill Drops** teaches model distillation: one short drop a day, on your schedule.",
        "",
    ]
    lines += [f"/{name} — {description}" for name, description in menu]
    lines += [
        "",
        "In a group, an administrator sets the time with /settime and /timezone; "
        "the group gets the daily drop. /quiz starts a round of timed quiz polls there, and "
        "an administrator's /settings says who may start one.",
    ]
    return "\n".join(lines)
