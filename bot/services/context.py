"""What every handler needs, built once from settings and carried on the Application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from drops.model import Course

if TYPE_CHECKING:
    from bot.services.distill import Sandbox
    from bot.telegram.transport.sender import Sender


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Settings, the database, the course and the clock (tests inject a controllable one)."""

    settings: Settings
    engine: Engine
    course: Course
    clock: Callable[[], datetime] = system_clock
    known_chats: set[int] = field(default_factory=set)
    sender: Sender | None = None  # set once the Application's bot exists
    sandbox: Sandbox | None = None  # the /distill worker and queue, when enabled


class BotData:
    """The Application's ``bot_data``: a typed holder instead of a free-form dict."""

    services: Services


AppContext = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
AppType = Application[Any, Any, Any, Any, BotData, Any]


def services_of(context: AppContext) -> Services:
    return context.bot_data.services
