"""Logs: JSON lines or text, and never a token, the webhook secret or what learners wrote."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Chat, Message, Update, User

from bot.logs import configure_logging
from bot.storage.migrate import upgrade
from tests.processes import TOKEN, bot_env, stand_in, start_bot, stop, terminate

TOKEN_SECRET_PART = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_TOKEN = f"123456789:{TOKEN_SECRET_PART}"
WEBHOOK_SECRET = "hook_Secret-42"
PRIVATE_TEXT = "my zebra-42 prompt about invoices"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("telegram", "httpx", "httpcore", "apscheduler", "tornado.access")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


def an_update(text: str) -> Update:
    user = User(id=5, is_bot=False, first_name="Ada")
    chat = Chat(id=5, type="private")
    message = Message(message_id=1, date=None, chat=chat, from_user=user, text=text)  # type: ignore[arg-type]
    return Update(update_id=9, message=message)


def fail_with_token() -> None:
    raise RuntimeError(f"POST https://api.telegram.org/bot{BOT_TOKEN}/getMe failed")


def json_lines(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.usefixtures("restore_logging")
def test_json_format_is_one_object_a_line_without_tokens_or_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", secrets=[WEBHOOK_SECRET])
    log = logging.getLogger("bot.example")
    log.info("webhook secret is %s, token %s", WEBHOOK_SECRET, BOT_TOKEN)
    try:
        fail_with_token()
    except RuntimeError:
        log.exception("the call failed\nsecond line")
    err = capsys.readouterr().err
    assert TOKEN_SECRET_PART not in err
    assert WEBHOOK_SECRET not in err
    first, second = json_lines(err)
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.example"
    assert first["message"] == "webhook secret is [token], token [token]"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "the call failed\nsecond line"
    assert "RuntimeError" in second["exception"]


@pytest.mark.usefixtures("restore_logging")
def test_text_format_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("bot.example").warning("chat %s is unreachable", 42)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("WARNING bot.example: chat 42 is unreachable")


@pytest.mark.usefixtures("restore_logging")
def test_telegram_library_records_never_carry_update_contents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", "text")
    ptb = logging.getLogger("telegram.ext.Application")
    ptb.debug("Processing update %s", an_update(PRIVATE_TEXT))  # below the library's floor
    ptb.critical("Received data was *not* processed! Received data was: %r",
                 {"message": {"text": PRIVATE_TEXT}})  # fmt: skip
    ptb.error("Error for update %s", an_update(PRIVATE_TEXT))
    logging.getLogger("bot.example").debug("our own debug lines still show")
    err = capsys.readouterr().err
    assert PRIVATE_TEXT not in err
    assert err.count("[hidden]") == 2
    assert "our own debug lines still show" in err


def test_a_running_bot_logs_json_without_token_or_message_texts(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(database_url)
    with stand_in() as api:
        env = bot_env(api, database_url, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
        bot = start_bot(tmp_path, env, "bot.log")
        try:
            for text in (PRIVATE_TEXT, "/help"):
                message = {
                    "message_id": int(time.time()), "date": int(time.time()), "text": text,
                    "chat": {"id": 5, "type": "private", "first_name": "Ada"},
                    "from": {"id": 5, "is_bot": False, "first_name": "Ada"},
                    **({"entities": [{"type": "bot_command", "offset": 0, "length": 5}]}
                       if text.startswith("/") else {}),
                }  # fmt: skip
                api.push({"message": message})
            api.wait_for(lambda stats: len(stats["per_chat"].get("5", [])) == 2, timeout=30)
            replies = api.stats()["per_chat"]["5"]
            status = terminate(bot)
        finally:
            stop(bot)
    log = (tmp_path / "bot.log").read_text()
    assert status == 0, log
    records = json_lines(log)  # every line is a JSON object
    assert any(r["message"] == "Application started" for r in records)
    assert TOKEN.split(":")[1] not in log
    for text in (PRIVATE_TEXT, *replies):
        assert text[:40] not in log
