"""Fan-out benchmark: 1,000 due private chats through the real sender against a local
Bot API stand-in (separate process) that enforces 30 msg/s overall and 1 msg/s per chat.

Prints delivered messages per second (goal ≥ 27/s), lost, duplicated, 429s and the bot's
CPU seconds per message. Asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import Session

from bot.app import build_application
from bot.config import Settings
from bot.delivery.job import run_tick
from bot.delivery.parts import drop_parts
from bot.services import Services
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery
from drops.loader import get_course

CHATS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
TOKEN = "123456:TEST-token"
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def start_stand_in() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.botapi.serve", "--flood-limits"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, int(line.split()[1])


def seed(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        for n in range(CHATS):
            chat_id = 10_000 + n
            session.add(
                Chat(
                    id=chat_id,
                    kind="private",
                    time_zone="UTC",
                    delivery_time="08:00",
                    next_due_at=NOW - timedelta(minutes=1),
                    current_drop_id="1.1",
                    current_opened=True,
                    last_scheduled_day="2026-05-31",
                )
            )
            session.add(Delivery(chat_id=chat_id, drop_id="1.1", local_day="2026-05-31",
                                 sent_at=NOW - timedelta(days=1)))  # fmt: skip
        session.commit()
    engine.dispose()


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
    assert services.sender is not None
    cpu = time.process_time()
    await run_tick(services.sender)
    cpu = time.process_time() - cpu
    await app.shutdown()
    return cpu


def main() -> None:
    process, port = start_stand_in()
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            seed(url)
            started = time.perf_counter()
            cpu = asyncio.run(fan_out(port, url))
            wall = time.perf_counter() - started
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats") as response:
                stats = json.load(response)
    finally:
        process.terminate()
    course = get_course()
    parts = len(drop_parts(course, course.drop("1.2"), path_round=1))
    per_chat = stats["per_chat"]
    lost = sum(1 for n in range(CHATS) if len(per_chat.get(str(10_000 + n), [])) < parts)
    duplicated = sum(1 for texts in per_chat.values() if len(texts) != len(set(texts)))
    sent = stats["sent_ok"]
    span = (stats["last_at"] - stats["first_at"]) if sent > 1 else float("nan")
    print(f"fan-out: {CHATS} due private chats, drop 1.2 = {parts} messages each")
    print(f"  delivered messages: {sent} in {span:.1f} s -> {sent / span:.1f} msg/s "
          f"(goal >= 27/s; stand-in limit 30/s overall, 1/s per chat)")  # fmt: skip
    print(f"  wall time of the tick: {wall:.1f} s")
    print(f"  lost chats: {lost}, chats with a duplicated message: {duplicated}")
    print(f"  429 answers: {stats['refused_429']}, other refusals: {stats['refused_other']}")
    print(f"  bot CPU: {cpu:.2f} s, {1000 * cpu / max(sent, 1):.2f} ms per message")


if __name__ == "__main__":
    main()
