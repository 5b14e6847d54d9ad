"""Message ids of sent questions are stored in batches, each caller waiting for its own."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

import pytest

from bot.services.context import Services
from bot.services.quiz.sent import SentQuestions


class HeldDatabase:
    """``Services.transaction`` that keeps each batch and holds it until released; the
    questions in ``withdrawn`` are gone from it, as after an undo."""

    def __init__(self, error: Exception | None = None) -> None:
        self.batches: list[dict[int, int | None]] = []
        self.release = asyncio.Event()
        self.error = error
        self.withdrawn: set[int] = set()

    async def transaction(self, work: Any, batch: Mapping[int, int | None]) -> frozenset[int]:
        self.batches.append(dict(batch))
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return frozenset(batch) & self.withdrawn


async def test_ids_sent_while_a_write_is_in_flight_go_together_in_the_next() -> None:
    database = HeldDatabase()
    sent = SentQuestions(cast(Services, database))
    first = asyncio.create_task(sent.record(1, 101))
    await asyncio.sleep(0.01)  # the first write is in flight, held
    rest = [asyncio.create_task(sent.record(q, 100 + q)) for q in (2, 3, 4)]
    lost = asyncio.create_task(sent.record(5, None))
    await asyncio.sleep(0.01)
    assert database.batches == [{1: 101}]
    assert not any(task.done() for task in [first, *rest, lost])  # nobody returns unstored
    database.release.set()
    assert await asyncio.gather(first, *rest, lost) == [True] * 5
    assert database.batches == [{1: 101}, {2: 102, 3: 103, 4: 104, 5: None}]


async def test_a_question_withdrawn_on_its_way_is_told_so_and_the_rest_of_its_batch_is_not() -> (
    None
):
    database = HeldDatabase()
    database.withdrawn = {2}
    sent = SentQuestions(cast(Services, database))
    first = asyncio.create_task(sent.record(1, 101))
    await asyncio.sleep(0.01)
    rest = [asyncio.create_task(sent.record(q, 100 + q)) for q in (2, 3)]
    await asyncio.sleep(0.01)
    database.release.set()
    assert await asyncio.gather(first, *rest) == [True, False, True]


async def test_a_record_after_the_batches_are_done_starts_a_write_of_its_own() -> None:
    database = HeldDatabase()
    database.release.set()
    sent = SentQuestions(cast(Services, database))
    await sent.record(1, 101)
    await sent.record(2, 102)
    assert database.batches == [{1: 101}, {2: 102}]


async def test_a_failed_write_reaches_each_caller_in_its_batch_and_the_next_one_goes_on() -> None:
    database = HeldDatabase(error=RuntimeError("database down"))
    sent = SentQuestions(cast(Services, database))
    first = asyncio.create_task(sent.record(1, 101))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(sent.record(2, 102))
    await asyncio.sleep(0.01)
    database.release.set()
    for task in (first, second):
        with pytest.raises(RuntimeError, match="database down"):
            await task
    database.error = None
    await sent.record(3, 103)
    assert database.batches[-1] == {3: 103}
