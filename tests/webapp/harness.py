"""The real Application against the Bot API stand-in, with the Mini App served beside
/healthz exactly as ``distillbot run`` serves it when WEBAPP_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.telegram.runner import web_routes
from bot.telegram.transport.health import HealthServer, Liveness
from bot.telegram.webapp.initdata import signed_init_data
from tests.e2e.harness import BotHarness, running_bot

PUBLIC_URL = "https://app.example.org/app/"


@dataclass
class WebAppHarness:
    bot: BotHarness
    base_url: str  # http://127.0.0.1:PORT/app/

    def init_data(
        self, user_id: int, *, token: str | None = None, at: datetime | None = None
    ) -> str:
        """initData as Telegram signs it for ``user_id`` (another ``token`` forges it)."""
        user = {"id": user_id, "first_name": f"Learner {user_id}", "language_code": "en"}
        return signed_init_data(token or self.bot.api.token, user, at or self.bot.clock.now)

    def auth(self, user_id: int, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"tma {self.init_data(user_id, **kwargs)}"}


@asynccontextmanager
async def running_webapp(tmp_path: Path, **overrides: Any) -> AsyncIterator[WebAppHarness]:
    overrides.setdefault("webapp_url", PUBLIC_URL)
    async with running_bot(tmp_path, **overrides) as bot:
        liveness = Liveness(lambda: bot.app.running, bot.services.database_answers)
        server = HealthServer(liveness, listen="127.0.0.1", port=0, routes=web_routes(bot.app))
        await server.start()
        try:
            yield WebAppHarness(bot, f"http://127.0.0.1:{server.port}/app/")
        finally:
            await server.stop()
