"""Writes a small, valid course into a folder, so each test can break one thing in it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from drops import outline

# Two paragraphs of about 260 words make a body inside the 450–900 word window.
_SENTENCE = "The student copies what the teacher already knows, one soft target at a time. "
PARAGRAPH = (_SENTENCE * 19).strip()
BODY = f"{PARAGRAPH}\n\n{PARAGRAPH}\n\n**Further reading:** Hinton, Vinyals & Dean (2015)."
ANSWER = "A short, plain answer with **one bold phrase** in it."


def front_matter(entry: outline.DropOutline, **overrides: object) -> dict[str, object]:
    meta: dict[str, object] = {
        "id": entry.id,
        "phase": entry.phase,
        "title": entry.title,
        "minutes": entry.minutes,
    }
    meta.update(overrides)
    return {key: value for key, value in meta.items() if value is not None}


def write_drop(
    folder: Path, drop_id: str, *, body: str = BODY, meta: Mapping[str, object] | None = None
) -> Path:
    """Write ``<folder>/<drop_id>.md``; ``meta`` overrides front matter, None removes a key."""
    entry = next(entry for entry in outline.DROPS if entry.id == drop_id)
    meta = front_matter(entry, **(meta or {}))
    path = folder / f"{drop_id}.md"
    path.write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}\n", "utf-8")
    return path


def write_faq(folder: Path, questions: tuple[str, ...] = outline.FAQ_QUESTIONS) -> Path:
    path = folder / "faq.md"
    path.write_text("".join(f"## {question}\n\n{ANSWER}\n\n" for question in questions), "utf-8")
    return path


def write_course(folder: Path) -> Path:
    """A complete course that loads: every drop of the outline and the FAQ."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in outline.DROPS:
        write_drop(folder, entry.id)
    write_faq(folder)
    return folder
