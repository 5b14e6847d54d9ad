"""A study group's week as its members read it: the board's ranks, the bot added back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.storage.models import Chat, QuizPoll
from bot.telegram.members import PRESENT_FOR
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import drops_received, onboard
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


async def test_members_found_to_have_left_are_never_shown(harness: BotHarness) -> None:
    """An old cohort's group: the thirty members at the top of the board left. The board
    asks Telegram about those it would show, three times at most; the third answer named
    ten more who left, and the board showed those ten all the same."""
    await group_on_drop_one(harness)
    poll = first_poll(harness)
    leavers, stayer = range(7701, 7731), 7799  # the names tie on points and sort in this order
    for member in (*leavers, stayer):
        harness.api.answer_poll(member, poll.poll_id, [poll.correct_option])
    await eventually(lambda: len(review_logs(harness)) == len(leavers) + 1)
    harness.api.left[GROUP] = set(leavers)
    board = await harness.command(ADMIN, "/leaderboard", chat_id=GROUP)
    shown_leavers = [member for member in leavers if f"User{member}" in board.text]
    assert shown_leavers == [], board.text


async def test_your_rank_below_the_top_ten_does_not_count_members_who_left(
    harness: BotHarness,
) -> None:
    """Eleven members have 2 points or more, Dora 1; the eleventh left the group. Among those in
    the group Dora is eleventh; the board told her "You: #12"."""
    await group_on_drop_one(harness)
    ahead, dora = range(7801, 7812), 7820
    monday = first_poll(harness)
    for member in (*ahead, dora):
        harness.api.answer_poll(member, monday.poll_id, [monday.correct_option])
    await eventually(lambda: len(review_logs(harness)) == len(ahead) + 1)
    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # Tuesday, 09:00 in Berlin
    await harness.tick()
    await eventually(lambda: len(group_polls(harness)) > 1)
    await harness.settle()  # Tuesday's polls: one on drop 2, maybe a review
    tuesday = [poll for poll in group_polls(harness) if poll.poll_id != monday.poll_id]
    for poll in tuesday:
        for member in ahead:
            harness.api.answer_poll(member, poll.poll_id, [poll.correct_option])
    answers = (1 + len(tuesday)) * len(ahead) + 1
    await eventually(lambda: len(review_logs(harness)) == answers)
    harness.api.left[GROUP] = {ahead[-1]}  # ranked 11th: not among the ten shown
    board = await harness.command(dora, "/leaderboard", chat_id=GROUP)
    assert "You: #11 with 1 point." in board.text, board.text


def group_polls(harness: BotHarness) -> list[QuizPoll]:
    with Session(harness.services.engine) as session:
        return list(session.exec(select(QuizPoll).where(QuizPoll.chat_id == GROUP)))


async def test_a_member_who_answers_the_groups_polls_is_not_paused_for_quiet_days(
    harness: BotHarness,
) -> None:
    """Anna started a private course too but follows it in the group: her private drop 1
    stays unread while she answers the group's polls every day. Those days were not
    quiet: she is not paused with a notice that blames silence. Ben, who never started a
    private course, hears nothing in private."""
    await group_on_drop_one(harness)
    await onboard(harness, ANNA, "09:00", "Europe/Berlin")  # private drop 1 comes, unread
    answered: set[str] = set()
    for day in (2, 3, 4, 5, 6):  # Monday to Friday at 09:00 in Berlin
        if day > 2:
            harness.clock.set(datetime(2026, 3, day, 8, 0, tzinfo=UTC))
            await harness.tick()
            await eventually(lambda d=day: drops_received(harness.api, GROUP)[-1] == d - 1)
            await harness.settle()
        for poll in group_polls(harness):
            if poll.poll_id not in answered:
                answered.add(poll.poll_id)
                for member in (ANNA, BEN):
                    harness.api.answer_poll(member, poll.poll_id, [poll.correct_option])
        await eventually(lambda: len(review_logs(harness)) == 2 * len(answered))
    private = [call.text for call in harness.api.sent(chat_id=ANNA)]
    assert not [text for text in private if "quiet days" in text], private
    assert drops_received(harness.api, ANNA) == [1]
    assert harness.api.sent(chat_id=BEN) == []


async def test_a_morning_in_the_groups_poll_makes_that_evening_no_quiet_one(
    harness: BotHarness,
) -> None:
    """Anna's private drops come at 20:00 and drop 1 stays unread. She answers the group's
    poll on Tuesday morning, then nothing more: Wednesday, Thursday and Friday are her three
    quiet days, so her drops pause on Friday evening, not on Thursday after two."""
    await group_on_drop_one(harness)
    await onboard(harness, ANNA, "20:00", "Europe/Berlin")  # private drop 1 comes, unread
    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # Tuesday, 09:00 in Berlin
    await harness.tick()
    await eventually(lambda: drops_received(harness.api, GROUP)[-1] == 2)
    await harness.settle()
    poll = group_polls(harness)[-1]
    harness.api.answer_poll(ANNA, poll.poll_id, [poll.correct_option])
    await eventually(lambda: len(review_logs(harness)) == 1)

    def paused() -> list[str]:
        sent = [call.text for call in harness.api.sent(chat_id=ANNA)]
        return [text for text in sent if "quiet days" in text]

    for day in (3, 4, 5):  # Tuesday to Thursday at 20:00 in Berlin
        harness.clock.set(datetime(2026, 3, day, 19, 0, tzinfo=UTC))
        await harness.tick()
        await harness.settle()
    assert paused() == [], "Tuesday was not quiet: two quiet days so far"
    harness.clock.set(datetime(2026, 3, 6, 19, 0, tzinfo=UTC))  # Friday
    await harness.tick()
    await eventually(lambda: len(paused()) == 1)
    assert drops_received(harness.api, ANNA) == [1]


async def a_board_of_three(harness: BotHarness) -> None:
    """Anna, Ben and Carl answer the day's poll right; Carl's /leaderboard shows all three
    (the board asked Telegram whether Anna and Ben are still in)."""
    await group_on_drop_one(harness)
    poll = first_poll(harness)
    for member in (ANNA, BEN, CARL):
        harness.api.answer_poll(member, poll.poll_id, [poll.correct_option])
    await eventually(lambda: len(review_logs(harness)) == 3)
    board = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    assert f"User{ANNA}" in board.text and f"User{BEN}" in board.text, board.text


async def test_a_second_board_waits_for_no_flood_on_members_just_found_in(
    harness: BotHarness,
) -> None:
    """After Carl's first /leaderboard Telegram answers getChatMember with a flood wait.
    His second one, a minute later, asks nothing about Anna and Ben (found in the group a
    minute ago), so it waits for no flood; it asked again, and sat out each "retry after"
    three times over (a second here, so the test ends; Telegram's run to minutes)."""
    await a_board_of_three(harness)
    harness.api.flooded_methods["getChatMember"] = 1
    harness.clock.advance(minutes=1)
    before = len(harness.api.calls)
    board = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    assert f"User{ANNA}" in board.text and f"User{BEN}" in board.text, board.text
    asked = [call for call in harness.api.calls[before:] if call.method == "getChatMember"]
    assert asked == []


@pytest.mark.parametrize("heard", ["message", "chat_member"])
async def test_a_member_found_in_who_then_leaves_is_dropped_once_heard_of(
    harness: BotHarness, heard: str
) -> None:
    """Ben was on Carl's board a moment ago, then leaves; the bot hears of it (the "left the
    group" message, or the chat_member update an administrator bot gets). The next board,
    within the minutes a member found in is not asked about again, leaves Ben out."""
    await a_board_of_three(harness)
    harness.api.member_leaves(GROUP, BEN, heard=heard)
    memberships = harness.app.bot_data.memberships
    await eventually(lambda: not memberships.recently_present(GROUP, BEN))
    board = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    assert f"User{BEN}" not in board.text and f"User{ANNA}" in board.text, board.text


async def test_a_member_who_leaves_unheard_of_is_dropped_within_minutes(
    harness: BotHarness,
) -> None:
    """Ben leaves without the bot hearing of it (a large group hides "left the group"
    messages): he is on the board for at most PRESENT_FOR after he was last found in."""
    await a_board_of_three(harness)
    harness.api.left[GROUP] = {BEN}
    harness.clock.advance(seconds=PRESENT_FOR.total_seconds())
    board = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    assert f"User{BEN}" not in board.text and f"User{ANNA}" in board.text, board.text
