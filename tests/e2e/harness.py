"""Run the real Application against the Bot API stand-in, with a controllable clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.config import Settings
from bot.services.context import Services
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.telegram.application import build_application
from bot.telegram.context import AppType
from bot.telegram.delivery_job import TickResult, run_tick
from drops.loader import get_course
from tests.botapi import ApiCall, FakeBotApi


@dataclass
class FakeClock:
    """A clock the tests move by hand; always timezone-aware UTC."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 6, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, instant: datetime) -> None:
        assert instant.tzinfo is not None
        self.now = instant


@dataclass
class BotHarness:
    api: FakeBotApi
    app: AppType
    services: Services
    clock: FakeClock

    async def command(
        self, user_id: int, text: str, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> ApiCall:
        """Send ``text`` from ``user_id`` and wait for the bot's next message into that chat."""
        chat = chat_id if chat_id is not None else user_id
        before = len(self.api.calls)
        self.api.send_text(user_id, text, chat_id=chat_id)
        return await self.next_message(chat, after=before, timeout=timeout)

    async def next_message(self, chat_id: int, *, after: int, timeout: float = 10.0) -> ApiCall:
        sends = ("sendMessage", "sendPhoto", "sendDocument", "sendPoll")

        def found(calls: list[ApiCall]) -> ApiCall | None:
            for call in calls[after:]:
                if call.ok and call.method in sends and call.chat_id == chat_id:
                    return call
            return None

        result: ApiCall = await self.api.wait_for(found, timeout=timeout)
        return result

    async def tick(self) -> TickResult:
        """One delivery pass at the fake clock's time, as the JobQueue job runs it."""
        return await run_tick(self.app.bot_data.sender)

    async def press(self, user_id: int, call: ApiCall, data: str) -> ApiCall | None:
        """Press a button under a message the bot sent; return the bot's next send, if any."""
        before = len(self.api.calls)
        query_id = self.api.press(user_id, call, data)
        await self.api.wait_for(lambda _: query_id not in self.api.open_callback_queries)
        await self.settle(0.2)
        sends = [c for c in self.api.calls[before:] if c.ok and c.method.startswith("send")]
        return sends[0] if sends else None

    async def settle(self, quiet: float = 0.3, timeout: float = 15.0) -> None:
        """Wait until the bot has fetched and handled every update and made no call for
        ``quiet`` s.

        A quiet period rather than a fixed sleep, so a slow, loaded machine waits longer.
        Handlers still running are waited for too: a loaded machine can pause longer than
        ``quiet`` between a handler's reply and the message it sends next. (Work a handler
        left running as a task of its own, such as a /distill run, is not waited for.)
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idle = (
                self.api.unfetched_updates() == 0
                and self.app.update_queue.empty()
                and self.app.update_processor.current_concurrent_updates == 0
            )
            if idle and self.api.quiet_for() >= quiet:
                return
            await asyncio.sleep(0.05)


def test_settings(tmp_path: Path, base_url: str, token: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(token),
        "telegram_api_base_url": base_url,
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
        "cache_dir": tmp_path / "cache",
        # Tests drive delivery with ``harness.tick()``; the job runs once at start-up.
        "delivery_check_seconds": 3600,
        "private_chat_interval_s": 0.0,
        "group_send_interval_s": 0.05,
        "overall_send_interval_s": 0.005,
        "sandbox_warm_at_start": False,  # the worker starts on the first /distill only
        "sandbox_cooldown_s": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def database_services(tmp_path: Path, database_url: str, now: datetime) -> Services:
    """Services on a migrated ``database_url`` with the clock stopped at ``now``, for tests
    of units of work without the Application."""
    upgrade(database_url)
    settings = test_settings(tmp_path, "http://127.0.0.1:9", "1:x", database_url=database_url)
    return Services(settings, make_engine(database_url), get_course(), clock=lambda: now)


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    api: FakeBotApi | None = None,
    clock: FakeClock | None = None,
    **overrides: Any,
) -> AsyncIterator[BotHarness]:
    """Start the stand-in (unless given) and the real Application polling it."""
    own_api = api is None
    api = api or FakeBotApi()
    if own_api:
        await api.start()
    clock = clock or FakeClock()
    settings = test_settings(tmp_path, api.base_url, api.token, **overrides)
    upgrade(settings.database_url)
    services = Services(
        settings=settings,
        engine=make_engine(settings.database_url),
        course=get_course(),
        clock=clock,
    )
    app = build_application(services)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    await app.bot_data.catch_up  # what was due at start-up is out before the test goes on
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    try:
        yield BotHarness(api=api, app=app, services=services, clock=clock)
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        services.close()
        if own_api:
            await api.stop()
