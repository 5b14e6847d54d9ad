"""What /distill says about settings typed with spaces around "=", before the parser sees
them (the spaces split one setting in two), and about a run too long for the sandbox; the
command and the Mini App's form share it."""

from __future__ import annotations

import re

from bot.services.distill import TooSlow

SPACED_EQUALS = re.compile(r"\s+=\s*|\s*=\s+")  # "T = 2", "T =2", "T= 2"


def spaced_equals_hint(text: str) -> str | None:
    """The hint for settings with spaces around "=", naming the joined form; else None."""
    if not SPACED_EQUALS.search(text):
        return None
    joined = SPACED_EQUALS.sub("=", text).strip().replace("`", "'")[:200]
    return (
        "Write each setting without spaces around `=`: the spaces split it in two. "
        f"Try `/distill {joined}`."
    )


def too_slow_text(refused: TooSlow) -> str:
    """The refusal of a run too long for the sandbox, naming a shorter one that fits."""
    text = (
        f"⏱ This run would take about {refused.estimate_s:.0f} s; "
        f"the limit is {refused.limit_s:.0f} s"
    )
    if refused.shorter is None:
        return f"{text}. Try fewer steps."
    return f"{text}: try `/distill {refused.shorter.as_settings()}`."
