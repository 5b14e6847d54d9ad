"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL with the secret in a header.

A reverse proxy terminates TLS at WEBHOOK_URL and forwards to WEBHOOK_LISTEN:WEBHOOK_PORT
/WEBHOOK_PATH, where python-telegram-bot's webhook server answers 403 to any request whose
``X-Telegram-Bot-Api-Secret-Token`` is missing or wrong, before the update is read.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from bot.config import Settings


class WebhookSettingsError(RuntimeError):
    """Webhook mode was asked for without what it needs; the message says what to set."""


@dataclass(frozen=True)
class WebhookOptions:
    """The keyword arguments of ``Application.run_webhook`` / ``Updater.start_webhook``."""

    listen: str
    port: int
    url_path: str
    webhook_url: str
    secret_token: str

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.url_path,
            "webhook_url": self.webhook_url,
            "secret_token": self.secret_token,
        }

    def describe(self) -> str:
        """Where it listens, for the start-up log line (the secret stays out)."""
        return f"http://{self.listen}:{self.port}/{self.url_path} for {self.webhook_url}"


def webhook_options(settings: Settings) -> WebhookOptions:
    """The webhook set-up from settings, or ``WebhookSettingsError`` naming what is missing."""
    problems: list[str] = []
    url = settings.webhook_url
    if not url:
        problems.append(
            "WEBHOOK_URL is not set: the public https address Telegram will call, "
            "e.g. WEBHOOK_URL=https://bot.example.org/telegram"
        )
    elif not url.startswith("https://"):
        problems.append("WEBHOOK_URL must start with https:// (Telegram calls HTTPS URLs only)")
    if settings.webhook_secret is None:
        problems.append(
            "WEBHOOK_SECRET is not set: Telegram sends it with every update and requests "
            "without it are refused. A fresh one (1-256 characters of A-Z a-z 0-9 _ -):\n"
            f"  WEBHOOK_SECRET={secrets.token_urlsafe(32)}"
        )
    if problems or url is None or settings.webhook_secret is None:
        raise WebhookSettingsError(
            "Webhook mode needs more settings (in .env or the environment):\n- "
            + "\n- ".join(problems)
        )
    return WebhookOptions(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_path,
        webhook_url=url,
        secret_token=settings.webhook_secret.get_secret_value(),
    )
