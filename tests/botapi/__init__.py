"""A local stand-in for the Telegram Bot API that enforces Telegram's limits."""

from tests.botapi.server import ApiCall, FakeBotApi

__all__ = ["ApiCall", "FakeBotApi"]
