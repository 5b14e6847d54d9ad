"""A study group's week as its members read it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.storage.models import QuizPoll
from tests.e2e.harness import BotHarness
from tests.quiz.steps import eventually, review_logs

GROUP = -4601
ADMIN, ANNA, BEN, CARL = 7601, 7602, 7603, 7604


async def group_on_drop_one(harness: BotHarness) -> None:
    """A Berlin group (drops at 09:00) that has drop 1 and its poll, on a Monday."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.next_message(GROUP, after=0)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await harness.command(ADMIN, "/timezone Europe/Berlin", chat_id=GROUP)
    await eventually(lambda: harness.api.sent("sendPoll", GROUP))
    await harness.settle()


def first_poll(harness: BotHarness) -> QuizPoll:
    with Session(harness.services.engine) as session:
        poll = session.exec(select(QuizPoll).where(QuizPoll.chat_id == GROUP)).first()
    assert poll is not None
    return poll


async def test_members_with_equal_points_share_a_rank_on_the_board(harness: BotHarness) -> None:
    """Anna, Ben and Carl each answer the day's poll right: all three are first, and the
    board says so in the list as in "You: #1"."""
    await group_on_drop_one(harness)
    poll = first_poll(harness)
    for member in (ANNA, BEN, CARL):
        harness.api.answer_poll(member, poll.poll_id, [poll.correct_option])
    await eventually(lambda: len(review_logs(harness)) == 3)
    board = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    lines = board.text.splitlines()
    assert [line for line in lines if "1 point" in line and "User76" in line] == [
        "1. User7602 — 1 point · 🔥 1",
        "1. User7603 — 1 point · 🔥 1",
        "1. User7604 — 1 point · 🔥 1",
    ], board.text
    assert "You: #1 with 1 point." in lines
