"""The Application's rate limiter: Telegram's broadcast limits are about messages.

python-telegram-bot's AIORateLimiter paces every request that names a chat and pauses
every request after any 429. Telegram's limits (about 30 messages a second overall, 20 a
minute into a group) count messages sent; answering a button, editing a message or
asking who is an admin should not wait behind a fan-out, nor stop when a send met a 429.
So only message-sending methods go through the AIORateLimiter; the rest run at once and
are retried after a 429's ``retry_after`` on their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

SENDING_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendPoll", "sendMediaGroup",
        "sendAnimation", "sendAudio", "sendVideo", "sendVoice", "sendSticker",
        "sendLocation", "sendContact", "copyMessage", "forwardMessage",
    }
)  # fmt: skip

Result = bool | dict[str, Any] | list[dict[str, Any]]


class MessageRateLimiter(AIORateLimiter):
    """AIORateLimiter for messages only; other requests are never queued behind them."""

    def __init__(self, *, max_retries: int, **limits: float) -> None:
        super().__init__(max_retries=max_retries, **limits)  # type: ignore[arg-type]
        self._retries = max_retries

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if endpoint in SENDING_METHODS:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        for attempt in range(self._retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._retries:
                    raise
                await asyncio.sleep(exc._retry_after.total_seconds() + 0.1)
        raise AssertionError("unreachable")
