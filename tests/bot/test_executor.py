"""The database threads take typed work before a backlog of presses and scheduled work."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from bot.core.urgency import Urgency, current_urgency
from bot.services.executor import UrgentFirstExecutor


def test_waiting_work_runs_most_urgent_first_then_in_arrival_order() -> None:
    executor = UrgentFirstExecutor(1)
    gate, running, ran = threading.Event(), threading.Event(), []

    def block() -> None:
        running.set()
        gate.wait()

    blocker = executor.submit(block)  # occupies the only thread while the rest queue
    assert running.wait(timeout=5)  # taken before any other work is queued
    futures: list[Future[None]] = []
    for name, urgency in [("press 1", Urgency.PRESSED), ("tick", Urgency.SCHEDULED),
                          ("press 2", Urgency.PRESSED), ("/help", Urgency.TYPED)]:  # fmt: skip
        token = current_urgency.set(urgency)
        futures.append(executor.submit(ran.append, name))
        current_urgency.reset(token)
    gate.set()
    blocker.result(timeout=5)
    for future in futures:
        future.result(timeout=5)
    assert ran == ["/help", "press 1", "press 2", "tick"]
    executor.shutdown()


def test_an_error_reaches_the_caller_and_the_thread_goes_on() -> None:
    executor = UrgentFirstExecutor(1)

    def fail() -> None:
        raise ValueError("no such row")

    with pytest.raises(ValueError, match="no such row"):
        executor.submit(fail).result(timeout=5)
    assert executor.submit(lambda: 42).result(timeout=5) == 42
    executor.shutdown()


def test_after_shutdown_no_work_is_taken() -> None:
    executor = UrgentFirstExecutor(2)
    assert executor.submit(lambda: "done").result(timeout=5) == "done"
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(lambda: None)
