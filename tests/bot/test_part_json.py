"""A part's entities and buttons go out as the same JSON python-telegram-bot would send."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, WebAppInfo

from bot.telegram.transport.sender import keyboard, part_json
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.parts import Buttons, Link

EVERY_KIND: Buttons = (
    (("✅ Done", "done:1.1"), ("↩️ Undo", "undo:7")),
    (Link("🔍 Explore", "https://example.org/app/", web_app=True),),
    (Link("Open", "https://t.me/distill_bot/app"),),
)


def test_buttons_are_the_json_of_the_keyboard_python_telegram_bot_builds() -> None:
    built = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Done", callback_data="done:1.1"),
                InlineKeyboardButton("↩️ Undo", callback_data="undo:7"),
            ],
            [InlineKeyboardButton("🔍 Explore", web_app=WebAppInfo("https://example.org/app/"))],
            [InlineKeyboardButton("Open", url="https://t.me/distill_bot/app")],
        ]
    )
    part = markdown_part("**Quiz 1 of 3** · see [the paper](https://arxiv.org/abs/1503.02531)")
    sent = part_json(markdown_part("**Quiz 1 of 3** · x", EVERY_KIND))
    assert sent["reply_markup"] == built.to_dict()
    assert keyboard(EVERY_KIND) == built
    entities = [MessageEntity(**entity) for entity in part_json(part)["entities"]]
    assert [entity.to_dict() for entity in entities] == part_json(part)["entities"]
    assert {entity.type for entity in entities} == {"bold", "text_link"}


def test_a_plain_part_sends_no_entities_or_keyboard() -> None:
    assert part_json(markdown_part("Nothing to format")) == {}
