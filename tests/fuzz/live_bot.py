"""One real Application on its own event loop, so synchronous hypothesis tests can drive it.

Hypothesis runs each example as a plain function call; starting a bot per example would
cost seconds. Here the bot (and the Bot API stand-in) run in a background thread, every
example is a coroutine submitted to that loop, and every example gets the same checks:
the bot answered, Telegram rejected none of its calls, no handler raised, and (unless
the input was valid) no stored row changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import SQLModel

from tests.botapi import ApiCall
from tests.e2e.harness import BotHarness, running_bot

T = TypeVar("T")
Snapshot = dict[str, list[tuple[Any, ...]]]
SOMETHING_WENT_WRONG = "something went wrong"
# An edit that changes nothing (a second press under a message already edited): Telegram
# refuses it, and handlers that expect double taps ignore that on purpose.
NOT_MODIFIED = "Bad Request: message is not modified"


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in a stable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


@dataclass
class Exchange:
    """What one input caused: the bot's calls, its errors, the rows before and after."""

    calls: list[ApiCall]
    errors: list[BaseException]
    before: Snapshot
    after: Snapshot

    def replies(self, chat_id: int) -> list[ApiCall]:
        return [
            c for c in self.calls if c.ok and c.method.startswith("send") and c.chat_id == chat_id
        ]

    def text(self, chat_id: int) -> str:
        return "\n".join(c.text for c in self.replies(chat_id))

    def assert_handled(self) -> None:
        """No handler raised, Telegram accepted every call, nobody was told "went wrong"."""
        assert self.errors == [], f"a handler raised: {self.errors!r}"
        failed = [(c.method, c.error) for c in self.calls if not c.ok and c.error != NOT_MODIFIED]
        assert failed == [], f"calls Telegram would reject: {failed}"
        assert all(SOMETHING_WENT_WRONG not in c.text for c in self.calls)

    def assert_unchanged(self) -> None:
        changed = [name for name in self.before if self.before[name] != self.after[name]]
        assert changed == [], f"stored rows changed in {changed}"


class LiveBot:
    """The bot running in a thread; ``call`` runs a coroutine there and returns its result."""

    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self._tmp_path, self._overrides = tmp_path, overrides
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = contextlib.AsyncExitStack()
        self.errors: list[BaseException] = []
        self.harness: BotHarness

    def start(self) -> None:
        self._thread.start()
        self.harness = self.call(
            self._stack.enter_async_context(running_bot(self._tmp_path, **self._overrides))
        )
        self.harness.app.add_error_handler(self._record_error)

    def stop(self) -> None:
        try:
            self.call(self._stack.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _record_error(self, update: object, context: Any) -> None:
        self.errors.append(context.error)

    async def idle(self) -> None:
        """Wait until every update fetched so far has been handled to the end."""
        await asyncio.wait_for(self.harness.app.update_queue.join(), timeout=15)

    async def exchange(self, action: Coroutine[Any, Any, Any]) -> Exchange:
        """Run ``action`` (send a message, press a button) and collect what it caused."""
        harness = self.harness
        await self.idle()
        before, first_call, first_error = (
            snapshot(harness.services.engine),
            len(harness.api.calls),
            len(self.errors),
        )
        await action
        await self.idle()
        return Exchange(
            calls=harness.api.calls[first_call:],
            errors=self.errors[first_error:],
            before=before,
            after=snapshot(harness.services.engine),
        )

    async def command(self, user_id: int, text: str, *, chat_id: int | None = None) -> Exchange:
        """A message from the user; the bot must send something back into that chat."""
        return await self.exchange(self.harness.command(user_id, text, chat_id=chat_id))

    async def press(self, user_id: int, data: str, *, chat_id: int, message_id: int) -> Exchange:
        """A button press with ``data`` under a message; the bot must answer the query."""

        async def pressed() -> None:
            api = self.harness.api
            query = api.press(user_id, None, data, chat_id=chat_id, message_id=message_id)
            await api.wait_for(lambda _: query not in api.open_callback_queries)

        return await self.exchange(pressed())


@contextlib.contextmanager
def live_bot(tmp_path: Path, **overrides: Any) -> Iterator[LiveBot]:
    bot = LiveBot(tmp_path, **overrides)
    bot.start()
    try:
        yield bot
    finally:
        bot.stop()
