"""SIGKILL the bot mid-send, then restart it: under its own name it sends what it was
sending at once; under another name (a live peer may be sending it) it waits for the lease.

Each claim records the instance that holds it (``INSTANCE_NAME``). A bot restarted with
its own name knows that claims of that name made before it started are its dead previous
life's, and takes them over at once instead of leaving them a whole lease
(``DELIVERY_LEASE_S``, an hour here) to a peer that might still be sending.

The bot that is killed is a real ``python -m bot run``; the restarted one runs here on the
same database, against a stand-in of its own and with a clock the test moves, so that
"not yet" and "once the lease has run out" are seen without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.models import Chat, Delivery
from bot.telegram import buttons
from tests.botapi import ApiCall
from tests.e2e.fanout import seed_due_chats, seed_due_group
from tests.e2e.harness import FakeClock, running_bot
from tests.processes import BotProcess, StandIn, command_update, crash_bot_env, wait_until

LEASE_S = 3600  # longer than the test: nothing goes out because a lease ran out
GROUP = -400_601
LEARNER = 20_601
NAME = "bot-a"
# The group's drop is sent, then its two quiz polls: the drop's own poll is held on the
# wire at the kill (counted as sent: Telegram may have it); the review poll is still to go.
AFTER_THE_KILL = "🔁 From Drop 1.2"


def _kill_mid_group_polls(tmp_path: Path, url: str) -> None:
    """A bot named ``NAME`` killed while the group's first quiz poll is on the wire."""
    seed_due_group(url, GROUP, last_drop="1.2", now=datetime.now(UTC))
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, GROUP_SEND_INTERVAL_S="0.01",
                            DELIVERY_LEASE_S=str(LEASE_S), INSTANCE_NAME=NAME)  # fmt: skip
        stand_in.hang("sendPoll")
        bot = BotProcess(tmp_path, env)
        wait_until(lambda: stand_in.stats()["held"], timeout=60, what="the first quiz poll")
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()


def _polls_into(chat_id: int, calls: list[ApiCall]) -> list[str]:
    return [
        str(call.params.get("question"))
        for call in calls
        if call.ok and call.method == "sendPoll" and call.chat_id == chat_id
    ]


async def test_a_bot_restarted_under_its_name_sends_the_rest_of_a_drop_at_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _kill_mid_group_polls(tmp_path, url)
    clock = FakeClock(datetime.now(UTC))  # well within the killed bot's lease
    async with running_bot(
        tmp_path, clock=clock, instance_name=NAME, delivery_lease_s=LEASE_S
    ) as harness:
        # The start-up pass is over when running_bot yields.
        polls = _polls_into(GROUP, harness.api.calls)
    assert len(polls) == 1 and polls[0].startswith(AFTER_THE_KILL), polls
    assert _delivery_status(url) == "sent"


async def test_a_bot_started_under_another_name_leaves_a_peers_drop_until_its_lease_ends(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _kill_mid_group_polls(tmp_path, url)
    clock = FakeClock(datetime.now(UTC))
    async with running_bot(
        tmp_path, clock=clock, instance_name="bot-b", delivery_lease_s=LEASE_S
    ) as harness:
        at_start = _polls_into(GROUP, harness.api.calls)
        await harness.tick()
        before_the_lease_ends = _polls_into(GROUP, harness.api.calls)
        clock.advance(seconds=LEASE_S + 1)
        await harness.tick()
        after = _polls_into(GROUP, harness.api.calls)
    assert at_start == before_the_lease_ends == [], before_the_lease_ends
    assert len(after) == 1 and after[0].startswith(AFTER_THE_KILL), after


def _delivery_status(url: str) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            delivery = session.exec(
                select(Delivery).where(Delivery.chat_id == GROUP, Delivery.drop_id == "1.3")
            ).one()
            return delivery.status
    finally:
        engine.dispose()


def _kill_mid_question(tmp_path: Path, url: str) -> None:
    """A bot named ``NAME`` killed while the first question of a drop's quiz is on the wire."""
    with _mid_question(tmp_path, url, in_the_chat=False):
        pass


def _first_questions(stand_in: StandIn) -> list[dict[str, Any]]:
    return [m for m in stand_in.sent(LEARNER) if "Quiz 1 of 3" in str(m.get("text"))]


@contextmanager
def _mid_question(tmp_path: Path, url: str, *, in_the_chat: bool) -> Iterator[StandIn]:
    """A bot named ``NAME`` running, its first question of a drop's quiz on the wire (its
    stand-in is given); killed when the block ends. ``in_the_chat``: the question has
    reached the learner, and the bot waits for Telegram's answer; else it is held."""
    seed_due_chats(url, [LEARNER], last_drop="1.2", now=datetime.now(UTC))
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, DELIVERY_LEASE_S=str(LEASE_S),
                            INSTANCE_NAME=NAME)  # fmt: skip
        bot = BotProcess(tmp_path, env)
        first_card = wait_until(
            lambda: stand_in.sent(LEARNER), timeout=60, what="the drop's first card"
        )[0]
        if in_the_chat:
            stand_in.answer_late("sendMessage", seconds=LEASE_S, text="Quiz 1 of 3")
        else:
            stand_in.hang("sendMessage", "Quiz 1 of 3")
        done = buttons.DONE.encode(buttons.DropDone(1, "1.3"))
        stand_in.press(LEARNER, LEARNER, first_card["message_id"], done)
        if in_the_chat:
            wait_until(lambda: _first_questions(stand_in), timeout=30, what="the first question")
        else:
            wait_until(lambda: stand_in.stats()["held"], timeout=30, what="the first question")
        yield stand_in
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()


def _questions(calls: list[ApiCall]) -> list[str]:
    return [
        call.text
        for call in calls
        if call.ok and call.method == "sendMessage" and call.chat_id == LEARNER
        and call.text.startswith("🧠 Quiz 1 of 3")
    ]  # fmt: skip


async def test_a_bot_restarted_under_its_name_asks_a_cut_off_question_at_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _kill_mid_question(tmp_path, url)
    clock = FakeClock(datetime.now(UTC))  # well within the killed bot's lease
    async with running_bot(
        tmp_path, clock=clock, instance_name=NAME, delivery_lease_s=LEASE_S
    ) as harness:
        asked = await harness.api.wait_for(_questions, timeout=30)
    assert len(asked) == 1, asked


async def test_a_bot_started_while_its_predecessor_still_sends_asks_no_question_twice(
    tmp_path: Path,
) -> None:
    """A rolling deploy: the new bot starts under the same name while the old one, still
    running, is sending a question. The old one's question reaches the learner; the new one
    does not ask it a second time (the old one is alive: its claims are not a dead life's).
    The old one has the question in the chat and waits for Telegram's answer, so the
    question's row has no message id yet, as after a kill."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with _mid_question(tmp_path, url, in_the_chat=True) as old:
        clock = FakeClock(datetime.now(UTC))
        async with running_bot(
            tmp_path, clock=clock, instance_name=NAME, delivery_lease_s=LEASE_S
        ) as harness:
            pass  # its stop waits for its start-up pass over cut-off questions
        from_the_old_one = _first_questions(old)
    assert len(from_the_old_one) == 1
    assert _questions(harness.api.calls) == []


ANNA = 7_601


def _kill_mid_round_poll(tmp_path: Path, url: str) -> None:
    """A bot named ``NAME`` killed while the first poll of a group's /quiz round is on the
    wire (so the round's question is taken, and no poll is recorded)."""
    _seed_group_for_a_round(url)
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, GROUP_SEND_INTERVAL_S="0.01",
                            DELIVERY_LEASE_S=str(LEASE_S), INSTANCE_NAME=NAME)  # fmt: skip
        stand_in.hang("sendPoll")
        bot = BotProcess(tmp_path, env)
        stand_in.push(_group_command(ANNA, GROUP, "/quiz 1"))
        wait_until(lambda: stand_in.stats()["held"], timeout=60, what="the round's poll")
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()


async def test_a_bot_restarted_under_its_name_asks_a_rounds_cut_off_question_at_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _kill_mid_round_poll(tmp_path, url)
    clock = FakeClock(datetime.now(UTC))  # well within the killed bot's claim
    async with running_bot(
        tmp_path, clock=clock, instance_name=NAME, delivery_lease_s=LEASE_S
    ) as harness:
        polls = await harness.api.wait_for(lambda calls: _polls_into(GROUP, calls), timeout=30)
    assert len(polls) == 1 and polls[0].startswith("❓ 1/1"), polls


def _seed_group_for_a_round(url: str) -> None:
    """A group that was sent drop 1.1 yesterday: its round is of one question."""
    seed_due_group(url, GROUP, last_drop="1.1", now=datetime.now(UTC))
    engine = make_engine(url)
    with Session(engine) as session:
        chat = session.get(Chat, GROUP)
        assert chat is not None
        chat.next_due_at = datetime.now(UTC) + timedelta(days=1)  # no drop today
        session.commit()
    engine.dispose()


def _group_command(user_id: int, chat_id: int, text: str) -> dict[str, Any]:
    update = command_update(user_id, text)
    update["message"]["chat"] = {"id": chat_id, "type": "group", "title": "Study group"}
    return update
