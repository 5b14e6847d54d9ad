"""Fan-out benchmark: 1,000 due private chats through the real sender against a local
Bot API stand-in (separate process) that enforces 30 msg/s overall and 1 msg/s per chat.

Prints delivered messages per second (goal ≥ 27/s), lost, duplicated, 429s and the bot's
CPU seconds per message. Asserts nothing.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings
from bot.services.context import Services
from bot.storage.db import make_engine
from bot.telegram.application import build_application
from bot.telegram.delivery_job import run_tick
from drops.loader import get_course
from tests.e2e.fanout import count_fan_out, drop_openings, seed_due_chats
from tests.processes import TOKEN, StandIn

CHATS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CHAT_IDS = range(10_000, 10_000 + CHATS)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


async def fan_out(port: int, database_url: str) -> float:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=f"http://127.0.0.1:{port}/bot",
        database_url=database_url,
        delivery_check_seconds=3600,
    )
    services = Services(
        settings=settings,
        engine=make_engine(database_url),
        course=get_course(),
        clock=lambda: NOW,
    )
    app = build_application(services)
    await app.initialize()
    cpu = time.process_time()
    await run_tick(app.bot_data.sender)
    cpu = time.process_time() - cpu
    await app.shutdown()
    return cpu


def main() -> None:
    stand_in = StandIn(flood_limits=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            seed_due_chats(url, CHAT_IDS, last_drop="1.1", now=NOW)
            started = time.perf_counter()
            cpu = asyncio.run(fan_out(stand_in.port, url))
            wall = time.perf_counter() - started
            stats, received = stand_in.stats(), stand_in.per_chat()
    finally:
        stand_in.stop()
    expected = drop_openings("1.2")
    parts = len(expected)
    count = count_fan_out(received, CHAT_IDS, expected)
    sent = stats["sent_ok"]
    span = (stats["last_at"] - stats["first_at"]) if sent > 1 else float("nan")
    print(f"fan-out: {CHATS} due private chats, drop 1.2 = {parts} messages each")
    print(f"  delivered messages: {sent} in {span:.1f} s -> {sent / span:.1f} msg/s "
          f"(goal >= 27/s; stand-in limit 30/s overall, 1/s per chat)")  # fmt: skip
    print(f"  wall time of the tick: {wall:.1f} s")
    print(f"  {count}")
    print(f"  429 answers: {stats['refused_429']}, other refusals: {stats['refused_other']}")
    print(f"  bot CPU: {cpu:.2f} s, {1000 * cpu / max(sent, 1):.2f} ms per message")


if __name__ == "__main__":
    main()
