"""How a learner opens the Mini App: the menu button of private chats, and "🔍 Explore"
under the drops that have an explorer — a web-app button in a private chat, a t.me link in
a group, where Telegram refuses web-app buttons (the stand-in does too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.error import BadRequest

from bot.telegram.views.parts import Paging
from tests.e2e.harness import BotHarness, running_bot
from tests.webapp.harness import PUBLIC_URL

LEARNER, GROUP = 7401, -1007401


def last_buttons(bot: BotHarness, chat_id: int) -> list[dict]:
    return [
        b
        for row in bot.api.sent(chat_id=chat_id)[-1].params["reply_markup"]["inline_keyboard"]
        for b in row
    ]


async def send_drop(bot: BotHarness, drop_id: str, chat_id: int, paging: Paging) -> None:
    sender = bot.app.bot_data.sender
    for card in sender.cards_of(drop_id, 1, None, paging):
        await sender.send_parts(chat_id, card)


async def test_with_webapp_url_the_menu_and_the_explorer_drops_open_the_app(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webapp_url=PUBLIC_URL, sandbox_enabled=False) as bot:
        assert bot.api.menu_buttons == {
            None: {"type": "web_app", "text": "🔍 Explore", "web_app": {"url": PUBLIC_URL}}
        }
        await send_drop(bot, "2.2", LEARNER, Paging.DELIVERY)
        explore = [b for b in last_buttons(bot, LEARNER) if b["text"] == "🔍 Explore"]
        assert explore == [
            {"text": "🔍 Explore", "web_app": {"url": f"{PUBLIC_URL}?page=temperature"}}
        ]
        await send_drop(bot, "2.3", GROUP, Paging.NONE)
        explore = [b for b in last_buttons(bot, GROUP) if b["text"] == "🔍 Explore"]
        assert explore == [
            {"text": "🔍 Explore", "url": "https://t.me/distill_drops_bot/explore?startapp=kl"}
        ]
        await send_drop(bot, "2.4", LEARNER, Paging.DELIVERY)  # no explorer: no button
        assert all(b["text"] != "🔍 Explore" for b in last_buttons(bot, LEARNER))
        assert [call.error for call in bot.api.calls if not call.ok] == []


async def test_telegram_refuses_web_app_buttons_in_groups(harness: BotHarness) -> None:
    button = InlineKeyboardButton("🔍 Explore", web_app=WebAppInfo(PUBLIC_URL))
    with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
        await harness.app.bot.send_message(
            GROUP, "Explore", reply_markup=InlineKeyboardMarkup([[button]])
        )
    plain = InlineKeyboardButton("🔍 Explore", web_app=WebAppInfo("http://example.org/app/"))
    with pytest.raises(BadRequest, match=r"(?i)only https"):
        await harness.app.bot.send_message(
            LEARNER, "Explore", reply_markup=InlineKeyboardMarkup([[plain]])
        )


async def test_without_webapp_url_nothing_names_the_app(harness: BotHarness) -> None:
    assert harness.api.menu_buttons == {}
    await send_drop(harness, "2.2", LEARNER, Paging.DELIVERY)
    assert all("web_app" not in b and "url" not in b for b in last_buttons(harness, LEARNER))


async def test_a_local_http_address_serves_the_app_but_sets_no_telegram_button(
    tmp_path: Path,
) -> None:
    local = "http://localhost:8080/app/"
    async with running_bot(tmp_path, webapp_url=local, sandbox_enabled=False) as bot:
        assert bot.api.menu_buttons == {}
        await send_drop(bot, "2.2", LEARNER, Paging.DELIVERY)
        assert all(b["text"] != "🔍 Explore" for b in last_buttons(bot, LEARNER))
