"""Telegram's documented limits, checked on every request like the real server does."""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_EXPLANATION = 200
MAX_POLL_EXPLANATION_LINE_FEEDS = 2
MIN_OPEN_PERIOD, MAX_OPEN_PERIOD = 5, 600  # a poll's open_period, seconds
MAX_CALLBACK_ANSWER = 200
ENTITY_TYPES = {
    "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold",
    "italic", "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote",
    "code", "pre", "text_link", "text_mention", "custom_emoji", "date_time",
}  # fmt: skip
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


class BadRequest(Exception):
    """An error the Bot API would answer with 400 Bad Request."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_text(text: Any, *, field: str = "text", limit: int = MAX_TEXT) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(f"Bad Request: {field} must be non-empty")
    if utf16_len(text) > limit:
        raise BadRequest(f"Bad Request: {field} is too long")
    return text


def check_entities(text: str, entities: Any) -> None:
    if entities is None:
        return
    if not isinstance(entities, list):
        raise BadRequest("Bad Request: can't parse entities: entities must be an array")
    size = utf16_len(text)
    for entity in entities:
        kind = entity.get("type") if isinstance(entity, dict) else None
        offset, length = entity.get("offset"), entity.get("length")
        if kind not in ENTITY_TYPES or not isinstance(offset, int) or not isinstance(length, int):
            raise BadRequest(f"Bad Request: can't parse entities: bad entity {entity!r}")
        if offset < 0 or length <= 0 or offset + length > size:
            raise BadRequest(f"Bad Request: can't parse entities: entity {entity!r} out of text")
        if kind == "text_link" and not entity.get("url"):
            raise BadRequest("Bad Request: can't parse entities: text_link without url")


def check_parse_mode(text: str, parse_mode: Any) -> None:
    """A coarse MarkdownV2 check: reserved characters must be escaped, as Telegram demands."""
    if parse_mode in (None, ""):
        return
    if parse_mode != "MarkdownV2":
        raise BadRequest(f"Bad Request: unsupported parse_mode {parse_mode!r} in this stand-in")
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in MARKDOWN_V2_RESERVED and char not in "*_`[]()~|":
            raise BadRequest(f"Bad Request: can't parse entities: character '{char}' is reserved")


def check_web_app(web_app: Any) -> None:
    """A Mini App's address (WebAppInfo): Telegram opens https pages only."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise BadRequest(
            f"Bad Request: Web App URL '{url}' is invalid: Only HTTPS links are allowed"
        )


def check_menu_button(button: Any) -> None:
    """setChatMenuButton's MenuButton: commands, default, or a web app with its text."""
    kind = button.get("type") if isinstance(button, dict) else None
    if kind not in ("commands", "default", "web_app"):
        raise BadRequest("Bad Request: can't parse menu button JSON object")
    if kind == "web_app":
        if not str(button.get("text", "")).strip():
            raise BadRequest("Bad Request: menu button text must be non-empty")
        check_web_app(button.get("web_app"))


def check_reply_markup(markup: Any, *, private: bool = True) -> None:
    """Inline keyboards as Telegram checks them; web_app buttons only in private chats
    (elsewhere Telegram answers BUTTON_TYPE_INVALID)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or sum(len(row) for row in rows) > 100:
        raise BadRequest("Bad Request: too many inline keyboard buttons")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise BadRequest("Bad Request: inline keyboard button text must be non-empty")
            actions = [
                k for k in ("callback_data", "url", "switch_inline_query", "web_app") if k in button
            ]
            if len(actions) != 1:
                raise BadRequest("Bad Request: a button needs exactly one action")
            if "web_app" in button:
                if not private:
                    raise BadRequest("Bad Request: BUTTON_TYPE_INVALID")
                check_web_app(button["web_app"])
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")


def check_poll(params: dict[str, Any]) -> None:
    check_text(params.get("question"), field="poll question", limit=MAX_POLL_QUESTION)
    options = params.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 12:
        raise BadRequest("Bad Request: poll must have 2-12 options")
    for option in options:
        text = option.get("text") if isinstance(option, dict) else option
        check_text(text, field="poll option", limit=MAX_POLL_OPTION)
    if params.get("type") == "quiz":
        ids = params.get("correct_option_ids")
        if ids is None and params.get("correct_option_id") is not None:
            ids = [params["correct_option_id"]]
        if not ids or any(not isinstance(i, int) or not 0 <= i < len(options) for i in ids):
            raise BadRequest("Bad Request: wrong correct option ids specified")
    open_period = params.get("open_period")
    if open_period is not None and not (
        isinstance(open_period, int) and MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD
    ):
        raise BadRequest("Bad Request: wrong open period specified")
    explanation = params.get("explanation")
    if explanation is not None:
        check_text(explanation, field="poll explanation", limit=MAX_POLL_EXPLANATION)
        if explanation.count("\n") > MAX_POLL_EXPLANATION_LINE_FEEDS:
            raise BadRequest("Bad Request: poll explanation has too many line feeds")


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise BadRequest("Bad Request: commands must be an array of at most 100")
    for command in commands:
        if not COMMAND_NAME.match(str(command.get("command", ""))):
            raise BadRequest(f"Bad Request: bad command name {command.get('command')!r}")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise BadRequest("Bad Request: command description must be 1-256 characters")
