"""The Application's rate limiter: every Bot API request the bot makes passes here.

- Messages (the methods Telegram's flood limits count) wait for their chat's turn and
  the overall pace (``bot.pacing``), so handler replies, quiz questions and the daily
  fan-out share one count and none of them meets a 429 the others caused.
- Everything else (answering a button, editing, asking who is an admin) goes at once:
  Telegram does not count those as messages, and a spinner should stop within a moment
  even while hundreds of messages wait their turn.
- At most ``max_in_flight`` requests are on the wire together. More would each open a
  connection, and httpcore checks every open connection whenever a request starts or
  ends: with hundreds open, that bookkeeping took most of the bot's CPU under load.
- A 429 is retried after its ``retry_after``, for that request (and its chat) only.

A sender that must know the moment its message really leaves (the delivery outbox marks
a part in flight only then) passes a check as ``rate_limiter_args``: it runs after every
wait, and if it answers False the message is not sent and ``Withdrawn`` is raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing import ChatTurns, OverallPace, current_urgency

MESSAGE_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendPoll", "sendMediaGroup",
        "sendAnimation", "sendAudio", "sendVideo", "sendVoice", "sendSticker",
        "sendLocation", "sendContact", "copyMessage", "forwardMessage",
    }
)  # fmt: skip
RETRY_MARGIN_S = 0.1

Result = bool | dict[str, Any] | list[dict[str, Any]]
SendCheck = Callable[[], bool]


class Withdrawn(Exception):
    """The sender's check, run just before the request would leave, said not to send."""


class BotApiLimiter(BaseRateLimiter[SendCheck]):
    """Paces messages per chat and overall, bounds requests in flight, retries 429s."""

    def __init__(
        self,
        *,
        overall_interval_s: float,
        private_chat_interval_s: float,
        group_interval_s: float,
        max_in_flight: int,
        max_retries: int,
    ) -> None:
        def interval_for(chat_id: int | str) -> float:
            private = isinstance(chat_id, int) and chat_id > 0
            return private_chat_interval_s if private else group_interval_s

        self.turns = ChatTurns(interval_for)
        self.overall = OverallPace(overall_interval_s)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up: the pacers start empty."""

    async def shutdown(self) -> None:
        """Nothing to close: waiters end with their tasks."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendCheck | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        if endpoint not in MESSAGE_METHODS or not isinstance(chat_id, int | str):
            return await self._request(callback, args, kwargs, paced=False, check=None)
        async with self.turns.turn(chat_id):
            return await self._request(callback, args, kwargs, paced=True, check=rate_limit_args)

    async def _request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        *,
        paced: bool,
        check: SendCheck | None,
    ) -> Result:
        for attempt in range(self._max_retries + 1):
            if paced:
                await self.overall.acquire(current_urgency.get())
            if check is not None and not check():
                raise Withdrawn
            try:
                async with self._in_flight:
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                await asyncio.sleep(exc._retry_after.total_seconds() + RETRY_MARGIN_S)
        raise AssertionError("unreachable: the last attempt returns or raises")
