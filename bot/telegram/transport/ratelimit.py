"""The Application's rate limiter: every Bot API request the bot makes passes here.

- Messages (the methods Telegram's flood limits count) wait for their chat's turn and
  the overall pace (``bot.telegram.transport.pacing``),
  so handler replies, quiz questions and the daily
  fan-out are counted together: no reply pushes a chat's next drop over the limit.
- Everything else (answering a button, editing, asking who is an admin) goes at once,
  so a spinner stops within a moment even while hundreds of messages wait their turn.
  The bot's edits are few and spaced (a /distill progress bar edits every 1.5 s at most).
- At most ``max_in_flight`` requests are on the wire together, the size of the client's
  connection pool (``bot_api_client``), so no request waits for a connection.
- A 429 is retried after its ``retry_after`` by the request that met it (its chat waits
  meanwhile); other chats' messages keep their pace. If Telegram meant the whole bot,
  they meet their own 429s and wait too.

A sender that must know the moment its message really leaves (the delivery outbox marks
a part in flight only then) passes a check as ``rate_limit_args``: it runs after every
wait, just before the request goes out, and if it answers False the message is not sent
and ``Withdrawn`` is raised (the callback is then never called, which PTB allows: it only
awaits what this method returns). Such a message waits out a 429 in place only up to
``max_checked_retry_s``; a longer ``retry_after`` goes to the sender at once, since its
mark would expire while it slept (the sender then gives the delivery back for later).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.core.urgency import Urgency, current_urgency
from bot.services import metrics
from bot.telegram.transport.pacing import ChatTurns, OverallPace

MESSAGE_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendPoll", "sendMediaGroup",
        "sendAnimation", "sendAudio", "sendVideo", "sendVoice", "sendSticker",
        "sendLocation", "sendContact", "copyMessage", "forwardMessage",
    }
)  # fmt: skip
RETRY_MARGIN_S = 0.1

Result = bool | dict[str, Any] | list[dict[str, Any]]
SendCheck = Callable[[], Awaitable[bool]]


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
        max_checked_retry_s: float,
    ) -> None:
        def interval_for(chat_id: int | str) -> float:
            private = isinstance(chat_id, int) and chat_id > 0
            return private_chat_interval_s if private else group_interval_s

        self.turns = ChatTurns(interval_for)
        self.overall = OverallPace(overall_interval_s)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._max_retries = max_retries
        self._max_checked_retry_s = max_checked_retry_s

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
            return await self._request(
                callback, args, kwargs, method=endpoint, chat_id=None, check=None
            )
        urgency = current_urgency.get()
        self.overall.expedite(chat_id, urgency)  # the chat's queued message goes no later
        async with self.turns.turn(chat_id):
            return await self._request(
                callback,
                args,
                kwargs,
                method=endpoint,
                chat_id=chat_id,
                urgency=urgency,
                check=rate_limit_args,
            )

    async def _request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        *,
        method: str,
        chat_id: int | str | None,
        urgency: Urgency = Urgency.SCHEDULED,
        check: SendCheck | None,
    ) -> Result:
        """``chat_id`` given: a message, paced overall; else a request that goes at once."""
        for attempt in range(self._max_retries + 1):
            if chat_id is not None:
                await self.overall.acquire(urgency, key=chat_id)
            try:
                async with self._in_flight:
                    if check is not None and not await check():
                        raise Withdrawn
                    outcome = await callback(*args, **kwargs)
                    metrics.BOT_API_REQUESTS.labels(method, "ok").inc()
                    return outcome
            except RetryAfter as exc:
                metrics.BOT_API_REQUESTS.labels(method, "flood_wait").inc()
                metrics.FLOOD_WAITS.inc()
                wait = exc._retry_after.total_seconds() + RETRY_MARGIN_S
                too_long = check is not None and wait > self._max_checked_retry_s
                if attempt == self._max_retries or too_long:
                    raise
                metrics.FLOOD_WAIT_SECONDS.inc(wait)
                await asyncio.sleep(wait)
            except TelegramError:
                metrics.BOT_API_REQUESTS.labels(method, "error").inc()
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")
