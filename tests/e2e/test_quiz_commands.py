"""/settings, /stats and /review outside their happy path, through the real Application."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from bot.storage.models import Learner
from tests.e2e.harness import BotHarness
from tests.quiz.steps import answer_all, finish_drop, start_learner

USER = 7401
GROUP = -4401


def settings_of(harness: BotHarness) -> tuple[float, int, bool]:
    with Session(harness.services.engine) as session:
        learner = session.get(Learner, USER)
        assert learner is not None
        return learner.desired_retention, learner.review_cap, learner.reviews_with_drop


async def test_settings_typed_and_by_button(harness: BotHarness) -> None:
    shown = await harness.command(USER, "/settings")
    assert "retention: 0.90" in shown.text and "cap: 20" in shown.text
    assert settings_of(harness) == (0.9, 20, True)

    saved = await harness.command(USER, "/settings retention=0.85 cap=30 with_drop=off")
    assert "Saved" in saved.text and settings_of(harness) == (0.85, 30, False)

    for bad in (
        "/settings retention=0.5",
        "/settings cap=30 retention=high",
        "/settings cap=9999999999999999999999",
        "/settings with_drop=sometimes",
        "/settings " + "x=1 " * 300,
    ):
        refused = await harness.command(USER, bad)
        assert refused.text.startswith("Nothing changed")
        assert settings_of(harness) == (0.85, 30, False)

    button = next(b for b in shown.buttons() if b["text"] == "Retention 0.95")
    await harness.press(USER, shown, button["callback_data"])
    assert settings_of(harness) == (0.95, 30, False)
    assert "retention: 0.95" in (harness.api.message_for(shown).text or "")


async def test_settings_and_review_belong_in_a_private_chat(harness: BotHarness) -> None:
    harness.api.add_bot_to_group(GROUP, USER)
    await harness.next_message(GROUP, after=0)  # the group's greeting
    settings = await harness.command(USER, "/settings cap=50", chat_id=GROUP)
    assert "private chat" in settings.text
    review = await harness.command(USER, "/review", chat_id=GROUP)
    assert "private chat" in review.text
    assert settings_of(harness)[1] == 20


async def test_reviews_without_the_drop_wait_for_review(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    await harness.command(USER, "/settings with_drop=off")
    await answer_all(harness, USER, await finish_drop(harness, USER), [False, True, True, True])
    harness.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))
    await harness.tick()
    _, closing = await answer_all(harness, USER, await finish_drop(harness, USER), [True] * 3)
    assert "send /review" in closing.text and not closing.buttons()


async def test_stats_send_numbers_and_a_forecast_chart(harness: BotHarness) -> None:
    empty = await harness.command(USER, "/stats")
    assert "No quiz answers yet" in empty.text

    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    await answer_all(harness, USER, await finish_drop(harness, USER), [False, True, True, True])
    numbers = await harness.command(USER, "/stats")
    assert "Answers: 3 (2 right)" in numbers.text and "Streak: 🔥 1 day" in numbers.text
    # Every item was met just now (100% recall, no review yet): no drop is weak.
    assert "Weakest drops" not in numbers.text
    photo = await harness.api.wait_for(
        lambda calls: [c for c in calls if c.method == "sendPhoto" and c.chat_id == USER],
        timeout=60,
    )
    png = photo[0].files["photo"]
    assert png.startswith(b"\x89PNG")
    assert "at most 20 a day (your daily cap)" in photo[0].text, photo[0].text
    assert int.from_bytes(png[16:20], "big") == 1200  # drawn for a phone, not a strip
    harness.clock.set(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))  # a week later: recall fades
    later = await harness.command(USER, "/stats")
    assert "Weakest drops\n• Drop 1.1 · 1 of 14 " in later.text  # in the one numbering
