"""Markdown → Telegram messages: plain text plus message entities, split to fit.

The conversion itself is telegramify-markdown's: it turns Markdown into plain text and
entities whose offsets and lengths are UTF-16 code units, as the Bot API counts them.
This module adds what a drop needs on top: a header, the "Try it" line, and splitting at
paragraph boundaries so that no message is longer than Telegram allows.
"""

from __future__ import annotations

import math
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


# Cards: a drop is read on a phone one card at a time. A card aims at CARD_TARGET
# UTF-16 units, is at least CARD_MIN (a short tail joins the card before it) and never
# more than CARD_MAX; a section (a paragraph opening in bold) starts a card where it can.
CARD_MIN = 600
CARD_TARGET = 1100
CARD_SOFT_MAX = 1500
CARD_MAX = 1800
# Reading speed for technical prose on a phone, to keep the "~n min" honest.
WORDS_PER_MINUTE = 180
_FIGURE_MENTION = re.compile(r"\bfigure\b", re.IGNORECASE)
_STEP = re.compile(r"^\d{1,2}\. ")


@dataclass(frozen=True)
class Card:
    """One card of a drop: its text, and whether the drop's figure goes with it."""

    message: RenderedMessage
    figure: bool = False


def drop_label(drop: Drop, course: Course) -> str:
    """The drop's one name everywhere: "Drop 2.2 · 6 of 14" (``drops.outline.drop_label``)."""
    return f"Drop {drop.id} · {course.index(drop.id)} of {len(course)}"


def reading_time(drop: Drop) -> str:
    """ "~7 min read"; a drop that is mostly steps to work through says so (drop 4.1)."""
    read = max(1, math.ceil(len(drop.body.split()) / WORDS_PER_MINUTE))
    steps = sum(1 for p in _PARAGRAPH_BREAK.split(drop.body) if _STEP.match(p.lstrip("*")))
    if drop.minutes <= 2 * read or not steps:
        return f"~{drop.minutes} min read"
    return f"~{read} min read, then {steps} steps to work through (~{drop.minutes - read} min)"


def drop_header(drop: Drop, course: Course) -> RenderedMessage:
    """Phase line, "Drop 2.2 · 6 of 14 · ~m min read", then the title in bold."""
    phase = course.phase(drop.phase)
    meta = _plain(
        f"Phase {phase.number} · {phase.title}\n{drop_label(drop, course)} · {reading_time(drop)}",
        "italic",
    )
    return join_messages([meta, _plain(drop.title, "bold")])


def try_line(settings: str, *, runnable: bool = True) -> RenderedMessage:
    """ "Try it: /distill <settings>", the command as code; the ▶️ Run it button runs it.
    Not ``runnable`` (the bot's sandbox is off): the same run as the offline command."""
    if runnable:
        label, command, after = "🧪 Try it: ", f"/distill {settings}", " (tap ▶️ Run it)"
    else:
        label, command = "🧪 Try it offline: ", f"distillbot distill {settings}"
        after = " (/distill is off on this server)"
    command = command.rstrip()
    return RenderedMessage(
        label + command + after,
        [Entity(type="code", offset=utf16_length(label), length=utf16_length(command))],
    )


def render_drop(drop: Drop, course: Course) -> list[RenderedMessage]:
    """The drop as Telegram messages, one a card (see ``render_cards``)."""
    return [card.message for card in render_cards(drop, course)]


def render_cards(drop: Drop, course: Course, *, runnable: bool = True) -> list[Card]:
    """The drop as cards: the header on the first, the Try-it line on the last, the figure
    with the card that first mentions it (or the last), each card within CARD_MAX.
    ``runnable``: the bot runs /distill (see ``try_line``)."""
    body = render_markdown(drop.body)
    units_before = _utf16_offsets(body.text)
    paragraphs = [
        piece
        for start, end in _paragraph_spans(body, units_before)
        for piece in _list_items(_slice(body, units_before, start, end))
    ]
    if drop.try_settings is not None:
        paragraphs.append(try_line(drop.try_settings, runnable=runnable))
    header = drop_header(drop, course)
    groups = _pack(header, paragraphs, _label_length(drop, course))
    messages = [join_messages(group) for group in groups]
    count = len(messages)
    cards = [
        join_messages([header, m]) if n == 0 else join_messages([_card_label(drop, n, count), m])
        for n, m in enumerate(messages)
    ]
    figure_at = count - 1
    for n, group in enumerate(groups):
        if any(_FIGURE_MENTION.search(p.text) for p in group):
            figure_at = n
            break
    has_figure = drop.figure is not None
    return [Card(m, has_figure and n == figure_at) for n, m in enumerate(cards)]


def _card_label(drop: Drop, number: int, count: int) -> RenderedMessage:
    return _plain(f"Drop {drop.id} · card {number + 1} of {count}", "italic")


def _label_length(drop: Drop, course: Course) -> int:
    return utf16_length(_card_label(drop, 9, 9).text) + utf16_length(PARAGRAPH_SEPARATOR)


def _pack(
    header: RenderedMessage, paragraphs: list[RenderedMessage], label: int
) -> list[list[RenderedMessage]]:
    """Paragraphs grouped into cards by the cheapest cut (dynamic programming over the
    paragraph boundaries): cards near CARD_TARGET, none over CARD_MAX, cuts before a
    section where possible, and as few short cards as the text allows."""
    sep = utf16_length(PARAGRAPH_SEPARATOR)
    sizes = [utf16_length(p.text) for p in paragraphs]
    first = utf16_length(header.text) + sep
    count = len(paragraphs)
    best: list[float] = [0.0] + [math.inf] * count
    cut: list[int] = [0] * (count + 1)
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            size = (first if start == 0 else label) + sum(sizes[start:end])
            size += sep * (end - start - 1)
            if size > CARD_MAX and end - start > 1:
                break
            opening, closing = paragraphs[start], paragraphs[end - 1]
            leads_in = end < count and _is_list_item(paragraphs[end])
            cost = best[start] + _card_cost(
                size, opening, closing, first=start == 0, leads_in=leads_in
            )
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups: list[list[RenderedMessage]] = []
    end = count
    while end > 0:
        groups.insert(0, paragraphs[cut[end] : end])
        end = cut[end]
    return groups


def _card_cost(
    size: int, opening: RenderedMessage, closing: RenderedMessage, *, first: bool, leads_in: bool
) -> float:
    cost = 1.0 + ((size - CARD_TARGET) / 400) ** 2
    if size > CARD_SOFT_MAX:
        cost += 10 + (size - CARD_SOFT_MAX) / 20
    if size > CARD_MAX:
        cost += 1000
    if size < CARD_MIN:
        cost += 10 + (CARD_MIN - size) / 20
    if not first and not _opens_section(opening):
        cost += 2.0
    if (_opens_section(closing) or leads_in) and utf16_length(closing.text) < 200:
        cost += 100.0  # a section's title alone at the foot of a card, its text on the next
    return cost


def _is_list_item(paragraph: RenderedMessage) -> bool:
    return paragraph.text.startswith("• ") or _STEP.match(paragraph.text) is not None


def _list_items(paragraph: RenderedMessage) -> list[RenderedMessage]:
    """A long list (one paragraph, its items a line apart) as its items, so that a card may
    end between two of them; anything else as it is."""
    if utf16_length(paragraph.text) <= CARD_SOFT_MAX - 300 or "\n• " not in paragraph.text:
        return [paragraph]
    units_before = _utf16_offsets(paragraph.text)
    starts = [0] + [m.start() + 1 for m in re.finditer(r"\n• ", paragraph.text)]
    ends = [start - 1 for start in starts[1:]] + [len(paragraph.text)]
    return [_slice(paragraph, units_before, a, b) for a, b in zip(starts, ends, strict=True)]


def _opens_section(paragraph: RenderedMessage) -> bool:
    """A paragraph that opens with bold text ("**Which T, then?** ...") starts a section."""
    return any(e["type"] == "bold" and e["offset"] == 0 for e in paragraph.entities)


def render_faq_entry(entry: FaqEntry) -> list[RenderedMessage]:
    """One question in bold and its answer."""
    return split_message(_faq_part(entry))


def _faq_part(entry: FaqEntry) -> RenderedMessage:
    # A single line feed keeps the question in one paragraph with the answer's first one,
    # so a split never leaves a question at the foot of a message without its answer.
    return join_messages([_plain(entry.question, "bold"), render_markdown(entry.answer)], "\n")
