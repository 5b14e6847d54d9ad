"""A study group's week as its members read it: the board's ranks, the bot added back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.storage.models import Chat, QuizPoll
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import drops_received
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


async def test_a_group_that_adds_the_bot_back_hears_where_it_is(harness: BotHarness) -> None:
    """The group has drop 2 on Tuesday, removes the bot on Wednesday morning and adds it
    back after 09:00: its path and schedule are kept, so the greeting says when the next
    drop comes, not how to start the course."""
    await group_on_drop_one(harness)
    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # Tuesday, 09:00 in Berlin
    await harness.tick()
    await harness.api.wait_for(lambda _: drops_received(harness.api, GROUP) == [1, 2])
    harness.clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))  # Wednesday, 08:00 in Berlin
    harness.api.remove_bot(GROUP, ADMIN)
    await eventually(lambda: not group_chat(harness).active)
    harness.clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    await harness.tick()  # the removed group's day passes without a drop
    before = len(harness.api.calls)
    harness.api.add_bot_to_group(GROUP, ADMIN)
    hello = await harness.next_message(GROUP, after=before)
    assert "drop 1 comes at once" not in hello.text, hello.text
    assert "starts the course" not in hello.text, hello.text
    assert "Next drop: tomorrow 09:00, Europe/Berlin" in hello.text, hello.text
    await harness.settle()
    assert drops_received(harness.api, GROUP) == [1, 2]  # no drop again, nothing extra
    assert group_chat(harness).active


def group_chat(harness: BotHarness) -> Chat:
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, GROUP)
        assert chat is not None
        return chat


async def test_a_groups_pause_and_unreached_drops_speak_of_the_group(harness: BotHarness) -> None:
    """In the group, /pause and /drop are about the group's path, not the sender's own:
    Anna (who may be further on in her private chat) is told the group has not reached
    drop 1.2, and that an administrator's /next brings it (hers is refused there)."""
    await group_on_drop_one(harness)
    unreached = await harness.command(ANNA, "/drop 1.2", chat_id=GROUP)
    assert unreached.text.startswith("This group hasn't reached Drop 1.2"), unreached.text
    assert "An administrator's /next brings the next one" in unreached.text, unreached.text
    paused = await harness.command(ADMIN, "/pause", chat_id=GROUP)
    assert paused.text == (
        "⏸ Paused. This group's progress is kept; /resume picks up where it left off."
    ), paused.text
    assert group_chat(harness).paused
