"""Timed quiz rounds in a group (/quiz): polls one at a time with open_period, closed on
time, ranked by right answers then answer time, each answer reviewing the member's own
card; across a restart and a migration to a supergroup; bad input and who may start one.

Polls stay open OPEN seconds (Telegram's minimum); the fake clock measures answer times.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.storage.models import Chat, QuizRound, RoundQuestion
from bot.telegram import rounds as rounds_module
from bot.telegram.members import PRESENT_FOR
from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.harness import BotHarness, running_bot
from tests.quiz.steps import DatabaseWork, cards, eventually, review_logs

OPEN = 5
GROUP, SUPERGROUP = -4401, -1004401
ADMIN, ANNA, BEN, CARL, DORA, EVE = 7401, 7402, 7403, 7404, 7405, 7406
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TUESDAY_NINE = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, quiz_round_open_period_s=OPEN) as running:
        yield running


async def group_with_drops(harness: BotHarness, drops: int) -> None:
    """A group whose admin set the time (drop 1 at once), and drop 2 the next morning."""
    harness.clock.set(MONDAY)
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.command(ADMIN, "/settime 09:00", chat_id=GROUP)
    await eventually(lambda: len(harness.api.sent("sendPoll", GROUP)) == 1)
    if drops == 2:
        harness.clock.set(TUESDAY_NINE)
        await harness.tick()
        await eventually(lambda: len(harness.api.sent("sendPoll", GROUP)) == 3)


def round_polls(api: FakeBotApi, chat_id: int | None = None) -> list[ApiCall]:
    return [call for call in api.sent("sendPoll", chat_id) if "open_period" in call.params]


async def round_poll(harness: BotHarness, number: int, timeout: float = 15) -> ApiCall:
    """The round's ``number``-th poll (from 1) once it is out and the bot has recorded when
    it went out (answer times count from then)."""
    polls = await harness.api.wait_for(
        lambda _: len(round_polls(harness.api)) >= number and round_polls(harness.api),
        timeout=timeout,
    )
    call: ApiCall = polls[number - 1]
    await eventually(lambda: recorded(harness, poll_id(harness, call)))
    return call


def recorded(harness: BotHarness, poll: str) -> bool:
    with Session(harness.services.engine) as session:
        question = session.exec(select(RoundQuestion).where(RoundQuestion.poll_id == poll)).first()
        return question is not None and question.sent_at is not None


def poll_id(harness: BotHarness, call: ApiCall) -> str:
    return str(harness.api.message_for(call).payload["poll"]["id"])


def vote(harness: BotHarness, user: int, call: ApiCall, *, right: bool) -> None:
    key = call.params["correct_option_ids"][0]
    harness.api.answer_poll(user, poll_id(harness, call), [key if right else (key + 1) % 2])


async def answered(harness: BotHarness, count: int) -> None:
    """Wait until ``count`` group answers are stored (the fake clock then moves on)."""
    await eventually(lambda: len([r for r in review_logs(harness) if r.source == "group"]) >= count)


async def results(
    harness: BotHarness, chat_id: int = GROUP, timeout: float = 20, *, after: int = 0
) -> str:
    """The text of the first round's results in the chat after call index ``after``."""
    call = await harness.api.wait_for(
        lambda calls: next(
            (c for c in calls[after:] if c.ok and c.chat_id == chat_id and "Quiz round" in c.text
             and c.method == "sendMessage" and ("over" in c.text or "stopped" in c.text)),
            None,
        ),
        timeout=timeout,
    )  # fmt: skip
    return call.text  # type: ignore[no-any-return]


def rounds_in_db(harness: BotHarness) -> list[QuizRound]:
    with Session(harness.services.engine) as session:
        return list(session.exec(select(QuizRound)))


async def test_a_whole_round_ranks_members_and_reviews_their_cards(harness: BotHarness) -> None:
    """Anna and Eve both get everything right, Eve more slowly (the tie-break); Ben gets
    one wrong; Carl never votes; Dora votes and leaves before the results."""
    await group_with_drops(harness, drops=2)
    start = await harness.command(ANNA, "/quiz 2", chat_id=GROUP)
    assert "🎯 Quiz round: 2 questions, 5 s each" in start.text

    first = await round_poll(harness, 1)
    assert first.params["open_period"] == OPEN and first.params["is_anonymous"] is False
    assert first.params["type"] == "quiz" and first.params["question"].startswith("❓ 1/2 · Drop")
    harness.clock.advance(seconds=2)
    vote(harness, ANNA, first, right=True)
    await answered(harness, 1)
    harness.clock.advance(seconds=1)
    vote(harness, BEN, first, right=False)
    vote(harness, DORA, first, right=True)
    vote(harness, EVE, first, right=True)
    await answered(harness, 4)
    # CARL never votes.

    second = await round_poll(harness, 2)
    assert not harness.api.poll_is_open(poll_id(harness, first))  # closed before the next
    assert second.params["question"].startswith("❓ 2/2 · Drop")
    drops = [call.params["question"].split("Drop ")[1][:3] for call in (first, second)]
    assert drops[0] != drops[1]  # never two from one drop in a row
    harness.clock.advance(seconds=1)
    vote(harness, ANNA, second, right=True)
    vote(harness, BEN, second, right=True)
    await answered(harness, 6)
    harness.clock.advance(seconds=0.5)
    vote(harness, EVE, second, right=True)
    await answered(harness, 7)
    harness.api.left[GROUP] = {DORA}  # Dora leaves before the results

    text = await results(harness)
    lines = text.splitlines()
    assert lines[0] == "🏁 Quiz round over"
    assert lines[1:4] == [
        "🥇 User7402 — 2/2 right · 3.0 s",
        "🥈 User7406 — 2/2 right · 4.5 s",  # as right as Anna, slower
        "🥉 User7403 — 1/2 right · 4.0 s",  # quicker, but fewer right
    ]
    assert "User7404" not in text and "User7405" not in text  # Carl silent, Dora gone
    assert "2 of 3 right (67%)" in lines[6] and "3 of 3 right (100%)" in lines[8]
    assert lines[7].strip() and lines[9].strip()  # each question's explanation
    assert not harness.api.poll_is_open(poll_id(harness, second))

    # Each member's answers reviewed their own cards; Carl has none.
    items = {poll_id(harness, c) for c in (first, second)}
    assert len(items) == 2
    assert len(cards(harness, ANNA)) == len(cards(harness, BEN)) == 2
    assert cards(harness, CARL) == {}
    # An answer after the close, or to a poll nobody sent, changes nothing.
    vote(harness, CARL, first, right=True)
    harness.api.answer_poll(CARL, "no-such-poll", [0])
    await harness.settle(0.3)
    assert cards(harness, CARL) == {}

    assert [r.winner_id for r in rounds_in_db(harness)] == [ANNA]
    board = await harness.command(BEN, "/leaderboard rounds", chat_id=GROUP)
    assert "1. User7402 — 1 win" in board.text and "You have won no round yet." in board.text
    today = await harness.command(BEN, "/leaderboard day", chat_id=GROUP)
    assert "today, Tue 3 Mar" in today.text and "You: #" in today.text
    ever = await harness.command(ANNA, "/leaderboard all", chat_id=GROUP)
    assert "all time" in ever.text and "You: #1 with 2 points." in ever.text
    wrong = await harness.command(ANNA, "/leaderboard banana", chat_id=GROUP)
    assert wrong.text.startswith("The leaderboards are day, week, all and rounds. Try "), wrong.text


async def test_an_answer_as_the_poll_closes_is_never_slower_than_skipping(
    harness: BotHarness,
) -> None:
    """Ben answers question 1 after its closing time, before the bot closed it (it counts),
    Anna skips it; both get question 2 right equally fast. Ben's late answer counts the open period,
    as Anna's skip does: they tie."""
    await group_with_drops(harness, drops=2)
    await harness.command(ANNA, "/quiz 2", chat_id=GROUP)
    first = await round_poll(harness, 1)
    harness.clock.advance(seconds=OPEN + 1.5)
    vote(harness, BEN, first, right=False)
    await answered(harness, 1)
    second = await round_poll(harness, 2)
    harness.clock.advance(seconds=1)
    vote(harness, ANNA, second, right=True)
    vote(harness, BEN, second, right=True)
    await answered(harness, 3)
    lines = (await results(harness)).splitlines()
    assert lines[1:3] == ["🥇 User7402 — 1/2 right · 6.0 s", "🥇 User7403 — 1/2 right · 6.0 s"]


async def test_a_vote_given_as_the_poll_closes_counts(harness: BotHarness) -> None:
    """Ben votes in the poll's last moment: Telegram takes the vote, then closes the poll,
    and the vote reaches the bot a moment after the poll's time is up. It counts."""
    await group_with_drops(harness, drops=1)
    await harness.command(ANNA, "/quiz 1", chat_id=GROUP)
    poll = await round_poll(harness, 1)
    # Real time: the bot closes the poll by its job queue, the way Telegram does by its clock.
    await asyncio.sleep(OPEN + 0.2)
    vote(harness, BEN, poll, right=True)
    assert "🥇 User7403 — 1/1 right" in await results(harness)
    assert len(cards(harness, BEN)) == 1


async def a_round_all_answer_right(harness: BotHarness, *members: int) -> None:
    """A one-question round the first member starts, answered right by every member."""
    await harness.command(members[0], "/quiz 1", chat_id=GROUP)
    poll = await round_poll(harness, 1)
    harness.clock.advance(seconds=1)
    for member in members:
        vote(harness, member, poll, right=True)
    await answered(harness, len(members))


async def test_a_muted_member_who_left_is_not_ranked(harness: BotHarness) -> None:
    """Telegram reports a muted member who left as "restricted", not as "left"."""
    await group_with_drops(harness, drops=1)
    harness.api.muted[GROUP] = {BEN, CARL}
    await a_round_all_answer_right(harness, ANNA, BEN, CARL)
    harness.api.left[GROUP] = {BEN}  # Ben leaves; Carl, muted, stays
    text = await results(harness)
    assert "User7403" not in text and "🥇 User7404 — 1/1 right" in text, text
    assert "2 of 2 right (100%)" in text, text  # the question counts those ranked


async def test_a_restart_mid_round_closes_the_poll_on_time_and_goes_on(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    try:
        async with running_bot(tmp_path, api=api, quiz_round_open_period_s=OPEN) as harness:
            await group_with_drops(harness, drops=2)
            await harness.command(ANNA, "/quiz 2", chat_id=GROUP)
            first = await round_poll(harness, 1)
            vote(harness, ANNA, first, right=True)
            await answered(harness, 1)
            clock = harness.clock
        clock.advance(seconds=OPEN - 1)
        # Back within the poll's open period: it closes on time and the round goes on.
        async with running_bot(
            tmp_path, api=api, clock=clock, quiz_round_open_period_s=OPEN
        ) as harness:
            second = await round_poll(harness, 2)
            # The restarted bot stopped the open poll itself before asking the next one.
            stops = [c.params["message_id"] for c in api.calls if c.method == "stopPoll"]
            assert stops == [first.message_id]
            vote(harness, BEN, second, right=True)
            text = await results(harness)
            assert "🥇 User7402 — 1/2 right" in text and "User7403 — 1/2 right" in text
            assert "offline" not in text
            # Down past the open poll's close: it is stopped and the round ends with a note.
            await harness.command(ANNA, "/quiz 2", chat_id=GROUP)
            third = await round_poll(harness, 3)
            vote(harness, BEN, third, right=True)
            await answered(harness, 3)
        clock.advance(minutes=10)
        restarted_at = len(api.calls)
        async with running_bot(
            tmp_path, api=api, clock=clock, quiz_round_open_period_s=OPEN
        ) as harness:
            text = await results(harness, timeout=10, after=restarted_at)
            assert text.startswith("⚠️ I was offline when a question was due to close")
            assert "🥇 User7403 — 1/1 right" in text
            assert not api.poll_is_open(poll_id(harness, third))
            await harness.settle(0.5)
            assert len(round_polls(api)) == 3  # the round asked nothing more
            assert [r.status for r in rounds_in_db(harness)] == ["done", "interrupted"]
    finally:
        await api.stop()


@pytest.mark.parametrize(
    ("down_for", "ranked", "backlog_s"),
    [
        (OPEN + 10, "🥇 User7403 — 1/2 right", 0),
        (600, "🥇 User7403 — 1/1 right", 0),
        (600, "🥇 User7403 — 1/1 right", 3),
    ],
    ids=["round-goes-on", "round-ends", "slow-backlog"],
)
async def test_votes_given_while_the_bot_was_down_count(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    down_for: float,
    ranked: str,
    backlog_s: float,
) -> None:
    """The bot stops while a poll is open; Ben votes meanwhile and Telegram keeps his vote
    until the bot is back, past the poll's closing time. He voted while the poll was open:
    it counts in the round (which goes on, or ends with a note) and reviews his card. When
    the held updates take a while to come in, the sweep for rounds other instances left
    (every 0.5 s here) must not take this round for a stalled one before his vote is in."""
    monkeypatch.setattr(rounds_module, "SWEEP_EVERY_S", 0.5)
    api = FakeBotApi()
    await api.start()
    try:
        async with running_bot(tmp_path, api=api, quiz_round_open_period_s=OPEN) as harness:
            await group_with_drops(harness, drops=2)
            await harness.command(ANNA, "/quiz 2", chat_id=GROUP)
            first = await round_poll(harness, 1)
            clock = harness.clock
        vote(harness, BEN, first, right=True)  # the bot is down: Telegram holds the update
        clock.advance(seconds=down_for)
        held_until = asyncio.get_running_loop().time() + backlog_s

        def slow_backlog(call: ApiCall) -> Awaitable[object] | None:
            if call.method != "getUpdates":
                return None
            return asyncio.sleep(max(0.0, held_until - asyncio.get_running_loop().time()))

        api.on_call = slow_backlog
        restarted_at = len(api.calls)
        async with running_bot(
            tmp_path, api=api, clock=clock, quiz_round_open_period_s=OPEN
        ) as harness:
            text = await results(harness, timeout=20, after=restarted_at)
            assert ranked in text, text
            assert len(cards(harness, BEN)) == 1
    finally:
        await api.stop()


@pytest.mark.parametrize("told", [True, False], ids=["told", "found-on-send"])
async def test_a_group_that_becomes_a_supergroup_keeps_its_round(
    harness: BotHarness, told: bool
) -> None:
    """Telegram tells the bot in a service message; if that is missed, the next send's
    ChatMigrated error says it."""
    await group_with_drops(harness, drops=2)
    await harness.command(ADMIN, "/settings rounds=admins", chat_id=GROUP)
    await harness.command(ADMIN, "/quiz 2", chat_id=GROUP)
    first = await round_poll(harness, 1)
    vote(harness, ANNA, first, right=True)
    await answered(harness, 1)
    harness.api.migrate_group(GROUP, SUPERGROUP, announce=told)
    await eventually(lambda: [r.chat_id for r in rounds_in_db(harness)] == [SUPERGROUP])

    second = await round_poll(harness, 2)
    assert second.chat_id == SUPERGROUP
    vote(harness, ANNA, second, right=True)
    vote(harness, BEN, second, right=False)
    await answered(harness, 3)
    harness.api.send_text(ADMIN, "/quiz stop", chat_id=SUPERGROUP)
    text = await results(harness, SUPERGROUP)
    assert text.startswith("🛑 Quiz round stopped after 2 questions")
    assert "🥇 User7402 — 2/2 right" in text and "🥈 User7403 — 0/2 right" in text
    with Session(harness.services.engine) as session:
        assert session.get(Chat, GROUP) is None
        supergroup = session.get(Chat, SUPERGROUP)
        assert supergroup is not None and supergroup.round_starters == "admins"


async def test_bad_input_gets_an_answer_and_changes_nothing(harness: BotHarness) -> None:
    lonely = await harness.command(ANNA, "/quiz", chat_id=GROUP)
    assert "This group has no drop yet" in lonely.text
    await group_with_drops(harness, drops=1)
    for text in ("/quiz 0", "/quiz 99", "/quiz banana"):
        reply = await harness.command(ANNA, text, chat_id=GROUP)
        assert reply.text.startswith("No round started:") and "/quiz 10" in reply.text, text
    private = await harness.command(ANNA, "/quiz")
    assert "played in a study group" in private.text and "/review" in private.text
    nothing = await harness.command(ANNA, "/quiz stop", chat_id=GROUP)
    assert nothing.text.startswith("No round is running here.")
    assert rounds_in_db(harness) == []

    start = await harness.command(ANNA, "/quiz 3", chat_id=GROUP)  # one drop: one question
    assert "(Only 1: the drops this group has reached give no more" in start.text, start.text
    poll = await round_poll(harness, 1)
    second = await harness.command(BEN, "/quiz", chat_id=GROUP)
    assert "A round is already running here" in second.text
    refused = await harness.command(BEN, "/quiz stop", chat_id=GROUP)
    assert "Only the member who started this round or an admin" in refused.text
    assert len(rounds_in_db(harness)) == 1 and rounds_in_db(harness)[0].status == "running"

    stopped = await harness.command(ANNA, "/quiz stop", chat_id=GROUP)
    assert stopped.text.startswith("🛑 Quiz round stopped after 1 question")
    assert "Nobody answered this time." in stopped.text
    assert "Your answers went into your own reviews" not in stopped.text, stopped.text
    assert not harness.api.poll_is_open(poll_id(harness, poll))
    assert [r.status for r in rounds_in_db(harness)] == ["stopped"]


async def test_quiz_stop_right_after_quiz_shows_no_poll_of_the_stopped_round(
    tmp_path: Path,
) -> None:
    """`/quiz stop` while the first poll still waits for the group's turn (a group gets one
    message a second here): the round is over, so its poll never appears."""
    async with running_bot(
        tmp_path, quiz_round_open_period_s=OPEN, group_send_interval_s=1.0
    ) as harness:
        await group_with_drops(harness, drops=1)
        start = await harness.command(ANNA, "/quiz 1", chat_id=GROUP)
        assert start.text.startswith("🎯 Quiz round")
        harness.api.send_text(ANNA, "/quiz stop", chat_id=GROUP)
        assert (await results(harness)).startswith("🛑 Quiz round stopped after 0 questions")
        # The group's messages leave in turn: once this reply is out, so is the poll, if any.
        again = await harness.command(ANNA, "/quiz stop", chat_id=GROUP)
        assert round_polls(harness.api, GROUP) == [], again.text
        assert [r.status for r in rounds_in_db(harness)] == ["stopped"]


async def test_admins_decide_who_may_start_a_round(harness: BotHarness) -> None:
    await group_with_drops(harness, drops=1)
    refused = await harness.command(ANNA, "/settings rounds=admins", chat_id=GROUP)
    assert refused.text.startswith("Only the group's administrators change its settings")
    shown = await harness.command(ADMIN, "/settings", chat_id=GROUP)
    assert "rounds: anyone in the group may start a quiz round" in shown.text
    bad = await harness.command(ADMIN, "/settings rounds=maybe", chat_id=GROUP)
    assert bad.text.startswith("Nothing changed: rounds must be anyone or admins")
    saved = await harness.command(ADMIN, "/settings rounds=admins", chat_id=GROUP)
    assert "✅ Saved." in saved.text and "rounds: admins only" in saved.text

    member = await harness.command(ANNA, "/quiz", chat_id=GROUP)
    assert "only administrators start quiz rounds" in member.text
    assert rounds_in_db(harness) == []

    anyone = next(b["callback_data"] for b in saved.buttons() if b["text"] == "Rounds: anyone")
    await harness.press(ANNA, saved, anyone)  # a member's press changes nothing
    assert "rounds: admins only" in harness.api.message_for(saved).text  # type: ignore[operator]
    await harness.press(ADMIN, saved, anyone)
    assert "rounds: anyone" in harness.api.message_for(saved).text  # type: ignore[operator]
    started = await harness.command(ANNA, "/quiz 1", chat_id=GROUP)
    assert started.text.startswith("🎯 Quiz round")


async def test_quiz_stop_as_the_round_ends_by_itself_is_answered(harness: BotHarness) -> None:
    """The admin sends `/quiz stop` as the round's last poll closes: the round's own ending
    and the stop both rank it (each asks Telegram whether Anna is still in the group, held
    open here). The round's own ending wins; the stop is still answered."""
    await group_with_drops(harness, drops=1)
    await harness.command(ANNA, "/quiz 1", chat_id=GROUP)
    poll = await round_poll(harness, 1)
    vote(harness, ANNA, poll, right=True)
    await answered(harness, 1)
    asked: list[asyncio.Event] = []  # one per "is Anna still in?", answered when set

    def hold_membership_of_anna(call: ApiCall) -> Awaitable[object] | None:
        if call.method != "getChatMember" or int(call.params["user_id"]) != ANNA:
            return None
        answer = asyncio.Event()
        asked.append(answer)
        return answer.wait()

    harness.api.on_call = hold_membership_of_anna
    await eventually(lambda: len(asked) == 1, timeout=OPEN + 10)  # the poll's time is up
    harness.api.send_text(ADMIN, "/quiz stop", chat_id=GROUP)
    await eventually(lambda: len(asked) == 2)  # the stop found the round running
    asked[0].set()
    over = await results(harness)
    assert over.startswith("🏁 Quiz round over") and "🥇 User7402 — 1/1 right" in over
    after_results = len(harness.api.calls)
    asked[1].set()
    reply = await harness.next_message(GROUP, after=after_results)
    assert reply.text == "This round has just ended; its results are coming."
    assert [r.status for r in rounds_in_db(harness)] == ["done"]


async def test_a_vote_handled_before_its_poll_is_recorded_counts(harness: BotHarness) -> None:
    """Anna votes as soon as the round's poll appears, and her vote reaches the bot before
    Telegram's answer to sendPoll does: the bot handles a vote for a poll it has not
    recorded yet. Her answer still counts, in the round and for her card."""
    await group_with_drops(harness, drops=1)
    work = DatabaseWork(harness)

    async def vote_before_the_bot_hears_of_its_poll(call: ApiCall) -> None:
        if "open_period" not in call.params:
            return
        harness.api.on_sent = None
        vote(harness, ANNA, call, right=True)
        await eventually(lambda: "record_poll_answer" in work.done)

    harness.api.on_sent = vote_before_the_bot_hears_of_its_poll
    await harness.command(ANNA, "/quiz 1", chat_id=GROUP)
    text = await results(harness)
    assert "🥇 User7402 — 1/1 right" in text, text
    assert len(cards(harness, ANNA)) == 1


async def test_a_member_who_left_is_not_on_the_leaderboard(harness: BotHarness) -> None:
    """Round results leave out members who left; /leaderboard ranked them on."""
    await group_with_drops(harness, drops=1)
    await a_round_all_answer_right(harness, ANNA, BEN, CARL)
    await results(harness)
    harness.api.left[GROUP] = {BEN}  # unheard of: the results found him in a moment ago
    harness.clock.advance(seconds=PRESENT_FOR.total_seconds())  # so Telegram is asked again
    for kind in ("week", "all", "rounds"):
        board = await harness.command(CARL, f"/leaderboard {kind}", chat_id=GROUP)
        assert f"User{BEN}" not in board.text, (kind, board.text)
    week = await harness.command(CARL, "/leaderboard", chat_id=GROUP)
    assert f"User{ANNA} — 1 point" in week.text and f"User{CARL} — 1 point" in week.text
