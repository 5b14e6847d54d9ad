"""How soon someone waits for the work an update causes: its replies and its database work."""

from __future__ import annotations

from contextvars import ContextVar
from enum import IntEnum


class Urgency(IntEnum):
    """How soon someone expects a message; lower goes first."""

    TYPED = 0  # an answer to a command or text the user just sent
    PRESSED = 1  # an answer to a button press or a poll answer
    SCHEDULED = 2  # nobody is watching for it this second: deliveries, reminders


#: The urgency of the work done from the current task; set once per incoming update.
current_urgency: ContextVar[Urgency] = ContextVar("current_urgency", default=Urgency.SCHEDULED)
