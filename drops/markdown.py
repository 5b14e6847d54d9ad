"""Making learner- or content-provided text literal inside our Markdown: the one escaper."""

from __future__ import annotations

import re

# Characters that can open inline formatting or a link anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
# Characters that start a block (heading, quote, list, rule) at the start of a line.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """`text` shown literally: CommonMark backslash escapes, which Telegram's converter honours."""
    escaped = _INLINE.sub(r"\\\1", text)
    return _BLOCK_START.sub(_escape_block_marker, escaped)


def _escape_block_marker(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    return f"{indent}{marker[:-1]}\\{marker[-1]}"


def code_block(text: str) -> str:
    """A fenced block longer than any backtick run inside `text`, so it cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"
