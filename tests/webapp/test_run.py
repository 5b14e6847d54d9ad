"""`distillbot run` with WEBAPP_URL set to a local address: the process serves the Mini App
beside /healthz and says where, as `make run` shows it."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from tests.bot.test_webhook import free_port
from tests.processes import bot_env, stand_in, start_bot, stop, terminate, wait_until


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_run_serves_the_mini_app_beside_healthz_and_prints_its_address(tmp_path: Path) -> None:
    port = free_port()
    local = f"http://localhost:{port}/app/"
    with stand_in() as api:
        env = bot_env(
            api, f"sqlite:///{tmp_path / 'bot.db'}", WEBAPP_URL=local, HEALTH_PORT=str(port)
        )
        bot = start_bot(tmp_path, env, "bot.log")
        log = tmp_path / "bot.log"
        try:
            said = f"Mini App on http://127.0.0.1:{port}/app/ (WEBAPP_URL={local})"
            wait_until(lambda: said in log.read_text(), timeout=60, what="the Mini App's address")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/app/", timeout=10) as page:
                assert page.status == 200 and b"<title>Distill Drops</title>" in page.read()
                assert "default-src 'self'" in page.headers["Content-Security-Policy"]
            healthz = f"http://127.0.0.1:{port}/healthz"
            wait_until(lambda: answers_200(healthz), timeout=60, what="/healthz")
            assert terminate(bot) == 0
        finally:
            stop(bot)
