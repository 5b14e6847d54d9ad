"""A drop as the messages that carry it: text parts, its figure, and the closing buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.telegram import buttons
from drops.model import Course, Drop
from drops.render import Entity, render_drop

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True)
class Part:
    """One message of a drop: text with entities, or a photo with a caption."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    photo: Path | None = None
    buttons: Buttons = ()


def drop_parts(
    course: Course, drop: Drop, *, path_round: int, closing: Buttons | None = None
) -> list[Part]:
    """The drop's messages in order; the last one carries ``closing`` (default: Done)."""
    parts = [Part(m.text, list(m.entities)) for m in render_drop(drop, course)]
    if drop.figure_path is not None and drop.figure_path.exists():
        caption = f"Figure for drop {course.index(drop.id)}: {drop.title}"
        parts.append(Part(caption[:1000], photo=drop.figure_path))
    done = buttons.DONE.encode(buttons.DropDone(path_round, drop.id))
    keyboard = closing if closing is not None else ((("✅ Done", done),),)
    last = parts[-1]
    parts[-1] = Part(last.text, last.entities, last.photo, keyboard)
    return parts
