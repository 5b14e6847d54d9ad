"""Groups: quiz polls after the daily drop, each member's answer reviews their own card,
and the week's leaderboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.services.quiz.bank import quiz_bank
from bot.storage.models import Delivery, Learner, QuizPoll, ReviewRecord
from tests.botapi import ApiCall
from tests.e2e.harness import BotHarness, running_bot
from tests.e2e.journeys import drops_received, onboard
from tests.quiz.steps import DatabaseWork, cards, eventually, review_logs

GROUP = -4301
OTHER_GROUP = -4302
ADMIN, ANNA, BEN, EVE = 7301, 7302, 7303, 7306


def polls(harness: BotHarness) -> list[QuizPoll]:
    with Session(harness.services.engine) as session:
        return list(session.exec(select(QuizPoll).where(QuizPoll.chat_id == GROUP)))


def delivered(harness: BotHarness) -> list[str]:
    with Session(harness.services.engine) as session:
        return list(session.exec(select(Delivery.status).where(Delivery.chat_id == GROUP)))


def group_answers(harness: BotHarness, learner: int) -> list[ReviewRecord]:
    return [log for log in review_logs(harness, learner) if log.source == "group"]


async def test_poll_answers_update_each_member_and_the_leaderboard(harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await eventually(lambda: delivered(harness) == ["sent"])
    assert drops_received(harness.api, GROUP) == [1]  # sent at once, then its poll
    await eventually(lambda: len(harness.api.sent("sendPoll", GROUP)) == 1)
    first_polls = len(harness.api.sent("sendPoll", GROUP))

    harness.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await harness.tick()  # drop 2, then its polls
    sent = harness.api.sent("sendPoll", GROUP)[first_polls:]
    assert len(sent) == 2
    for call in sent:
        assert call.params["type"] == "quiz" and call.params["is_anonymous"] is False
        assert len(call.params["correct_option_ids"]) == 1 and call.params["explanation"]
        # Options are shuffled per poll; the option Telegram is told is right is the key.
        item = next(i for i in quiz_bank() if i.question in call.params["question"])
        options = [o if isinstance(o, str) else o["text"] for o in call.params["options"]]
        assert sorted(options) == sorted(item.options)
        assert options[call.params["correct_option_ids"][0]] == item.correct_option
    assert "Drop 1.2" in sent[0].params["question"]
    assert "From Drop 1.1 · 1 of 14" in sent[1].params["question"]
    new_poll, review_poll = sorted(polls(harness), key=lambda p: int(p.poll_id))[first_polls:]
    assert new_poll.item_id.startswith("1.2") and review_poll.item_id.startswith("1.1")

    wrong = (new_poll.correct_option + 1) % 4
    harness.api.answer_poll(ANNA, new_poll.poll_id, [new_poll.correct_option])
    harness.api.answer_poll(BEN, new_poll.poll_id, [wrong])  # Ben never wrote to the bot
    harness.api.answer_poll(ANNA, review_poll.poll_id, [review_poll.correct_option])
    harness.api.answer_poll(BEN, review_poll.poll_id, [review_poll.correct_option])
    harness.api.answer_poll(ANNA, new_poll.poll_id, [new_poll.correct_option])  # replayed
    harness.api.answer_poll(ANNA, "no-such-poll", [0])
    await eventually(lambda: len(review_logs(harness)) == 4)
    await harness.settle(0.3)

    assert [(log.item_id, log.correct) for log in group_answers(harness, ANNA)] == [
        (new_poll.item_id, True),
        (review_poll.item_id, True),
    ]
    assert [(log.item_id, log.correct) for log in group_answers(harness, BEN)] == [
        (new_poll.item_id, False),
        (review_poll.item_id, True),
    ]
    assert (
        set(cards(harness, ANNA))
        == set(cards(harness, BEN))
        == {
            new_poll.item_id,
            review_poll.item_id,
        }
    )
    assert all(log.chat_id == GROUP and log.rating in (1, 3) for log in review_logs(harness))
    with Session(harness.services.engine) as session:
        ben = session.get(Learner, BEN)
        assert ben is not None and ben.private_chat_id is None

    board = await harness.command(BEN, "/leaderboard", chat_id=GROUP)
    lines = board.text.splitlines()
    assert "1. User7302 — 2 points · 🔥 1" in lines
    assert "2. User7303 — 1 point · 🔥 1" in lines
    assert "You: #2 with 1 point." in lines
    assert "🔥 days in a row with a drop done or a quiz answered" in board.text
    stranger = await harness.command(ADMIN, "/leaderboard", chat_id=GROUP)
    assert "You have no points this week yet." in stranger.text

    # Next Monday a new week starts from zero.
    harness.clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    fresh = await harness.command(ANNA, "/leaderboard", chat_id=GROUP)
    assert "No points yet this week" in fresh.text


async def test_the_leaderboard_shows_the_same_streak_as_stats(harness: BotHarness) -> None:
    """Eve lives in Tokyo, the group in UTC: she answers on two evenings in UTC, which are
    two mornings in Tokyo. Her streak is 2 days on the board as in /stats."""
    api = harness.api
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
    api.admins[GROUP] = {ADMIN}
    api.add_bot_to_group(GROUP, ADMIN)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await eventually(lambda: len(polls(harness)) == 1)
    await onboard(harness, EVE, "07:00", "Asia/Tokyo")

    harness.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # Tuesday 05:00 in Tokyo
    first = polls(harness)[0]
    api.answer_poll(EVE, first.poll_id, [first.correct_option])
    await eventually(lambda: len(group_answers(harness, EVE)) == 1)
    harness.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await harness.tick()  # drop 2, then its polls
    await eventually(lambda: len(polls(harness)) == 3)
    harness.clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=UTC))  # Wednesday 05:00 in Tokyo
    second = sorted(polls(harness), key=lambda p: int(p.poll_id))[1]
    api.answer_poll(EVE, second.poll_id, [second.correct_option])
    await eventually(lambda: len(group_answers(harness, EVE)) == 2)

    stats = await harness.command(EVE, "/stats")
    assert "Streak: 🔥 2 days" in stats.text, stats.text
    board = await harness.command(EVE, "/leaderboard", chat_id=GROUP)
    assert "1. User7306 — 2 points · 🔥 2" in board.text.splitlines(), board.text


async def test_a_vote_that_goes_ahead_of_its_polls_record_counts(harness: BotHarness) -> None:
    """Anna votes as soon as the day's first poll appears, while the database thread is
    busy: her vote's work and the poll's record (scheduled work) both wait for it. Votes
    go first, so hers is handled before the poll is recorded; it still counts."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await eventually(lambda: len(harness.api.sent("sendPoll", GROUP)) == 1)
    await harness.command(ANNA, "/help", chat_id=GROUP)  # the bot knows Anna
    work = DatabaseWork(harness)

    async def vote_while_the_database_is_busy(call: ApiCall) -> None:
        if call.method != "sendPoll":
            return
        harness.api.on_sent = None
        await work.hold_until_queued("save_poll", "record_poll_answer")
        harness.api.answer_poll(ANNA, harness.api.message_for(call).payload["poll"]["id"], [0])

    harness.api.on_sent = vote_while_the_database_is_busy
    harness.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    await harness.tick()  # drop 2, then its polls
    await eventually(lambda: len(group_answers(harness, ANNA)) == 1)


FLOOD_WAIT_S = 15
"""Longer than a test waits for a vote to count, shorter than the bot waits for a poll."""


@pytest.mark.parametrize("refused", ["no poll of ours", "a second vote"])
async def test_a_refused_vote_holds_up_no_other_vote_while_another_groups_poll_waits(
    tmp_path: Path, refused: str
) -> None:
    """Another group's poll waits out Telegram's flood limit (a 429) when Anna's vote,
    which counts for nothing, comes in, then Ben's. The bot handles one vote at a time
    here (one place for presses and votes): Ben's still counts at once."""
    async with running_bot(tmp_path, button_concurrency=1) as harness:
        api = harness.api
        harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
        for group in (GROUP, OTHER_GROUP):
            api.admins[group] = {ADMIN}
            api.add_bot_to_group(group, ADMIN)
        await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
        await eventually(lambda: len(polls(harness)) == 1)
        poll = polls(harness)[0]

        def flood_limit_on_the_other_groups_poll(call: ApiCall) -> None:
            if call.method == "sendPoll" and call.chat_id == OTHER_GROUP:
                api.on_call = None
                api.flood_once[OTHER_GROUP] = FLOOD_WAIT_S

        api.on_call = flood_limit_on_the_other_groups_poll
        await harness.command(ADMIN, "/settime 09:00", chat_id=OTHER_GROUP)
        await eventually(lambda: any(c.method == "sendPoll" for c in api.calls if c.error))
        work = DatabaseWork(harness)
        if refused == "a second vote":
            api.answer_poll(ANNA, poll.poll_id, [poll.correct_option])
            await eventually(lambda: len(group_answers(harness, ANNA)) == 1)
            api.answer_poll(ANNA, poll.poll_id, [poll.correct_option])
        else:
            api.answer_poll(ANNA, "not-a-poll-of-ours", [0])
        handled = work.done.count("record_poll_answer") + 1
        await eventually(lambda: work.done.count("record_poll_answer") >= handled)
        api.answer_poll(BEN, poll.poll_id, [poll.correct_option])
        await eventually(lambda: len(group_answers(harness, BEN)) == 1)
