"""Logging set-up: text or one JSON object per line; no token, secret or message text in any record.

Every record goes through the handler's filters, whatever logger it came from:
``RedactTokens`` masks bot tokens and the configured secrets (also inside tracebacks), and
``HideTelegramPayloads`` keeps python-telegram-bot from writing updates or request
parameters (which carry what learners typed and what the bot sent) into the log.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}|bot\d+:[^/\s]+")
HIDDEN = "[hidden]"

# python-telegram-bot logs request parameters and whole updates at DEBUG; its INFO and above
# carry no contents, so it never goes below INFO even when LOG_LEVEL=DEBUG.
_FLOORS = {
    "telegram": logging.INFO,
    # httpx logs every request URL, and the URL contains the token.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
    "tornado.access": logging.WARNING,
}


class RedactTokens(logging.Filter):
    """Replaces anything shaped like a bot token, and each given secret, with ``[token]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        text = _TOKEN.sub("[token]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[token]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        # Formatters reuse exc_text when set, so a redacted traceback is what gets written.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class HideTelegramPayloads(logging.Filter):
    """Replaces Telegram objects (updates, messages) and request dicts in PTB's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or not record.args:
            return True
        if not isinstance(record.args, tuple):  # one mapping for "%(name)s" formats
            record.msg, record.args = f"{record.msg} {HIDDEN}", None
        elif any(_is_payload(a) for a in record.args):
            record.args = tuple(HIDDEN if _is_payload(a) else a for a in record.args)
        return True


def _is_payload(value: object) -> bool:
    # By module rather than isinstance, so importing this module does not import telegram.
    return isinstance(value, Mapping) or type(value).__module__.startswith("telegram.")


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str, fmt: Literal["text", "json"] = "text", *, secrets: Iterable[str] = ()
) -> None:
    """Route every logger through one handler on stderr; ``secrets`` are masked wherever seen."""
    handler = logging.StreamHandler()
    handler.addFilter(HideTelegramPayloads())
    handler.addFilter(RedactTokens(secrets))
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in _FLOORS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, root.level))
