"""A part whose answer never came is treated like a part in flight at a crash: as sent.

Telegram has no idempotency key, so a request that timed out after it went out may
have delivered its message. Sending it again would show the learner the same message
twice; counting it as sent risks one missing message, which /today brings back.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.botapi import FakeBotApi
from tests.e2e.fanout import count_fan_out, drop_openings, received_by, seed_due_chats
from tests.e2e.harness import FakeClock, running_bot

LEARNER = 4301
NO_ANSWER_S = 6.0  # longer than the bot's read timeout (python-telegram-bot's 5 s)


async def test_a_part_sent_without_an_answer_is_not_sent_again(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    now = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
    clock = FakeClock(now)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    seed_due_chats(url, [LEARNER], last_drop="1.2", now=now + timedelta(minutes=2))
    answer_message = api._api_sendMessage
    silent = {"first": True}

    async def keep_the_first_answer(params: dict[str, Any], files: dict[str, bytes]) -> Any:
        result = answer_message(params, files)  # the stand-in has the message now
        if silent.pop("first", False):
            await asyncio.sleep(NO_ANSWER_S)
        return result

    api._api_sendMessage = keep_the_first_answer  # type: ignore[method-assign,assignment]
    try:
        async with running_bot(tmp_path, api=api, clock=clock) as harness:
            clock.advance(minutes=2)
            await harness.tick()
            clock.advance(minutes=5)  # past any retry or lease: a resend would happen now
            await harness.tick()
    finally:
        await api.stop()
    count = count_fan_out(received_by(api), [LEARNER], drop_openings("1.3"))
    assert count.exactly_once == 1, count
