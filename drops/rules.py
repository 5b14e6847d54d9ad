"""The content rules a drop or FAQ answer must keep, as checks that return reasons.

Each check returns a list of reasons (empty when all is well); the loader attaches the
file name. The rules are the ones a phone screen and Telegram impose: no tables or
headings, short paragraphs and code, only formatting Telegram shows, messages that fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from drops.render import MAX_ENTITIES, MESSAGE_LIMIT, RenderedMessage, render_markdown

MIN_WORDS = 450
MAX_WORDS = 900
MAX_PARAGRAPH_CHARS = 1500
MAX_CODE_LINES = 15
MAX_CODE_WIDTH = 60
FURTHER_READING = "**Further reading:**"
# What our Markdown may become; anything else (headings, spoilers, quotes) is a mistake.
ALLOWED_ENTITY_TYPES = frozenset({"bold", "italic", "code", "pre", "text_link"})
FIGURE_NAME = re.compile(r"[a-z0-9_]+")

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# Tag names, not any "<word ...>", so that prose such as "p<q and q>r" is not taken for HTML.
_HTML_TAG = re.compile(
    r"</?(a|b|i|u|s|em|strong|code|pre|br|p|div|span|img|sup|sub|ul|ol|li|table|tr|td|th"
    r"|blockquote|details|summary|h[1-6]|tg-spoiler)(\s[^>]*)?/?>",
    re.IGNORECASE,
)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_TARGET = re.compile(r"\]\(([^)\s]*)")


def prose_lines(markdown: str) -> Iterator[str]:
    """Lines outside fenced code blocks, with inline code removed."""
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield _INLINE_CODE.sub("", line)


def code_blocks(markdown: str) -> Iterator[list[str]]:
    """The lines of each fenced code block."""
    block: list[str] | None = None
    for line in markdown.splitlines():
        if _FENCE.match(line):
            if block is None:
                block = []
            else:
                yield block
                block = None
        elif block is not None:
            block.append(line)
    if block is not None:
        yield block


def word_count(markdown: str) -> int:
    """Words as ``wc -w`` counts them: runs of non-space characters."""
    return len(markdown.split())


def check_markdown(markdown: str) -> list[str]:
    """Formatting a phone and Telegram cannot show, and overlong paragraphs or code."""
    reasons: list[str] = []
    lines = list(prose_lines(markdown))
    if any(_HEADING.match(line) for line in lines):
        reasons.append("headings (#) are not allowed; use a bold sentence")
    if any(_TABLE_ROW.match(line) for line in lines):
        reasons.append("tables are not allowed; use a list or a code block")
    if any(_HTML_TAG.search(line) for line in lines):
        reasons.append("HTML tags are not allowed")
    if any("![" in line for line in lines):
        reasons.append("images are not allowed in Markdown; name a figure in the front matter")
    if any("[^" in line for line in lines):
        reasons.append("footnotes are not allowed")
    if any("||" in line for line in lines):
        reasons.append("'||' marks a spoiler in Telegram Markdown; rephrase")
    for target in _LINK_TARGET.findall("\n".join(lines)):
        if not target.startswith(("https://", "http://")):
            reasons.append(f"link target {target!r} is not an http(s) URL")
    for paragraph in re.split(r"\n\s*\n", markdown):
        if len(paragraph) >= MAX_PARAGRAPH_CHARS:
            reasons.append(
                "a paragraph (or a list with no blank lines between its items) has "
                f"{len(paragraph)} characters (limit {MAX_PARAGRAPH_CHARS - 1}): "
                f"{paragraph[:40]!r}..."
            )
    for block in code_blocks(markdown):
        if len(block) > MAX_CODE_LINES:
            reasons.append(f"a code block has {len(block)} lines (limit {MAX_CODE_LINES})")
        widest = max((len(line) for line in block), default=0)
        if widest > MAX_CODE_WIDTH:
            reasons.append(f"a code line is {widest} characters wide (limit {MAX_CODE_WIDTH})")
    return reasons


def check_drop_body(body: str) -> list[str]:
    """Length and the closing line every drop needs, on top of the Markdown rules."""
    reasons = check_markdown(body)
    words = word_count(body)
    if not MIN_WORDS <= words <= MAX_WORDS:
        reasons.append(f"body has {words} words; it must have {MIN_WORDS}–{MAX_WORDS}")
    if FURTHER_READING not in body:
        reasons.append(f"body must end with a '{FURTHER_READING}' line")
    if "Try it:" in body:
        reasons.append("the bot adds the 'Try it:' line from the front matter's try; remove it")
    reasons.extend(check_rendered_markdown(body))
    return reasons


def check_rendered_markdown(markdown: str) -> list[str]:
    """What only shows after conversion: unknown formatting and unbalanced emphasis."""
    rendered = render_markdown(markdown)
    reasons = [
        f"Markdown produced a {kind!r} entity; only {', '.join(sorted(ALLOWED_ENTITY_TYPES))} "
        "are allowed"
        for kind in sorted({entity["type"] for entity in rendered.entities})
        if kind not in ALLOWED_ENTITY_TYPES
    ]
    if "**" in _text_outside_code(rendered):
        reasons.append("'**' left in the text: an emphasis marker is not closed")
    return reasons


def _text_outside_code(message: RenderedMessage) -> str:
    units = bytearray(message.text.encode("utf-16-le"))
    for entity in message.entities:
        if entity["type"] in ("code", "pre"):
            start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
            units[start:end] = " ".encode("utf-16-le") * entity["length"]
    return units.decode("utf-16-le")


def check_messages(messages: list[RenderedMessage]) -> list[str]:
    """Every message within Telegram's limits."""
    reasons: list[str] = []
    for number, message in enumerate(messages, start=1):
        length = len(message.text.encode("utf-16-le")) // 2
        if length > MESSAGE_LIMIT:
            reasons.append(f"message {number} is {length} UTF-16 units (limit {MESSAGE_LIMIT})")
        if len(message.entities) > MAX_ENTITIES:
            reasons.append(
                f"message {number} has {len(message.entities)} entities (limit {MAX_ENTITIES})"
            )
        if not message.text.strip():
            reasons.append(f"message {number} is empty")
    return reasons
