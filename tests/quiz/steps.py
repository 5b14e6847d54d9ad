"""Steps the end-to-end quiz tests share: find questions, answer them right or wrong, wait."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlmodel import Session, col, func, select

from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.buttons import option_order
from bot.storage.models import LearnerCard, QuizQuestion, ReviewRecord
from tests.botapi import ApiCall
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import onboard, press_done, read_cards

T = TypeVar("T")


def answer_buttons(call: ApiCall) -> list[str]:
    return [
        b["callback_data"] for b in call.buttons() if b.get("callback_data", "").startswith("qa:")
    ]


def is_question(call: ApiCall) -> bool:
    return call.method == "sendMessage" and bool(answer_buttons(call))


def question_id(call: ApiCall) -> int:
    return int(answer_buttons(call)[0].split(":")[1])


def stored_question(harness: BotHarness, call: ApiCall) -> QuizQuestion:
    with Session(harness.services.engine) as session:
        row = session.get(QuizQuestion, question_id(call))
        assert row is not None
        return row


def option_for(harness: BotHarness, call: ApiCall, *, right: bool) -> int:
    """The position (as shown under ``call``) of the right option, or of a wrong one."""
    item = quiz_bank().get(stored_question(harness, call).item_id)
    assert item is not None
    shown_key = option_order(item, question_id(call)).index(item.correct)
    return shown_key if right else (shown_key + 1) % len(item.options)


async def next_reply(harness: BotHarness, chat_id: int, after: int) -> ApiCall:
    """The bot's next message into the chat after call index ``after``."""
    return await harness.next_message(chat_id, after=after, timeout=15)


async def answer(harness: BotHarness, user: int, call: ApiCall, *, right: bool) -> ApiCall:
    """Press the right (or a wrong) option; return what the bot sends next."""
    before = len(harness.api.calls)
    option = option_for(harness, call, right=right)
    harness.api.press(user, call, f"qa:{question_id(call)}:{option}")
    return await next_reply(harness, user, before)


async def finish_drop(harness: BotHarness, user: int) -> ApiCall:
    """Press Done under the newest drop; return the first quiz question."""
    before = len(harness.api.calls)
    assert await press_done(harness, user, wait_s=10)  # a drop is on its way
    return await first_question(harness, user, before)


async def first_question(harness: BotHarness, user: int, after: int) -> ApiCall:
    found: ApiCall = await harness.api.wait_for(
        lambda calls: next(
            (c for c in calls[after:] if c.chat_id == user and is_question(c)), None
        ),
        timeout=15,
    )
    return found


async def answer_all(
    harness: BotHarness, user: int, first: ApiCall, rights: list[bool]
) -> tuple[list[ApiCall], ApiCall]:
    """Answer questions in a row; returns the questions asked and the closing message."""
    asked, current = [first], first
    for right in rights:
        current = await answer(harness, user, current, right=right)
        if is_question(current):
            asked.append(current)
    assert not is_question(current), "more questions than answers given"
    return asked[: len(rights)], current


async def start_learner(harness: BotHarness, user: int, zone: str = "UTC") -> None:
    """Onboard, and read drop 1's cards (Continue ▸) up to the last, which carries Done."""
    await onboard(harness, user, "07:30", zone)
    assert await read_cards(harness, user)


def review_logs(harness: BotHarness, learner_id: int | None = None) -> list[ReviewRecord]:
    with Session(harness.services.engine) as session:
        query = select(ReviewRecord).order_by(col(ReviewRecord.id))
        if learner_id is not None:
            query = query.where(ReviewRecord.learner_id == learner_id)
        return list(session.exec(query))


def cards(harness: BotHarness, learner_id: int) -> dict[str, tuple[str, str]]:
    """item id → (state JSON, due ISO) of each of the learner's cards."""
    with Session(harness.services.engine) as session:
        rows = session.exec(select(LearnerCard).where(LearnerCard.learner_id == learner_id))
        return {c.item_id: (c.state, c.due_at.isoformat()) for c in rows}


def count(harness: BotHarness, model: type[ReviewRecord] | type[LearnerCard]) -> int:
    with Session(harness.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def eventually(probe: Callable[[], T], timeout: float = 10.0) -> T:
    """Poll ``probe`` until it returns something truthy (updates are handled concurrently)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, "condition never became true"
            return value
        await asyncio.sleep(0.05)


class DatabaseWork:
    """The bot's units of work on its database thread, by name, as they are queued and as
    they finish; and a hold on that thread (SQLite's only one), so that work queues
    meanwhile and is then taken in order of urgency."""

    def __init__(self, harness: BotHarness) -> None:
        self.queued: list[str] = []
        self.done: list[str] = []
        self._services = harness.services
        self._holds: list[asyncio.Future[None]] = []
        executor = harness.services.executor
        submit = executor.submit

        def traced(call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            work = call.args[0] if isinstance(call, functools.partial) and call.args else call
            name = getattr(work, "__name__", repr(work))
            self.queued.append(name)

            def run() -> Any:
                try:
                    return call(*args, **kwargs)
                finally:
                    self.done.append(name)

            return submit(run)

        executor.submit = traced  # type: ignore[method-assign]

    async def hold_until_queued(self, *names: str) -> None:
        """Occupy the database thread until units of work of these names wait behind it."""
        taken, release = threading.Event(), threading.Event()
        behind = len(self.queued)

        def occupy(_session: Session) -> None:
            taken.set()
            release.wait()

        async def release_once_queued() -> None:
            try:
                await eventually(lambda: set(names) <= set(self.queued[behind:]))
            finally:
                release.set()

        self._holds.append(asyncio.ensure_future(self._services.transaction(occupy)))
        await eventually(taken.is_set)
        self._holds.append(asyncio.ensure_future(release_once_queued()))
