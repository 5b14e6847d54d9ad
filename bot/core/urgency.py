"""How soon someone waits for the work an update causes: its replies and its database work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum


class Urgency(IntEnum):
    """How soon someone expects a message; lower goes first."""

    TYPED = 0  # an answer to a command or text the user just sent
    # The status of long work a command queued (a /distill run: "queued", "the queue is
    # full", its progress and picture): after the instant answers of a burst of commands,
    # since its sender waits for the work anyway; before the replies to a rush of presses.
    LONG_WORK = 1
    PRESSED = 2  # an answer to a button press or a poll answer
    # What follows an answered press (the explanation, the next question): the presser
    # already has their answer, so in a rush every waiting press is answered first.
    FOLLOWING = 3
    SCHEDULED = 4  # nobody is watching for it this second: deliveries, reminders


#: The urgency of the work done from the current task; set once per incoming update.
current_urgency: ContextVar[Urgency] = ContextVar("current_urgency", default=Urgency.SCHEDULED)


def at_most(urgency: Urgency) -> None:
    """From here on the current task's work is no more urgent than ``urgency``."""
    current_urgency.set(max(current_urgency.get(), urgency))


@contextmanager
def as_urgent_as(urgency: Urgency) -> Iterator[None]:
    """The work started inside is at least as urgent as ``urgency``; then as before."""
    token = current_urgency.set(min(current_urgency.get(), urgency))
    try:
        yield
    finally:
        current_urgency.reset(token)
