"""The short messages around drops: a reminder, a pause, the finish line."""

from __future__ import annotations

from bot.core.journey import LAST_DROP_ID
from bot.telegram import buttons
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.parts import Part
from drops.markdown import escape_markdown
from drops.model import Course


def reminder(course: Course, drop_id: str | None) -> Part:
    return markdown_part(f"📬 {still_waiting(course, drop_id)}")


def still_waiting(course: Course, drop_id: str | None) -> str:
    """The drop to finish before the next one comes, and how to open it (Markdown)."""
    title = course.drop(drop_id).title if drop_id else "your last drop"
    after = (
        "finishing it completes the path"
        if drop_id == LAST_DROP_ID
        else "the next one comes once you've finished it"
    )
    return (
        f"Your drop is still waiting: **{escape_markdown(title)}**.\nOpen it with /today — {after}."
    )


def paused() -> Part:
    return markdown_part(
        "I've paused your daily drops after three quiet days — no pile-up waiting for you. "
        "Tap **Resume** whenever you're ready.",
        ((("▶️ Resume", buttons.RESUME.encode(True)),),),
    )
