"""Markdown → Telegram messages: plain text plus message entities, split to fit.

The conversion itself is telegramify-markdown's: it turns Markdown into plain text and
entities whose offsets and lengths are UTF-16 code units, as the Bot API counts them.
This module adds what a drop needs on top: a header, the "Try it" line, and splitting at
paragraph boundaries so that no message is longer than Telegram allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

import telegramify_markdown

from drops.model import Course, Drop, FaqEntry

# Telegram allows 4096 UTF-16 code units a message; the margin keeps room for a line
# the bot may add (a button hint, a "continued" mark) without re-splitting.
MESSAGE_LIMIT = 3900
# Telegram honours at most 100 entities in one message and drops the rest.
MAX_ENTITIES = 100
PARAGRAPH_SEPARATOR = "\n\n"

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


class Entity(TypedDict):
    """A Bot API MessageEntity as a plain dict; offsets and lengths in UTF-16 units."""

    type: str
    offset: int
    length: int
    url: NotRequired[str]
    language: NotRequired[str]


@dataclass(frozen=True)
class RenderedMessage:
    """One Telegram text message: what to send as ``text`` and as ``entities``."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP take two units."""
    return int(telegramify_markdown.utf16_len(text))


def _render_config() -> telegramify_markdown.RenderConfig:
    # An isolated config: nobody else's change to the library's global one reaches us.
    config = telegramify_markdown.RenderConfig.isolated()
    config.markdown_symbol.unordered_list_item = "•"
    return config


_CONFIG = _render_config()


def render_markdown(markdown: str) -> RenderedMessage:
    """Convert Markdown to text and entities, unsplit."""
    text, entities = telegramify_markdown.convert(markdown, latex_escape=False, config=_CONFIG)
    return _trimmed(RenderedMessage(str(text), [_entity_dict(entity) for entity in entities]))


def _entity_dict(entity: telegramify_markdown.MessageEntity) -> Entity:
    result = Entity(type=entity.type, offset=entity.offset, length=entity.length)
    if entity.url is not None:
        result["url"] = entity.url
    if entity.language is not None:
        result["language"] = entity.language
    return result


def _trimmed(message: RenderedMessage) -> RenderedMessage:
    """Drop trailing whitespace (a list can end with a newline) and clip entities to it."""
    text = message.text.rstrip()
    return RenderedMessage(text, _clip(message.entities, 0, utf16_length(text)))


def _clip(entities: Iterable[Entity], start: int, end: int) -> list[Entity]:
    """Entities overlapping the UTF-16 range [start, end), clipped and re-based to start."""
    clipped: list[Entity] = []
    for entity in entities:
        low = max(entity["offset"], start)
        high = min(entity["offset"] + entity["length"], end)
        if high > low:
            clipped.append(_moved(entity, offset=low - start, length=high - low))
    return clipped


def _moved(entity: Entity, *, offset: int, length: int) -> Entity:
    moved = entity.copy()
    moved["offset"] = offset
    moved["length"] = length
    return moved


def join_messages(
    parts: Sequence[RenderedMessage], separator: str = PARAGRAPH_SEPARATOR
) -> RenderedMessage:
    """Concatenate rendered parts, shifting each part's entities by what precedes it."""
    texts: list[str] = []
    entities: list[Entity] = []
    position = 0
    for number, part in enumerate(parts):
        if number:
            texts.append(separator)
            position += utf16_length(separator)
        texts.append(part.text)
        entities.extend(
            _moved(entity, offset=entity["offset"] + position, length=entity["length"])
            for entity in part.entities
        )
        position += utf16_length(part.text)
    return RenderedMessage("".join(texts), entities)


def split_message(message: RenderedMessage, limit: int = MESSAGE_LIMIT) -> list[RenderedMessage]:
    """Split at paragraph boundaries so each piece is at most ``limit`` UTF-16 units.

    Paragraphs are packed greedily; the separators between pieces are dropped, so
    ``PARAGRAPH_SEPARATOR.join(piece.text ...)`` gives back the whole text. A break inside
    an entity (a code block with a blank line) is never used. A single paragraph longer
    than ``limit`` is cut by telegramify-markdown's splitter (at line ends where it can),
    which the content check forbids in the course itself.
    """
    if utf16_length(message.text) <= limit:
        return [message]
    units_before = _utf16_offsets(message.text)
    paragraphs = _paragraph_spans(message, units_before)
    pieces: list[RenderedMessage] = []
    first = 0
    while first < len(paragraphs):
        last = first
        while last + 1 < len(paragraphs) and (
            units_before[paragraphs[last + 1][1]] - units_before[paragraphs[first][0]] <= limit
        ):
            last += 1
        start, end = paragraphs[first][0], paragraphs[last][1]
        piece = _slice(message, units_before, start, end)
        if utf16_length(piece.text) <= limit:
            pieces.append(piece)
        else:
            pieces.extend(_split_oversized(piece, limit))
        first = last + 1
    return pieces


def _utf16_offsets(text: str) -> list[int]:
    """offsets[i] = UTF-16 units before text[i]; offsets[len(text)] = the total."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets


def _paragraph_spans(message: RenderedMessage, units_before: list[int]) -> list[tuple[int, int]]:
    """(start, end) string indices of paragraphs, split only at breaks outside entities."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(message.text):
        break_start, break_end = units_before[match.start()], units_before[match.end()]
        inside_entity = any(
            entity["offset"] < break_start and entity["offset"] + entity["length"] > break_end
            for entity in message.entities
        )
        if not inside_entity:
            spans.append((start, match.start()))
            start = match.end()
    spans.append((start, len(message.text)))
    return spans


def _slice(
    message: RenderedMessage, units_before: list[int], start: int, end: int
) -> RenderedMessage:
    entities = _clip(message.entities, units_before[start], units_before[end])
    return RenderedMessage(message.text[start:end], entities)


def _split_oversized(message: RenderedMessage, limit: int) -> list[RenderedMessage]:
    library_entities = [telegramify_markdown.MessageEntity(**entity) for entity in message.entities]
    return [
        RenderedMessage(str(text), [_entity_dict(entity) for entity in entities])
        for text, entities in telegramify_markdown.split_entities(
            message.text, library_entities, limit
        )
    ]


def _plain(text: str, *entity_types: str) -> RenderedMessage:
    """Literal text (no Markdown parsing: titles may hold any character), fully styled."""
    length = utf16_length(text)
    return RenderedMessage(
        text, [Entity(type=kind, offset=0, length=length) for kind in entity_types]
    )


def drop_header(drop: Drop, course: Course) -> RenderedMessage:
    """Phase line, "Drop n of 14 · ~m min read", then the title in bold."""
    phase = course.phase(drop.phase)
    meta = _plain(
        f"Phase {phase.number} · {phase.title}\n"
        f"Drop {course.index(drop.id)} of {len(course)} · ~{drop.minutes} min read",
        "italic",
    )
    return join_messages([meta, _plain(drop.title, "bold")])


def try_line(settings: str) -> RenderedMessage:
    """ "Try it: /distill <settings>", the command as code so a tap copies it whole."""
    command = f"/distill {settings}".rstrip()
    label = "Try it: "
    return RenderedMessage(
        label + command,
        [Entity(type="code", offset=utf16_length(label), length=utf16_length(command))],
    )


def render_drop(drop: Drop, course: Course) -> list[RenderedMessage]:
    """The drop as Telegram messages: header, body, and the Try-it line when it has one."""
    parts = [drop_header(drop, course), render_markdown(drop.body)]
    if drop.try_settings is not None:
        parts.append(try_line(drop.try_settings))
    return split_message(join_messages(parts))


def render_faq_entry(entry: FaqEntry) -> list[RenderedMessage]:
    """One question in bold and its answer."""
    return split_message(_faq_part(entry))


def _faq_part(entry: FaqEntry) -> RenderedMessage:
    # A single line feed keeps the question in one paragraph with the answer's first one,
    # so a split never leaves a question at the foot of a message without its answer.
    return join_messages([_plain(entry.question, "bold"), render_markdown(entry.answer)], "\n")
