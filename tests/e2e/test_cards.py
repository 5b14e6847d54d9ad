"""Drops as cards through the real Application: the daily delivery is the first card,
Continue ▸ brings the next one once (across a restart too), the last carries Done and
▶️ Run it, which starts exactly the drop's /distill run; forged presses change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.services.delivery import outbox
from bot.storage.models import Delivery, DistillRun
from bot.telegram.views.parts import drop_cards
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import continue_button, done_button, onboard, press_done

LEARNER = 7301


def answers(harness: BotHarness) -> list[dict[str, Any]]:
    return [c.params for c in harness.api.sent("answerCallbackQuery")]


def texts(harness: BotHarness, chat_id: int) -> list[str]:
    """The drop cards the chat got (what onboarding says is left out)."""
    return [
        c.text
        for c in harness.api.sent(chat_id=chat_id)
        if c.method == "sendMessage" and c.text.startswith(("Phase ", "Drop "))
    ]


def delivery(harness: BotHarness, chat_id: int, drop_id: str) -> Delivery:
    with Session(harness.services.engine) as session:
        return session.exec(
            select(Delivery).where(Delivery.chat_id == chat_id, Delivery.drop_id == drop_id)
        ).one()


async def test_a_drop_is_read_card_by_card_and_each_card_comes_once(harness: BotHarness) -> None:
    course = harness.services.course
    cards = drop_cards(course, course.drop("1.1"), path_round=1)
    card_texts = [card[0].text for card in cards]
    await onboard(harness, LEARNER, "07:00", "UTC")
    first = await harness.api.wait_for(lambda _: continue_button(harness.api, LEARNER))
    assert texts(harness, LEARNER)[-1] == card_texts[0]
    assert card_texts[0].split("\n")[1].startswith("Drop 1.1 · 1 of 14 · ~6 min read")
    label = first[0].buttons()[0]["text"]
    assert label == f"Continue ▸ (2/{len(cards)})"
    assert done_button(harness.api, LEARNER) is None, "Done comes on the last card only"

    forged = ["more:1:1.1:9", f"more:1:1.1:{len(cards) + 1}", "more:1:1.1:3", "more:2:1.1:2",
              "more:1:3.2:2", "more:x"]  # fmt: skip
    for data in forged:
        await harness.press(LEARNER, first[0], data)
    assert texts(harness, LEARNER) == card_texts[:1], "a forged press sends nothing"
    assert [a.get("show_alert") for a in answers(harness)[-len(forged) :]] == [True] * 6
    assert delivery(harness, LEARNER, "1.1").cards_open == 1

    await harness.press(LEARNER, *first)
    assert texts(harness, LEARNER) == card_texts[:2]
    await harness.press(LEARNER, *first)  # the same Continue again (a double tap)
    assert texts(harness, LEARNER) == card_texts[:2], "no card twice"
    assert "Already here" in answers(harness)[-1]["text"]
    while (button := continue_button(harness.api, LEARNER)) is not None:
        await harness.press(LEARNER, *button)
    assert texts(harness, LEARNER) == card_texts
    last = [c for c in harness.api.sent(chat_id=LEARNER) if c.method.startswith("send")][-1]
    assert [b["text"] for b in last.buttons()] == ["▶️ Run it", "✅ Done"]
    assert delivery(harness, LEARNER, "1.1").status == "sent"


async def test_an_opened_card_lost_to_a_crash_is_sent_by_the_next_tick(
    harness: BotHarness,
) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    course = harness.services.course
    cards = drop_cards(course, course.drop("1.1"), path_round=1)
    await onboard(harness, LEARNER, "07:00", "UTC")
    first = await harness.api.wait_for(lambda _: continue_button(harness.api, LEARNER))
    # A press opened card 2 and the process died before sending it.
    work = await harness.services.transaction(
        outbox.open_card, LEARNER, path_round=1, drop_id="1.1", card=2, cards=len(cards),
        now=harness.clock(), lease=timedelta(seconds=60),
        holder=harness.services.claimant.holder,
    )  # fmt: skip
    assert isinstance(work, outbox.Work)
    await harness.press(LEARNER, *first)  # pressed again while it is "on its way"
    assert texts(harness, LEARNER) == [cards[0][0].text]
    harness.clock.advance(minutes=5)  # past the dead sender's lease
    await harness.tick()
    await harness.settle()
    assert texts(harness, LEARNER) == [cards[0][0].text, cards[1][0].text]
    await harness.press(LEARNER, *first)
    assert texts(harness, LEARNER) == [cards[0][0].text, cards[1][0].text], "no card twice"


async def test_today_and_drop_show_the_first_card_and_page_on(harness: BotHarness) -> None:
    course = harness.services.course
    cards = drop_cards(course, course.drop("1.1"), path_round=1)
    await onboard(harness, LEARNER, "07:00", "UTC")
    await harness.api.wait_for(lambda _: continue_button(harness.api, LEARNER))
    shown = await harness.command(LEARNER, "/drop 1")
    assert shown.text == cards[0][0].text
    page = shown.buttons()[0]["callback_data"]
    assert page == "page:0:1.1:2"
    await harness.press(LEARNER, shown, page)
    await harness.press(LEARNER, shown, page)  # a double tap sends it once
    assert texts(harness, LEARNER).count(cards[1][0].text) == 1
    await harness.press(LEARNER, shown, "page:0:3.2:2")  # a drop not reached
    assert answers(harness)[-1]["show_alert"] is True
    today = await harness.command(LEARNER, "/today")
    assert today.buttons()[0]["callback_data"] == "page:1:1.1:2"


async def test_run_it_starts_the_drops_own_run_through_the_distill_path(
    harness: BotHarness,
) -> None:
    course = harness.services.course
    drop = course.drop("2.3")
    assert drop.try_settings == "alpha=1"
    card = drop_cards(course, drop, path_round=0, closing=())[-1]
    sent = await harness.app.bot_data.sender.send_parts(LEARNER, card)
    message = [c for c in harness.api.sent(chat_id=LEARNER) if c.method.startswith("send")][-1]
    assert message.message_id == sent[-1].message_id
    assert message.buttons() == [{"text": "▶️ Run it", "callback_data": "run:2.3"}]
    for forged in ("run:9.9", "run:1.4", "run:2.3;rm"):  # unknown, no Try-it, malformed
        await harness.press(LEARNER, message, forged)
        assert answers(harness)[-1]["show_alert"] is True
    with Session(harness.services.engine) as session:
        assert session.exec(select(DistillRun)).all() == []
    status = await harness.press(LEARNER, message, "run:2.3")
    assert status is not None and status.text.startswith("⏳ /distill alpha=1: queued")
    again = await harness.press(LEARNER, message, "run:2.3")
    assert again is not None and "already have a run" in again.text  # the command's limit
    with Session(harness.services.engine) as session:
        runs = session.exec(select(DistillRun)).all()
    assert [(r.user_id, r.settings) for r in runs] == [(LEARNER, "alpha=1")]


async def test_a_pressed_done_says_when_the_next_drop_comes(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(harness, LEARNER, "07:00", "UTC")
    assert await press_done(harness, LEARNER)
    last = [c for c in harness.api.sent(chat_id=LEARNER) if c.buttons()]
    card = next(c for c in reversed(last) if c.text.startswith("Drop 1.1 · card"))
    shown = harness.api.message_for(card).reply_markup
    assert shown is not None
    labels = [b["text"] for row in shown["inline_keyboard"] for b in row]
    assert labels == ["▶️ Run it", "✅ Done · next drop tomorrow 07:00"]


async def test_free_text_is_answered_with_the_drop_or_faq_about_it(harness: BotHarness) -> None:
    await onboard(harness, LEARNER, "07:00", "UTC")
    await harness.api.wait_for(lambda _: continue_button(harness.api, LEARNER))
    legal = await harness.command(LEARNER, "Is it legal to distill GPT outputs?")
    assert legal.text.startswith("The FAQ answers that: Can I distill a Claude or GPT")
    assert legal.buttons()[0]["callback_data"] == "faq:4"
    answer = await harness.press(LEARNER, legal, "faq:4")
    assert answer is not None and "legally" in answer.text
    ahead = await harness.command(LEARNER, "what is DPO?")
    assert "coming up in Drop 3.3 · 12 of 14" in ahead.text and not ahead.buttons()
    reached = await harness.command(LEARNER, "why do small models learn from teachers")
    assert "Drop 1.1 · 1 of 14" in reached.text
    assert reached.buttons()[0]["callback_data"] == "drop:1.1"
    other = await harness.command(LEARNER, "good morning!")
    assert (
        other.text
        == "I answer commands: /help lists them, and /today shows your current drop (1.1)."
    )
