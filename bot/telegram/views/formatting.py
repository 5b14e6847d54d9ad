"""Our Markdown → Telegram text and entities (through drops.render, never MarkdownV2), and
button texts."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from telegram import MessageEntity

from bot.telegram.views.parts import Buttons, Part
from drops.render import Entity, render_markdown

BUTTON_TEXT_CHARS = 60  # Telegram shows a button's text on one line: keep it readable


def button_text(text: str) -> str:
    """``text`` whole when it fits on a button, else cut after a word, with "…"."""
    if len(text) <= BUTTON_TEXT_CHARS:
        return text
    return text[: BUTTON_TEXT_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@functools.lru_cache(maxsize=1024)
def markdown(text: str) -> tuple[str, tuple[MessageEntity, ...]]:
    """Our Markdown as plain text plus the entities that format it (built once per text:
    a /help typed in a rush is the same text each time; entities are immutable)."""
    plain, entities = _rendered(text)
    return plain, tuple(entities_from_dicts(entities))


def markdown_part(text: str, buttons: Buttons = ()) -> Part:
    """Our Markdown as a message to send, with ``buttons`` under it."""
    plain, entities = _rendered(text)
    return Part(plain, list(entities), buttons=buttons)


@functools.lru_cache(maxsize=4096)
def _rendered(text: str) -> tuple[str, tuple[Entity, ...]]:
    # In a rush many learners get the same question (a few option orders, a few headings)
    # and the same explanation: each text is rendered once. Nothing changes an entity
    # after rendering.
    rendered = render_markdown(text)
    return rendered.text, tuple(rendered.entities)


def entities_from_dicts(entities: Iterable[Mapping[str, Any]]) -> list[MessageEntity]:
    return [
        MessageEntity(
            type=e["type"],
            offset=e["offset"],
            length=e["length"],
            url=e.get("url"),
            language=e.get("language"),
        )
        for e in entities
    ]
