"""The Bot API limiter: messages paced, everything else at once, 429s retried per request."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.transport.ratelimit import BotApiLimiter, Withdrawn

CHAT_INTERVAL = 0.2


def limiter(*, max_in_flight: int = 8) -> BotApiLimiter:
    return BotApiLimiter(
        overall_interval_s=0.01,
        private_chat_interval_s=CHAT_INTERVAL,
        group_interval_s=CHAT_INTERVAL * 3,
        max_in_flight=max_in_flight,
        max_retries=2,
        max_checked_retry_s=0.03,
    )


class FakeApi:
    """Records each request that reached 'Telegram', and can answer 429 to some."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.too_many: dict[Any, int] = {}  # chat id -> 429s still to answer
        self.on_wire = 0
        self.most_on_wire = 0

    def call(self, limiter: BotApiLimiter, endpoint: str, chat_id: Any, **kwargs: Any) -> Any:
        async def callback(endpoint: str, data: dict[str, Any]) -> bool:
            self.on_wire += 1
            self.most_on_wire = max(self.most_on_wire, self.on_wire)
            try:
                await asyncio.sleep(0.01)
                if self.too_many.get(chat_id):
                    self.too_many[chat_id] -= 1
                    raise RetryAfter(timedelta(seconds=0.05))
                self.requests.append((endpoint, chat_id))
                return True
            finally:
                self.on_wire -= 1

        data = {"chat_id": chat_id}
        return limiter.process_request(
            callback, (endpoint, data), {}, endpoint, data, kwargs.get("check")
        )


async def test_a_button_answer_does_not_wait_behind_a_chats_messages() -> None:
    rate, api = limiter(), FakeApi()
    messages = [asyncio.create_task(api.call(rate, "sendMessage", 5)) for _ in range(3)]
    await asyncio.sleep(0.05)  # the first message is out; two wait for the chat's turn
    await api.call(rate, "answerCallbackQuery", None)
    await api.call(rate, "editMessageText", 5)
    assert [endpoint for endpoint, _ in api.requests] == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ], "the press is answered while the chat's next messages wait their turn"
    await asyncio.gather(*messages)
    assert len(api.requests) == 5


async def test_a_429_holds_back_that_chat_only() -> None:
    rate, api = limiter(), FakeApi()
    api.too_many[1] = 1
    first = asyncio.create_task(api.call(rate, "sendMessage", 1))
    await asyncio.sleep(0.02)
    await api.call(rate, "sendMessage", 2)  # another chat goes while chat 1 waits
    assert api.requests == [("sendMessage", 2)]
    assert await first is True  # retried after retry_after, then delivered
    assert api.requests == [("sendMessage", 2), ("sendMessage", 1)]


async def test_a_429_that_persists_reaches_the_caller() -> None:
    rate, api = limiter(), FakeApi()
    api.too_many[1] = 10
    with pytest.raises(RetryAfter):
        await api.call(rate, "sendMessage", 1)
    assert api.requests == []


async def test_a_check_that_says_no_sends_nothing() -> None:
    rate, api = limiter(), FakeApi()
    checked: list[bool] = []

    async def taken_over() -> bool:
        checked.append(True)
        return False

    with pytest.raises(Withdrawn):
        await api.call(rate, "sendMessage", 3, check=taken_over)
    assert checked == [True]
    assert api.requests == []


async def test_the_check_runs_after_the_chats_wait() -> None:
    rate, api = limiter(), FakeApi()
    loop = asyncio.get_running_loop()
    await api.call(rate, "sendMessage", 4)
    answered = loop.time()
    checked_at: list[float] = []

    async def still_ours() -> bool:
        checked_at.append(loop.time())
        return True

    await api.call(rate, "sendMessage", 4, check=still_ours)
    assert checked_at[0] - answered >= CHAT_INTERVAL * 0.99


async def test_requests_in_flight_are_bounded() -> None:
    rate, api = limiter(max_in_flight=3), FakeApi()
    await asyncio.gather(*(api.call(rate, "answerCallbackQuery", None) for _ in range(20)))
    assert len(api.requests) == 20
    assert api.most_on_wire == 3


async def test_the_check_runs_only_once_the_request_can_go_on_the_wire() -> None:
    rate, api = limiter(max_in_flight=1), FakeApi()
    slow_answer_done = asyncio.Event()

    async def slow(endpoint: str, data: dict[str, Any]) -> bool:
        await slow_answer_done.wait()
        return True

    busy = asyncio.create_task(
        rate.process_request(slow, ("answerCallbackQuery", {}), {}, "answerCallbackQuery", {}, None)
    )
    await asyncio.sleep(0.01)
    checked: list[bool] = []

    async def still_ours() -> bool:
        checked.append(True)
        return True

    message = asyncio.create_task(api.call(rate, "sendMessage", 8, check=still_ours))
    await asyncio.sleep(0.05)
    assert checked == [], "marked in flight while it could not leave yet"
    slow_answer_done.set()
    await asyncio.gather(busy, message)
    assert checked == [True] and api.requests == [("sendMessage", 8)]


async def test_a_checked_message_hands_a_long_429_to_its_sender_at_once() -> None:
    rate, api = limiter(), FakeApi()
    api.too_many[6] = 1  # retry_after 0.05 s, longer than this limiter's 0.03 s for checks
    checks: list[bool] = []

    async def still_ours() -> bool:
        checks.append(True)
        return True

    with pytest.raises(RetryAfter):
        await api.call(rate, "sendMessage", 6, check=still_ours)
    assert checks == [True], "not retried in place: its in-flight mark would have expired"
    api.too_many[7] = 1
    assert await api.call(rate, "sendMessage", 7) is True, "unchecked messages still wait"
