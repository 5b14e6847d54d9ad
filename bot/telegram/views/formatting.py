"""Our Markdown → Telegram text and entities (through drops.render, never MarkdownV2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from telegram import MessageEntity

from drops.render import render_markdown


def markdown(text: str) -> tuple[str, list[MessageEntity]]:
    """Our Markdown as plain text plus the entities that format it."""
    rendered = render_markdown(text)
    return rendered.text, entities_from_dicts(rendered.entities)


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
