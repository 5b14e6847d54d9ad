"""The command menu: one list that feeds /help and setMyCommands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    in_groups: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("start", "Start the course (or see where you are)"),
    Command("help", "What this bot can do"),
)


def help_text() -> str:
    lines = ["**Distill Drops** teaches model distillation, one short drop a day.", ""]
    lines += [f"/{c.name} — {c.description}" for c in COMMANDS]
    return "\n".join(lines)
