"""A learner's quiz steps take turns; other learners' steps do not wait for them."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.quiz.turns import LearnerTurns


async def test_a_learners_second_step_starts_when_the_first_is_done() -> None:
    turns, order = LearnerTurns(), []
    first_may_finish = asyncio.Event()

    async def step(name: str, learner_id: int, wait: asyncio.Event | None = None) -> None:
        async with turns.turn(learner_id):
            order.append(f"{name} starts")
            if wait is not None:
                await wait.wait()
            order.append(f"{name} ends")

    follow_up = asyncio.create_task(step("follow-up", 1, first_may_finish))
    await asyncio.sleep(0)
    undo = asyncio.create_task(step("undo", 1))
    other = asyncio.create_task(step("other learner", 2))
    await asyncio.wait_for(other, timeout=1)
    assert "undo starts" not in order  # learner 1's undo waits; learner 2 did not
    first_may_finish.set()
    await asyncio.wait_for(asyncio.gather(follow_up, undo), timeout=1)
    assert order.index("follow-up ends") < order.index("undo starts")
    assert len(turns) == 0  # nobody between steps is remembered


async def test_a_step_that_fails_gives_the_turn_back() -> None:
    turns = LearnerTurns()

    async def failing() -> None:
        async with turns.turn(1):
            raise RuntimeError("Telegram said no")

    with pytest.raises(RuntimeError):
        await failing()
    async with asyncio.timeout(1), turns.turn(1):
        pass
    assert len(turns) == 0
