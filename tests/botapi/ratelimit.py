"""Telegram flood limits: ~30 sends a second, 1 a second per chat, 20 a minute per group."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class FloodControl:
    """Sliding windows over send times; ``check`` returns seconds to wait, or 0 when allowed."""

    global_per_second: int = 30
    chat_per_second: int = 1
    group_per_minute: int = 20
    clock: object = field(default=time.monotonic)
    _global: deque[float] = field(default_factory=deque)
    _chat: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _group: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, chat_id: int) -> int:
        now = self.clock()  # type: ignore[operator]
        waits = [
            _wait(self._global, now, 1.0, self.global_per_second),
            _wait(self._chat[chat_id], now, 1.0, self.chat_per_second),
        ]
        if chat_id < 0:
            waits.append(_wait(self._group[chat_id], now, 60.0, self.group_per_minute))
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.append(now)
        self._chat[chat_id].append(now)
        if chat_id < 0:
            self._group[chat_id].append(now)
        return 0


def _wait(window: deque[float], now: float, span: float, limit: int) -> float:
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[0] + span - now
