"""What a run returns: a picture, a caption and the numbers behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunResult:
    """The outcome of one run: PNG bytes, a caption (≤ 1024 characters) and metrics."""

    png: bytes
    caption: str
    metrics: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0
