"""Pacing: one message at a time into a chat, by arrival; overall, the most awaited first."""

from __future__ import annotations

import asyncio
import itertools

from bot.core.urgency import Urgency
from bot.telegram.transport.pacing import ChatTurns, OverallPace

INTERVAL = 0.05


async def test_a_chats_next_message_starts_an_interval_after_the_previous_was_answered() -> None:
    turns = ChatTurns(lambda chat_id: INTERVAL)
    loop = asyncio.get_running_loop()
    answered_at: list[float] = []
    started_at: list[float] = []

    async def send(answer_after: float) -> None:
        async with turns.turn(7):
            started_at.append(loop.time())
            await asyncio.sleep(answer_after)  # the request on the wire
            answered_at.append(loop.time())

    await asyncio.gather(send(0.03), send(0.0), send(0.0))
    for previous_answer, start in zip(answered_at, started_at[1:], strict=False):
        assert start - previous_answer >= INTERVAL * 0.99


async def test_other_chats_do_not_wait_for_a_busy_chat() -> None:
    turns = ChatTurns(lambda chat_id: 10.0)
    async with turns.turn(1):
        pass
    # Chat 1 must now wait ten seconds; chat 2 goes at once.
    async with asyncio.timeout(1), turns.turn(2):
        pass


async def test_the_overall_pace_serves_by_urgency_then_in_arrival_order() -> None:
    pace = OverallPace(INTERVAL)
    await pace.acquire(Urgency.SCHEDULED)  # uses the free slot: everyone below waits
    order: list[str] = []

    async def wait(name: str, urgency: Urgency) -> None:
        await pace.acquire(urgency)
        order.append(name)

    waiters = [
        ("fan-out 1", Urgency.SCHEDULED),
        ("question 1", Urgency.PRESSED),
        ("distill queued", Urgency.LONG_WORK),
        ("fan-out 2", Urgency.SCHEDULED),
        ("help 1", Urgency.TYPED),
        ("question 2", Urgency.PRESSED),
        ("help 2", Urgency.TYPED),
    ]
    tasks = []
    for name, urgency in waiters:
        tasks.append(asyncio.create_task(wait(name, urgency)))
        await asyncio.sleep(0)  # they arrive in this order
    await asyncio.gather(*tasks)
    assert order == [
        "help 1", "help 2", "distill queued", "question 1", "question 2", "fan-out 1", "fan-out 2",
    ]  # fmt: skip


async def test_the_overall_pace_lets_one_through_per_interval() -> None:
    pace = OverallPace(INTERVAL)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def wait() -> None:
        await pace.acquire(Urgency.PRESSED)
        times.append(loop.time())

    await asyncio.gather(*(wait() for _ in range(5)))
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= INTERVAL * 0.99 for gap in gaps), gaps


async def test_a_cancelled_waiter_gives_its_slot_to_the_next() -> None:
    pace = OverallPace(INTERVAL)
    await pace.acquire(Urgency.TYPED)
    gone = asyncio.create_task(pace.acquire(Urgency.TYPED))
    await asyncio.sleep(0)
    stays = asyncio.create_task(pace.acquire(Urgency.SCHEDULED))
    await asyncio.sleep(0)
    assert pace.waiting == 2
    gone.cancel()
    async with asyncio.timeout(INTERVAL * 20):
        await stays
    assert pace.waiting == 0


async def test_a_more_urgent_message_behind_it_expedites_a_chats_queued_message() -> None:
    pace = OverallPace(INTERVAL)
    await pace.acquire(Urgency.SCHEDULED)
    order: list[str] = []

    async def wait(name: str, urgency: Urgency, key: object = None) -> None:
        await pace.acquire(urgency, key=key)
        order.append(name)

    tasks = [asyncio.create_task(wait("drop for chat 1", Urgency.SCHEDULED, key=1))]
    await asyncio.sleep(0)
    for number in range(3):
        tasks.append(asyncio.create_task(wait(f"question {number}", Urgency.PRESSED)))
        await asyncio.sleep(0)
    # Chat 1's user typed /help: its reply waits for the drop's turn in that chat.
    pace.expedite(1, Urgency.TYPED)
    assert pace.waiting == 4
    await asyncio.gather(*tasks)
    assert order == ["drop for chat 1", "question 0", "question 1", "question 2"]
