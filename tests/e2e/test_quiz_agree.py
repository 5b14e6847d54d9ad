"""Quiz numbers that agree with themselves: /stats and /review after an Undo, a re-asked
question's "Quiz 3 of 3", one summary, new items marked, "1 active day"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.services.quiz.bank import quiz_bank
from bot.storage.models import Chat, Delivery, LearnerCard
from tests.botapi.server import ApiCall
from tests.e2e.harness import BotHarness, running_bot
from tests.e2e.journeys import done_button
from tests.quiz.steps import (
    answer,
    cards,
    eventually,
    finish_drop,
    first_question,
    is_question,
    option_for,
    question_id,
    review_logs,
    start_learner,
)

USER = 7301
SUMMARY = "That's the quiz for this drop"


def summaries(harness: BotHarness) -> list[str]:
    """The quiz summaries the chat shows now (a deleted one is gone, an edited one changed)."""
    sent = harness.api.sent("sendMessage", USER)
    shown = [harness.api.messages.get((USER, call.message_id or 0)) for call in sent]
    return [m.text for m in shown if m is not None and m.text and SUMMARY in m.text]


def live_questions(harness: BotHarness) -> list[str]:
    """The first line of each message in the chat that still shows answer buttons."""
    shown = []
    for call in harness.api.sent("sendMessage", USER):
        message = harness.api.messages.get((USER, call.message_id or 0))
        rows = (message.reply_markup or {}).get("inline_keyboard", []) if message else []
        if any(b.get("callback_data", "").startswith("qa:") for row in rows for b in row):
            shown.append((message.text or "").split("\n")[0] if message else "")
    return shown


async def stats_text(harness: BotHarness) -> str:
    """/stats's text, once its forecast chart has come too: a chart still being drawn
    must not be taken for the reply to a later command."""
    before = len(harness.api.calls)
    stats = await harness.command(USER, "/stats")
    await harness.api.wait_for(
        lambda calls: any(c.method == "sendPhoto" and c.chat_id == USER for c in calls[before:]),
        timeout=30,
    )
    return stats.text


def due_today(stats_text: str) -> int:
    found = re.search(r"due today: (\d+)", stats_text)
    assert found is not None, stats_text
    return int(found[1])


async def drop_one_then_the_next_day(harness: BotHarness) -> None:
    """Drop 1's quiz with one miss (asked once more), then the clock at the next morning:
    four reviews due, three of them items of drop 1 not asked yet."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    current = await finish_drop(harness, USER)
    for right in (False, True, True, True):
        current = await answer(harness, USER, current, right=right)
    harness.clock.set(datetime(2026, 3, 3, 7, 45, tzinfo=UTC))


async def at_the_last_question(harness: BotHarness) -> ApiCall:
    """Drop 1's quiz with its first two questions answered right: "Quiz 3 of 3" is asked."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    second = await answer(harness, USER, first, right=True)
    return await answer(harness, USER, second, right=True)


def while_the_summary_is_on_its_way(
    harness: BotHarness, act: Callable[[], Awaitable[None]], *, marker: str = SUMMARY
) -> asyncio.Event:
    """When the bot sends the quiz's summary (or the message with ``marker``), hold
    Telegram's answer from it until ``act`` is done (the learner sees the message; the bot
    does not know it went). The event is set once the bot may hear the answer."""
    heard = asyncio.Event()

    async def hold(call: ApiCall) -> None:
        if marker not in call.text:
            return
        harness.api.on_sent = None
        await act()
        heard.set()

    harness.api.on_sent = hold
    return heard


async def test_undo_of_the_last_answer_keeps_the_header_and_one_summary(
    harness: BotHarness,
) -> None:
    last = await at_the_last_question(harness)
    assert "Quiz 3 of 3" in last.text
    closing = await answer(harness, USER, last, right=True)
    assert "3 of 3 right" in closing.text
    assert "Quiz 3 of 3" in (harness.api.message_for(last).text or "")  # the answered view

    harness.api.press(USER, last, f"qu:{question_id(last)}")
    await eventually(lambda: len(review_logs(harness, USER)) == 2)
    await harness.settle()
    reasked = harness.api.message_for(last)
    assert "Quiz 3 of 3" in (reasked.text or ""), reasked.text

    before = len(harness.api.calls)
    wrong = option_for(harness, last, right=False)
    harness.api.press(USER, last, f"qa:{question_id(last)}:{wrong}")
    again = await first_question(harness, USER, before)  # a missed item: once more
    await answer(harness, USER, again, right=True)
    await harness.settle()
    assert [s.split("\n")[0] for s in summaries(harness)] == [f"{SUMMARY}: 2 of 3 right."]


async def test_an_undo_pressed_as_the_summary_arrives_takes_the_summary_back(
    harness: BotHarness,
) -> None:
    """The learner presses Undo the moment the summary is on the phone, before the bot
    has heard Telegram's answer to sending it: the summary still goes, so answering again
    leaves one summary, not two (a full CI run caught the two once)."""
    last = await at_the_last_question(harness)

    async def undo() -> None:
        harness.api.press(USER, last, f"qu:{question_id(last)}")
        await eventually(lambda: len(review_logs(harness, USER)) == 2)

    heard = while_the_summary_is_on_its_way(harness, undo)
    closing = await answer(harness, USER, last, right=True)
    assert "3 of 3 right" in closing.text
    await asyncio.wait_for(heard.wait(), timeout=15)
    await harness.settle()
    assert summaries(harness) == []
    assert "Quiz 3 of 3" in (harness.api.message_for(last).text or "")

    again = await answer(harness, USER, last, right=False)  # the miss, asked once more
    assert "Once more" in again.text, again.text
    await answer(harness, USER, again, right=True)
    await harness.settle()
    assert [s.split("\n")[0] for s in summaries(harness)] == [f"{SUMMARY}: 2 of 3 right."]


async def test_a_summary_that_arrives_after_an_undo_and_a_new_answer_is_taken_back(
    tmp_path: Path, postgres_url: str
) -> None:
    """Undo and a new answer both land before the bot hears that the first summary went
    out: that summary belonged to the undone answer and goes; the new answer's stays.
    Several instances sharing PostgreSQL can be that fast; so can one busy instance, whose
    summary waits its turn while the Undo's edit goes at once (the SQLite case below)."""
    async with running_bot(tmp_path, database_url=postgres_url) as harness:
        await undo_and_answer_again_while_the_summary_is_on_its_way(harness)
        assert [s.split("\n")[0] for s in summaries(harness)] == [f"{SUMMARY}: 3 of 3 right."]
        assert len(review_logs(harness, USER)) == 3


def undo_then(harness: BotHarness, last: ApiCall, press: str) -> Callable[[], Awaitable[None]]:
    """Undo the answer to ``last``, then press ``press`` under it (the third answer logged)."""

    async def undo_and_press() -> None:
        harness.api.press(USER, last, f"qu:{question_id(last)}")
        await eventually(lambda: len(review_logs(harness, USER)) == 2)
        harness.api.press(USER, last, press)
        await eventually(lambda: len(review_logs(harness, USER)) == 3)

    return undo_and_press


async def test_a_summary_on_its_way_as_the_answer_is_undone_and_missed_is_taken_back(
    harness: BotHarness,
) -> None:
    """One bot on SQLite. The last answer, right, closes the quiz; while its summary "3 of 3
    right" is on its way the learner presses Undo and answers wrong. The summary belonged to
    the undone answer and goes. SQLite gave the new answer's log the undone one's number
    (the highest, freed), so the bot took the summary for the new answer's and kept it:
    "3 of 3 right" stayed in the chat above the miss's "Once more"."""
    last = await at_the_last_question(harness)
    right = f"qa:{question_id(last)}:{option_for(harness, last, right=True)}"
    wrong = f"qa:{question_id(last)}:{option_for(harness, last, right=False)}"

    heard = while_the_summary_is_on_its_way(harness, undo_then(harness, last, wrong))
    before = len(harness.api.calls)
    harness.api.press(USER, last, right)
    await asyncio.wait_for(heard.wait(), timeout=30)
    await harness.api.wait_for(
        lambda calls: any("Once more" in c.text for c in calls[before:] if c.ok), timeout=30
    )
    await harness.settle()
    assert summaries(harness) == []


async def undo_and_answer_again_while_the_summary_is_on_its_way(harness: BotHarness) -> None:
    last = await at_the_last_question(harness)
    right = f"qa:{question_id(last)}:{option_for(harness, last, right=True)}"

    heard = while_the_summary_is_on_its_way(harness, undo_then(harness, last, right))
    before = len(harness.api.calls)
    harness.api.press(USER, last, right)
    await asyncio.wait_for(heard.wait(), timeout=30)
    await harness.api.wait_for(
        lambda calls: (
            sum(SUMMARY in c.text for c in calls[before:] if c.method == "sendMessage") == 2
        ),
        timeout=30,
    )
    await harness.settle()


async def test_stats_due_today_is_what_review_offers_also_after_an_undo(
    harness: BotHarness,
) -> None:
    await drop_one_then_the_next_day(harness)
    stats = await stats_text(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    review = await first_question(harness, USER, before)
    offered = int(re.search(r"Review 1 of (\d+)", review.text)[1])  # type: ignore[index]
    assert due_today(stats) == offered == 4

    await answer(harness, USER, review, right=True)
    harness.api.press(USER, review, f"qu:{question_id(review)}")
    await eventually(lambda: len(review_logs(harness, USER)) == 4)
    await harness.settle()
    stats = await stats_text(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    review = await first_question(harness, USER, before)
    assert due_today(stats) == 4 and "Review 1 of 4" in review.text


async def test_a_review_of_an_item_never_asked_says_it_is_new(harness: BotHarness) -> None:
    await drop_one_then_the_next_day(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    question = await first_question(harness, USER, before)
    headers = []
    while is_question(question):
        headers.append(question.text.split("\n")[0])
        question = await answer(harness, USER, question, right=True)
    assert len(headers) == 4
    assert sum(" · new · " in h for h in headers) == 3, headers  # drop 1's unasked items
    assert all(h.startswith("🔁 Review") for h in headers)


async def test_finishing_the_path_in_one_day_says_one_active_day(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, USER)
        assert chat is not None
        chat.current_drop_id = "4.1"  # the last drop, as if the others came and went
        session.add(Delivery(chat_id=USER, drop_id="4.1", local_day="2026-03-02",
                             sent_at=harness.clock()))  # fmt: skip
        session.add(chat)
        session.commit()
    found = done_button(harness.api, USER)
    assert found is not None
    call, data = found
    round_part = data.split(":")[1]
    await harness.press(USER, call, f"done:{round_part}:4.1")
    finished = await harness.api.wait_for(
        lambda calls: [c for c in calls if c.ok and "finished the path" in c.text]
    )
    assert "over 1 active day," in finished[0].text


async def test_an_undo_after_review_takes_back_the_summary_not_the_review_reply(
    harness: BotHarness,
) -> None:
    """/review after the quiz answers the command, not an answer: undoing the quiz's last
    answer takes back that answer's summary and leaves the reply to /review in the chat
    (once, the reply took the summary's place, and answering again left two summaries)."""
    last = await at_the_last_question(harness)
    await answer(harness, USER, last, right=True)
    reply = await harness.command(USER, "/review")
    assert "No reviews due" in reply.text

    harness.api.press(USER, last, f"qu:{question_id(last)}")
    await eventually(lambda: len(review_logs(harness, USER)) == 2)
    await harness.settle()
    assert summaries(harness) == []
    shown = harness.api.messages.get((USER, reply.message_id or 0))
    assert shown is not None and shown.text == reply.text

    await answer(harness, USER, last, right=True)
    await harness.settle()
    assert [s.split("\n")[0] for s in summaries(harness)] == [f"{SUMMARY}: 3 of 3 right."]


async def a_miss_at_the_last_question(harness: BotHarness) -> tuple[ApiCall, str, int]:
    """Drop 1's "Quiz 3 of 3" answered wrong; returns it, the press of its right option
    and how many calls the bot had made before the miss."""
    last = await at_the_last_question(harness)
    before = len(harness.api.calls)
    right = f"qa:{question_id(last)}:{option_for(harness, last, right=True)}"
    harness.api.press(
        USER, last, f"qa:{question_id(last)}:{option_for(harness, last, right=False)}"
    )
    return last, right, before


async def right_again_closes_the_quiz_once(harness: BotHarness, last: ApiCall, right: str) -> None:
    """After the miss is undone, the right answer: no question left open, one summary."""
    harness.api.press(USER, last, right)
    await eventually(lambda: len(review_logs(harness, USER)) == 3)
    await harness.settle()
    assert live_questions(harness) == []
    assert [s.split("\n")[0] for s in summaries(harness)] == [f"{SUMMARY}: 3 of 3 right."]


async def test_an_undo_of_a_miss_takes_back_its_once_more(harness: BotHarness) -> None:
    """A mis-tapped wrong answer brings "Once more" at once; Undo and the right answer
    close the quiz with "3 of 3 right" (the "Once more" of a miss undone used to stay,
    open, and hold the summary back)."""
    last, right, before = await a_miss_at_the_last_question(harness)
    again = await first_question(harness, USER, before)
    assert "Once more" in again.text, again.text

    harness.api.press(USER, last, f"qu:{question_id(last)}")
    await eventually(lambda: len(review_logs(harness, USER)) == 2)
    await harness.settle()
    assert harness.api.messages.get((USER, again.message_id or 0)) is None
    await right_again_closes_the_quiz_once(harness, last, right)


async def test_an_undo_of_a_miss_pressed_as_its_once_more_arrives_takes_it_back(
    harness: BotHarness,
) -> None:
    """Undo pressed the moment "Once more" is on the phone, before the bot has heard that
    it went: it still goes, and the right answer closes the quiz."""
    last, right = None, ""

    async def undo() -> None:
        assert last is not None
        harness.api.press(USER, last, f"qu:{question_id(last)}")
        await eventually(lambda: len(review_logs(harness, USER)) == 2)

    heard = while_the_summary_is_on_its_way(harness, undo, marker="Once more")
    last, right, _ = await a_miss_at_the_last_question(harness)
    await asyncio.wait_for(heard.wait(), timeout=15)
    # The undo's edit and the repeat's removal each wait for the chat's pace: wait for both.
    reasked = ["🧠 Quiz 3 of 3 · Drop 1.1 · 1 of 14"]
    await eventually(lambda: live_questions(harness) == reasked, timeout=15)
    await harness.settle()
    assert live_questions(harness) == reasked
    await right_again_closes_the_quiz_once(harness, last, right)


async def test_review_while_a_drops_once_more_is_open_gets_an_answer(
    harness: BotHarness,
) -> None:
    """/review with a drop's "Once more" open answers the command (nothing is due yet)
    and leaves that question to answer (it used to count as an open review: silence)."""
    last = await at_the_last_question(harness)
    again = await answer(harness, USER, last, right=False)
    assert "Once more" in again.text, again.text

    reply = await harness.command(USER, "/review")
    assert "No reviews due" in reply.text
    assert [line.split(" ·")[0] for line in live_questions(harness)] == [
        "🔂 Once more (missed earlier)"
    ]
    closing = await answer(harness, USER, again, right=True)
    assert f"{SUMMARY}: 2 of 3 right." in closing.text


async def test_review_while_a_reviews_once_more_is_open_starts_the_session_again(
    harness: BotHarness,
) -> None:
    """/review replaces an open review session, its "Once more" included: the repeat is
    asked anew and the old one's buttons go (an open repeat used to make /review silent)."""
    await drop_one_then_the_next_day(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    current = await first_question(harness, USER, before)
    current = await answer(harness, USER, current, right=False)
    while "Once more" not in current.text:
        assert is_question(current), current.text
        current = await answer(harness, USER, current, right=True)

    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    again = await first_question(harness, USER, before)
    # The old repeat loses its buttons, or, if /review came before its message id was
    # stored, goes once that id comes back (a delete that waits for the chat's pace).
    await eventually(lambda: len(live_questions(harness)) == 1)
    await harness.settle()
    assert "Once more" in again.text and again.message_id != current.message_id
    assert [line.split(" ·")[0] for line in live_questions(harness)] == [
        "🔂 Once more (missed earlier)"
    ]


async def test_a_replaced_repeats_old_button_answers_nothing_of_the_new_session(
    harness: BotHarness,
) -> None:
    """A phone that still shows the old "Once more" (its buttons not yet taken off) and
    is tapped after /review replaced it: the tap answers nothing. The new session's first
    question took the old one's id (SQLite gave a withdrawn question's id again), so the
    tap answered the new question, and the old message kept its buttons."""
    await drop_one_then_the_next_day(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    current = await first_question(harness, USER, before)
    current = await answer(harness, USER, current, right=False)
    while "Once more" not in current.text:
        current = await answer(harness, USER, current, right=True)
    await harness.settle()  # the repeat's message id is stored
    old_option = option_for(harness, current, right=True)

    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    again = await first_question(harness, USER, before)
    await harness.settle()
    stale = await harness.press(USER, current, f"qa:{question_id(current)}:{old_option}")
    await harness.settle()
    assert stale is None or "expired" in (stale.text or ""), stale
    assert question_id(again) != question_id(current)
    assert [line.split(" ·")[0] for line in live_questions(harness)] == [
        "🔂 Once more (missed earlier)"
    ]


async def test_a_drop_quiz_finished_the_next_morning_is_still_three_questions(
    harness: BotHarness,
) -> None:
    """Drop 1 read in the evening, "Quiz 3 of 3" left for the morning (a question lives a
    day): answering it closes the quiz with "3 of 3 right". The drop's other items fell
    due overnight as reviews; they used to join its quiz as "Quiz 2 of 4" and on."""
    harness.clock.set(datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    first = await finish_drop(harness, USER)
    second = await answer(harness, USER, first, right=True)
    last = await answer(harness, USER, second, right=True)
    assert "Quiz 3 of 3" in last.text

    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    closing = await answer(harness, USER, last, right=True)
    assert closing.text.startswith(f"{SUMMARY}: 3 of 3 right."), closing.text
    assert "reviews due" in closing.text, closing.text  # the rest of the drop, offered


async def test_the_paths_end_counts_quiz_answers_as_stats_does(harness: BotHarness) -> None:
    """A missed item asked once more is practice, not another answer: /stats counts the
    quiz's three answers, and so does the message at the end of the path."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await start_learner(harness, USER)
    current = await finish_drop(harness, USER)
    for right in (False, True, True, True):  # the miss comes back once more
        current = await answer(harness, USER, current, right=right)
    await harness.settle()
    assert "• Answers: 3 (2 right)" in await stats_text(harness)
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, USER)
        assert chat is not None
        chat.current_drop_id = "4.1"  # the last drop, as if the others came and went
        session.add(Delivery(chat_id=USER, drop_id="4.1", local_day="2026-03-02",
                             sent_at=harness.clock()))  # fmt: skip
        session.add(chat)
        session.commit()
    drop_one = next(c for c in harness.api.sent("sendMessage", USER) if "done:" in str(c.params))
    round_part = next(
        b["callback_data"] for b in drop_one.buttons() if b["callback_data"].startswith("done:")
    ).split(":")[1]
    await harness.press(USER, drop_one, f"done:{round_part}:4.1")
    finished = await harness.api.wait_for(
        lambda calls: [c for c in calls if c.ok and "finished the path" in c.text]
    )
    assert "and 3 quiz answers." in finished[0].text, finished[0].text


async def test_stats_due_today_keeps_to_the_daily_cap_and_the_bank_as_review_does(
    harness: BotHarness,
) -> None:
    """A backlog past the daily cap, and a card of an item taken out of the quiz bank:
    /review asks 20 today and never the removed item, and /stats says the same 20 and how
    many wait (it said "due today: 31")."""
    await drop_one_then_the_next_day(harness)  # four reviews due this morning
    held = set(cards(harness, USER))
    others = [item.id for item in quiz_bank().all() if item.id not in held][:26]
    overdue = harness.clock() - timedelta(days=1)
    with Session(harness.services.engine) as session:
        for item_id in [*others, "9.9z"]:  # 9.9z: no longer in the bank
            session.add(LearnerCard(learner_id=USER, item_id=item_id, state="{}", due_at=overdue))
        session.commit()

    stats = await stats_text(harness)
    before = len(harness.api.calls)
    harness.api.send_text(USER, "/review")
    review = await first_question(harness, USER, before)
    assert "Review 1 of 20" in review.text, review.text
    assert due_today(stats) == 20, stats
    assert "10 reviews more wait for the next days (daily cap 20" in stats, stats
