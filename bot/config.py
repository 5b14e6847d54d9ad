"""The bot's settings, read once from the environment and ``.env`` (see ``.env.example``)."""

from __future__ import annotations

import difflib
import re
import socket
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
# Telegram's rule for setWebhook's secret_token; it arrives as X-Telegram-Bot-Api-Secret-Token.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LOCAL_HTTP = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d+)?/")
# What @BotFather gives: the bot's id, a colon, then letters, digits, _ and -.
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
ENV_FILE = ".env"


class Settings(BaseSettings):
    """Configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Token from @BotFather. Never logged."
    )
    database_url: str = Field(
        default="sqlite:///data/distill.db",
        description="Any SQLAlchemy URL; SQLite file under ./data/ by default.",
    )
    telegram_api_base_url: str = Field(
        default=TELEGRAM_API_BASE_URL,
        description="Bot API base URL; point it at a local Bot API server if you run one.",
    )
    default_time_zone: str = "UTC"
    default_delivery_time: time = time(8, 0)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line
    cache_dir: Path = Path("data/cache")

    delivery_check_seconds: float = Field(default=30.0, gt=0, le=3600)
    delivery_lease_s: float = Field(default=120.0, gt=0, le=3600)
    delivery_concurrency: int = Field(default=64, ge=1, le=500)
    # Paced below Telegram's limits so a fan-out never meets a 429: ~28 messages a second
    # overall, one a second into a private chat, one every 3.1 s into a group (< 20/minute).
    overall_send_interval_s: float = Field(default=1 / 28, gt=0, le=60)
    private_chat_interval_s: float = Field(default=1.05, ge=0, le=60)
    group_send_interval_s: float = Field(default=3.1, gt=0, le=600)
    # Bot API requests on the wire at once (and connections kept open for them).
    bot_api_max_in_flight: int = Field(default=32, ge=1, le=256)
    # Updates handled at once: typed messages start at once (up to max_concurrent_updates),
    # button presses and other updates take one of button_concurrency places
    # (bot/telegram/transport/updates.py).
    max_concurrent_updates: int = Field(default=1024, ge=1, le=100_000)
    button_concurrency: int = Field(default=32, ge=1, le=10_000)
    day_start_hour: int = Field(default=4, ge=0, le=12)
    # How long each poll of a group's quiz round stays open (Telegram allows 5 to 600 s).
    quiz_round_open_period_s: int = Field(default=30, ge=5, le=600)

    sandbox_timeout_s: float = Field(default=60.0, gt=0, le=600)
    sandbox_queue_size: int = Field(default=8, ge=1, le=1000)
    sandbox_cooldown_s: float = Field(default=20.0, ge=0, le=3600)
    sandbox_group_runs_per_hour: int = Field(default=6, ge=1, le=1000)
    sandbox_torch_threads: int = Field(default=1, ge=1, le=64)  # fastest for these small models
    # Address-space cap of the sandbox's runs (the warm child peaks at about 1.4 GB);
    # a run over it is reported as out of memory. 0: no cap. Not applied with CUDA.
    sandbox_max_memory_mb: int = Field(default=3000, ge=0, le=1_048_576)
    sandbox_enabled: bool = True
    # This process among those sharing the database: its /distill runs carry the name and
    # a lease it renews, so only runs of a stopped process are reported "interrupted".
    # Two processes on one host must set different names.
    instance_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)
    sandbox_warm_at_start: bool = True  # import torch and load the teacher before the first run
    # redis://host:port/db: runs go as Celery tasks to `distillbot worker` processes on any
    # machine, with limits kept in the database for every bot instance (README "Scaling
    # out"). Unset: the embedded worker and queue of this process.
    sandbox_broker_url: str | None = None

    # How updates arrive: long polling, or Telegram calling WEBHOOK_URL
    # (see bot/telegram/transport/webhook.py).
    run_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = Field(default=None, description="Public https URL Telegram calls.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Telegram sends it with every update; others are refused."
    )
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "telegram"
    # GET /healthz; served in webhook mode (8080 unless set) and in polling mode when set.
    health_listen: str = "127.0.0.1"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # The Mini App (bot/telegram/webapp): off unless WEBAPP_URL, the public address of its
    # pages (served under /app/ on the health server), is set. WEBAPP_NAME is the short name
    # given to BotFather's /newapp, for t.me/<bot>/<name> links in groups.
    webapp_url: str | None = Field(default=None, description="Public URL of the Mini App.")
    webapp_name: str = Field(default="explore", pattern=r"^[A-Za-z0-9_]{3,30}$")

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator(
        "webhook_secret",
        "webhook_url",
        "health_port",
        "webapp_url",
        "sandbox_broker_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # `WEBHOOK_SECRET=` in .env means "not set"

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url_telegram_opens(cls, value: str | None) -> str | None:
        # Telegram opens https pages only; plain http is for a browser on this machine.
        if value is None or value.startswith("https://") or LOCAL_HTTP.match(value):
            return value
        raise ValueError("WEBAPP_URL must start with https:// (or be http://localhost:PORT/...)")

    @field_validator("webhook_path")
    @classmethod
    def _bare_path(cls, value: str) -> str:
        return value.strip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    def require_token(self) -> str:
        """The bot token, or ``TokenError`` saying what to do."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise TokenError(MISSING_TOKEN_MESSAGE)
        token = self.telegram_bot_token.get_secret_value()
        if not TOKEN_SHAPE.match(token):
            raise TokenError(MALFORMED_TOKEN_MESSAGE)
        return token


MISSING_TOKEN_MESSAGE = """\
No bot token: TELEGRAM_BOT_TOKEN is not set.
1. In Telegram, talk to @BotFather, send /newbot and follow the steps; it gives you a token.
2. Copy .env.example to .env and put the token there:  TELEGRAM_BOT_TOKEN=123456:ABC...
   (or export TELEGRAM_BOT_TOKEN in your shell). Then run `make run` again."""

MALFORMED_TOKEN_MESSAGE = """\
TELEGRAM_BOT_TOKEN is not a bot token: one looks like 123456789:AAH... (the bot's number, a \
colon, then letters, digits, _ and -, with no quotes or spaces). Copy it again from @BotFather \
(/mybots, your bot, API Token)."""


class TokenError(RuntimeError):
    """The bot token is missing or cannot be one; the message says what to do."""


# Settings whose values must not be printed, even when they are refused.
SECRET_SETTINGS = frozenset({"telegram_bot_token", "webhook_secret"})


def configuration_problems(error: ValidationError) -> list[str]:
    """One line per refused setting, named as it is set (``DAY_START_HOUR``), with what is
    wrong; the value is shown except for secrets."""
    lines = []
    for problem in error.errors(include_url=False):
        field = str(problem["loc"][0]) if problem["loc"] else ""
        reason = problem["msg"].removeprefix("Value error, ")
        value = problem.get("input")
        shown = "" if field in SECRET_SETTINGS or not isinstance(value, str) else f"={value}"
        lines.append(f"{field.upper()}{shown}: {reason}")
    return lines


def unknown_env_file_keys(path: str = ENV_FILE) -> Iterator[str]:
    """A line for each key of ``.env`` that is no setting (a typo is silently ignored
    otherwise), with the setting it was probably meant to be."""
    names = [name.upper() for name in Settings.model_fields]
    for key in dotenv_values(path):
        if key.upper() in names:
            continue
        close = difflib.get_close_matches(key.upper(), names, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        yield f"{path}: {key} is not a setting of this bot and is ignored{hint}"
