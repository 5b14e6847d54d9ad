"""Markdown → Telegram text and entities (telegramify-markdown, never MarkdownV2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from telegram import MessageEntity
from telegramify_markdown import convert


def markdown(text: str) -> tuple[str, list[MessageEntity]]:
    """Our Markdown as plain text plus the entities that format it."""
    plain, entities = convert(text, latex_escape=False)
    return plain, entities_from_dicts(e.to_dict() for e in entities)


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
