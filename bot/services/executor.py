"""The threads that run database work: a few, taking the most urgent waiting work first.

A rush of button presses queues its database work here; a command typed meanwhile is
not put behind it: its work carries ``Urgency.TYPED`` (set per update by the Telegram
adapter) and is taken before anything less urgent that is still waiting.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from bot.core.urgency import current_urgency

T = TypeVar("T")

_Work = tuple[int, int, Future[Any] | None, Callable[[], Any]]


class UrgentFirstExecutor(Executor):
    """``workers`` daemon threads over one priority queue (urgency, then arrival)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("at least one worker")
        self._workers = workers
        self._queue: queue.PriorityQueue[_Work] = queue.PriorityQueue()
        self._arrival = itertools.count()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._shut_down = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._shut_down:
                raise RuntimeError("the executor has shut down")
            self._start_workers()
            urgency = int(current_urgency.get())
            self._queue.put((urgency, next(self._arrival), future, lambda: fn(*args, **kwargs)))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
            threads = list(self._threads)
        for _ in threads:  # after all waiting work: each worker stops at its sentinel
            self._queue.put((1 << 30, next(self._arrival), None, lambda: None))
        if wait:
            for thread in threads:
                thread.join()

    def _start_workers(self) -> None:
        while len(self._threads) < self._workers:
            thread = threading.Thread(
                target=self._work, name=f"database-{len(self._threads)}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        while True:
            _, _, future, call = self._queue.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as error:
                future.set_exception(error)
            else:
                future.set_result(result)
