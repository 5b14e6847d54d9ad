"""What a run returns: a picture, a caption and the numbers behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CAPTION_LIMIT = 1024  # Telegram's caption limit, in characters


def fit_caption(text: str) -> str:
    """``text`` cut to the caption limit, with an ellipsis, if it is longer: a caption cut
    mid-word without one reads as a finished sentence that says something else."""
    if len(text) <= CAPTION_LIMIT:
        return text
    return text[: CAPTION_LIMIT - 1] + "…"


@dataclass
class RunResult:
    """The outcome of one run: PNG bytes, a caption (≤ 1024 characters) and metrics."""

    png: bytes
    caption: str
    metrics: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0
