"""Every drop, FAQ answer and quiz item passes the stand-in, which enforces Telegram limits."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Poll

from bot.telegram.views.parts import drop_parts
from quizzes import load_bank
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import drops_received, onboard, press_done

READER = 8001


async def test_every_drop_is_accepted_by_telegram(harness: BotHarness) -> None:
    course, sender = harness.services.course, harness.app.bot_data.sender
    for drop in course.drops:
        await sender.send_parts(READER, drop_parts(course, drop, path_round=1))  # every card
    refused = [c.error for c in harness.api.calls if not c.ok]
    assert refused == []
    assert drops_received(harness.api, READER) == list(range(1, 15))
    photos = harness.api.sent("sendPhoto", READER)
    assert len(photos) == sum(1 for d in course.drops if d.figure is not None) >= 3


async def test_every_quiz_item_fits_a_poll_and_a_keyboard(harness: BotHarness) -> None:
    bot = harness.app.bot
    items = load_bank().all()
    assert len(items) >= 70
    for item in items:
        await bot.send_poll(
            -1001,
            item.question,
            item.options,
            type=Poll.QUIZ,
            correct_option_ids=[item.correct],
            explanation=item.explanation,
            is_anonymous=False,
        )
        buttons = [
            [InlineKeyboardButton(f"{chr(65 + i)}. {option}", callback_data=f"qa:999999:{i}")]
            for i, option in enumerate(item.options)
        ]
        await bot.send_message(READER, item.question, reply_markup=InlineKeyboardMarkup(buttons))
    assert [c.error for c in harness.api.calls if not c.ok] == []


async def test_drop_command_shows_only_drops_already_reached(harness: BotHarness) -> None:
    await onboard(harness, READER, "07:00", "UTC")
    await press_done(harness, READER)
    ahead = await harness.command(READER, "/drop 3.2")
    assert "haven't reached Drop 3.2 · 11 of 14" in ahead.text
    by_place = await harness.command(READER, "/drop 11")
    assert "haven't reached Drop 3.2 · 11 of 14" in by_place.text
    bogus = await harness.command(READER, "/drop 9.9; DROP TABLE")
    assert "no drop" in bogus.text
    assert "no drop" in (await harness.command(READER, "/drop 15")).text
    picker = await harness.command(READER, "/drop")
    assert [b["callback_data"] for b in picker.buttons()] == ["drop:1.1"]
    await harness.command(READER, "/drop 1.1")
    await harness.api.wait_for(lambda _: drops_received(harness.api, READER) == [1, 1])
    await harness.command(READER, "/drop 1")
    await harness.api.wait_for(lambda _: drops_received(harness.api, READER) == [1, 1, 1])


async def test_drop_with_a_superscript_digit_is_no_drop(harness: BotHarness) -> None:
    await onboard(harness, READER, "07:00", "UTC")
    answer = await harness.command(READER, "/drop ²")
    assert answer.text.startswith("There is no drop ².")


async def test_faq_buttons_show_each_question_whole_or_cut_after_a_word(
    harness: BotHarness,
) -> None:
    menu = await harness.command(READER, "/faq")
    labels = [b["text"] for b in menu.buttons()]
    for label, entry in zip(labels, harness.services.course.faq, strict=True):
        cut = label.endswith("…") and entry.question.startswith(f"{label[:-1]} ")
        assert label == entry.question or cut, label
    assert labels[4] == "Can I distill a Claude or GPT prompt into a smaller open…"


@pytest.mark.parametrize("index", range(5))
async def test_faq_answers_each_question(harness: BotHarness, index: int) -> None:
    menu = await harness.command(READER, "/faq")
    assert len(menu.buttons()) == 5
    answer = await harness.press(READER, menu, f"faq:{index}")
    assert answer is not None
    assert harness.services.course.faq[index].question in answer.text
