"""The bot and the Bot API stand-in as separate processes, as an operator runs them.

Every wait has a deadline; callers stop both processes in ``finally``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"  # the stand-in's


class StandIn:
    """``python -m tests.botapi.serve`` with its statistics and update injection."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.port = process, port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats", timeout=5) as answer:
            result: dict[str, Any] = json.load(answer)
            return result

    def push(self, update: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/_push",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).close()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(stats := self.stats()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; stand-in saw {stats['sent_ok']} sends")
            time.sleep(0.05)


def _python_env() -> dict[str, str]:
    """The test's environment without any bot setting a developer may have exported."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextmanager
def stand_in() -> Iterator[StandIn]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.botapi.serve"],
        cwd=ROOT,
        env=_python_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "PORT n" once listening (or "" if it died)
        assert line.startswith("PORT "), f"the stand-in did not start: {line!r}"
        yield StandIn(process, int(line.split()[1]))
    finally:
        stop(process)


def bot_env(api: StandIn, database_url: str, **settings: str) -> dict[str, str]:
    return {
        **_python_env(),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "SANDBOX_ENABLED": "false",  # keeps torch out of the bot's process
        **settings,
    }


def start_bot(
    folder: Path, env: dict[str, str], log_name: str, *options: str
) -> subprocess.Popen[str]:
    """``python -m bot run`` in ``folder`` (no stray .env), its stderr into ``log_name``."""
    with (folder / log_name).open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *options],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )


def terminate(process: subprocess.Popen[str], timeout: float = 20) -> int:
    """SIGTERM, as a container runtime sends it; the exit status once it has stopped."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def stop(process: subprocess.Popen[str]) -> None:
    """Make sure ``process`` is gone (a test that failed half-way)."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()
