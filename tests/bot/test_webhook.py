"""Webhook mode over HTTP: the real Application behind python-telegram-bot's webhook server,
the Bot API stand-in as Telegram; and the /healthz liveness server next to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import create_engine
from sqlmodel import Session, select
from telegram import Update

from bot.config import WEBHOOK_SECRET_PATTERN, Settings
from bot.services.context import Services
from bot.storage.db import database_answers, make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, DistillRun
from bot.telegram.application import build_application
from bot.telegram.context import AppType
from bot.telegram.transport.health import HealthServer, Liveness
from bot.telegram.transport.webhook import WebhookOptions, WebhookSettingsError, webhook_options
from drops.loader import get_course
from tests.botapi import FakeBotApi
from tests.e2e import harness
from tests.processes import bot_env, stand_in, start_bot, stop, terminate

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret_Webhook-token"
PUBLIC_URL = "https://bot.example.org/telegram"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class WebhookBot:
    api: FakeBotApi
    app: AppType
    services: Services
    options: WebhookOptions
    health_url: str

    @property
    def url(self) -> str:
        return f"http://{self.options.listen}:{self.options.port}/{self.options.url_path}"


@asynccontextmanager
async def webhook_bot(tmp_path: Path) -> AsyncIterator[WebhookBot]:
    """The Application in webhook mode on a free loopback port, as ``run_webhook`` starts it."""
    api = FakeBotApi()
    await api.start()
    settings = harness.test_settings(
        tmp_path,
        api.base_url,
        api.token,
        sandbox_enabled=False,
        run_mode="webhook",
        webhook_url=PUBLIC_URL,
        webhook_secret=SecretStr(SECRET),
        webhook_port=free_port(),
    )
    options = webhook_options(settings)
    upgrade(settings.database_url)
    services = Services(
        settings=settings, engine=make_engine(settings.database_url), course=get_course()
    )
    app = build_application(services)
    health = HealthServer(
        Liveness(lambda: app.running, services.database_answers), listen="127.0.0.1", port=0
    )
    await health.start()
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_webhook(**options.as_kwargs(), allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        yield WebhookBot(api, app, services, options, f"http://127.0.0.1:{health.port}/healthz")
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await health.stop()
        services.engine.dispose()
        await api.stop()


def command_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Learner"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Learner"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def chat_row(bot: WebhookBot, chat_id: int) -> Chat | None:
    with Session(bot.services.engine) as session:
        return session.get(Chat, chat_id)


async def test_only_updates_with_the_secret_reach_the_bot(tmp_path: Path) -> None:
    stranger, learner = 4242, 777
    async with webhook_bot(tmp_path) as bot, httpx.AsyncClient(timeout=10) as client:
        assert bot.api.webhook is not None
        assert bot.api.webhook["url"] == PUBLIC_URL
        assert bot.api.webhook["secret_token"] == SECRET

        forged = command_update(1, stranger, "/help")
        no_secret = await client.post(bot.url, json=forged)
        wrong_secret = await client.post(
            bot.url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        assert (no_secret.status_code, wrong_secret.status_code) == (403, 403)

        before = len(bot.api.calls)
        accepted = await client.post(
            bot.url,
            json=command_update(2, learner, "/help"),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert accepted.status_code == 200
        reply = await bot.api.wait_for(
            lambda calls: [c for c in calls[before:] if c.method == "sendMessage"], timeout=10
        )
        assert reply[0].chat_id == learner
        assert "/today" in reply[0].text  # the /help text lists the commands
        assert chat_row(bot, learner) is not None
        # The refused updates never entered the queue: nothing answered, nothing stored.
        assert bot.api.sent(chat_id=stranger) == []
        assert chat_row(bot, stranger) is None


async def test_healthz_is_ok_only_while_the_bot_runs(tmp_path: Path) -> None:
    async with webhook_bot(tmp_path) as bot, httpx.AsyncClient(timeout=10) as client:
        running = await client.get(bot.health_url)
        assert running.status_code == 200
        assert running.json() == {"status": "ok"}
        assert bot.app.updater is not None
        await bot.app.updater.stop()
        await bot.app.stop()
        stopped = await client.get(bot.health_url)
        assert stopped.status_code == 503
        assert stopped.json() == {"status": "unavailable"}


async def test_healthz_is_unavailable_when_the_database_does_not_answer(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'bot.db'}")
    health = HealthServer(
        Liveness(lambda: True, lambda: database_answers(unreachable)), listen="127.0.0.1", port=0
    )
    await health.start()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(f"http://127.0.0.1:{health.port}/healthz")
        assert answer.status_code == 503
    finally:
        await health.stop()
        unreachable.dispose()


def webhook_settings(**values: Any) -> Settings:
    return Settings(_env_file=None, run_mode="webhook", **values)  # type: ignore[call-arg]


def test_webhook_mode_without_a_secret_suggests_a_valid_one() -> None:
    with pytest.raises(WebhookSettingsError) as error:
        webhook_options(webhook_settings(webhook_url=PUBLIC_URL))
    suggestion = str(error.value).split("WEBHOOK_SECRET=")[1].split()[0]
    assert WEBHOOK_SECRET_PATTERN.match(suggestion)


def test_webhook_mode_refuses_a_plain_http_url() -> None:
    with pytest.raises(WebhookSettingsError, match="https://"):
        webhook_options(webhook_settings(webhook_url="http://bot.example.org/telegram",
                                         webhook_secret=SecretStr(SECRET)))  # fmt: skip


@pytest.mark.parametrize("secret", ["has space", "x" * 257, "ünicode"])
def test_a_secret_telegram_would_refuse_is_a_configuration_error(secret: str) -> None:
    with pytest.raises(
        ValidationError, match="webhook_secret\n  Value error, must be 1-256 characters"
    ):
        webhook_settings(webhook_secret=SecretStr(secret))


def test_distillbot_run_webhook_without_settings_explains_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "RUN_MODE"))}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN="123456:TEST-token")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WEBHOOK_URL" in result.stderr
    assert "WEBHOOK_SECRET=" in result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching the database


def wait_until_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered 200")
        time.sleep(0.1)


def test_distillbot_run_webhook_serves_updates_and_healthz_until_sigterm(tmp_path: Path) -> None:
    hook_port, health_port = free_port(), free_port()
    hook = f"http://127.0.0.1:{hook_port}/telegram"
    with stand_in() as api:
        settings = {"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_PORT": str(hook_port), "HEALTH_PORT": str(health_port)}  # fmt: skip
        env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}", **settings)
        bot = start_bot(tmp_path, env, "bot.log", "--webhook")
        try:
            wait_until_healthy(f"http://127.0.0.1:{health_port}/healthz", timeout=30)
            refused = httpx.post(hook, json=command_update(1, 4242, "/help"), timeout=10)
            accepted = httpx.post(
                hook,
                json=command_update(2, 777, "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                timeout=10,
            )
            api.wait_for(lambda stats: "777" in stats["per_chat"], timeout=10)
            answered = set(api.stats()["per_chat"])
            status = terminate(bot)
        finally:
            stop(bot)
    log = (tmp_path / "bot.log").read_text()
    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert answered == {"777"}
    assert status == 0, log
    assert SECRET not in log


STUDY_GROUP = -880_001
INTERRUPTED_RUNS = 5
GROUP_PACE_S = 2.0  # GROUP_SEND_INTERVAL_S: the notices in the group take 8 s


def test_a_restarted_bot_answers_at_once_while_it_reports_the_runs_it_interrupted(
    tmp_path: Path, database_url: str
) -> None:
    """A restart cut off five /distill runs in a study group: each asker is told, at the
    group's pace of one message every 2 s. A learner's /help sent as soon as the instance
    reports ready is answered meanwhile, not once every notice is out (it listened only
    then: Telegram's calls failed, and /healthz said 503, for as long as the notices took)."""
    _seed_runs_of_a_previous_life(database_url, owner="bot-a", count=INTERRUPTED_RUNS)
    hook_port, health_port = free_port(), free_port()
    with stand_in() as api:
        settings = {"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_PORT": str(hook_port), "HEALTH_PORT": str(health_port),
                    "INSTANCE_NAME": "bot-a",
                    "GROUP_SEND_INTERVAL_S": str(GROUP_PACE_S)}  # fmt: skip
        bot = start_bot(tmp_path, bot_env(api, database_url, **settings), "bot.log", "--webhook")
        try:
            wait_until_healthy(f"http://127.0.0.1:{health_port}/healthz", timeout=60)
            marked = _run_statuses(database_url)
            httpx.post(
                f"http://127.0.0.1:{hook_port}/telegram",
                json=command_update(1, 4242, "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                timeout=10,
            )
            api.wait_for(lambda stats: "4242" in stats["per_chat"], timeout=10)
            told_before_help = len(api.per_chat().get(STUDY_GROUP, []))
            api.wait_for(
                lambda stats: len(stats["per_chat"].get(str(STUDY_GROUP), [])) == INTERRUPTED_RUNS,
                timeout=30,
            )
            notices = api.per_chat()[STUDY_GROUP]
            status = terminate(bot)
        finally:
            stop(bot)
    # Marked before any update is handled: an asker who sends /distill again at once is
    # not refused for the run that died.
    assert marked == ["interrupted"] * INTERRUPTED_RUNS
    assert told_before_help < INTERRUPTED_RUNS, (
        "/help was answered only after every interrupted run had been reported"
    )
    assert all("was interrupted by a restart" in text for text in notices), notices
    assert status == 0, (tmp_path / "bot.log").read_text()


def _seed_runs_of_a_previous_life(database_url: str, *, owner: str, count: int) -> None:
    """/distill runs in the study group that the process named ``owner`` was training."""
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        for asker in range(count):
            session.add(
                DistillRun(user_id=5_000 + asker, chat_id=STUDY_GROUP,
                           settings=f"steps={asker + 10}", status="running",
                           created_at=datetime.now(UTC), owner=owner)
            )  # fmt: skip
        session.commit()
    engine.dispose()


def _run_statuses(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return [run.status for run in session.exec(select(DistillRun).order_by(DistillRun.id))]
    finally:
        engine.dispose()
