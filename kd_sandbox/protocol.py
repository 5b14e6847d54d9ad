"""The messages between the bot's ``SandboxWorker`` and its child process, as types.

Torch-free: the bot process builds and reads them. Each crosses the pipe pickled, so a
field's type is what the other side gets back; matching on the class replaces
comparing the first element of a tuple with a string.
"""

from __future__ import annotations

from dataclasses import dataclass

from kd_sandbox.result import RunResult
from kd_sandbox.spec import RunSpec

# -- parent → child ------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Start run ``run_id`` of ``spec``."""

    run_id: int
    spec: RunSpec


@dataclass(frozen=True)
class Stop:
    """Finish and exit."""


# -- child → parent ------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The teacher and data are loaded; runs may come."""


@dataclass(frozen=True)
class WarmFailed:
    """Warming up raised; ``trace`` is the shortened traceback, for the log."""

    trace: str


@dataclass(frozen=True)
class Started:
    """Run ``run_id`` has its teacher and starts training students: its time limit
    counts from here, not from the warm-up or a teacher's one-time training."""

    run_id: int


@dataclass(frozen=True)
class Progress:
    """Run ``run_id`` is ``fraction`` (0..1) done."""

    run_id: int
    fraction: float


@dataclass(frozen=True)
class Done:
    run_id: int
    result: RunResult


@dataclass(frozen=True)
class Failed:
    """Run ``run_id`` raised; ``trace`` is the shortened traceback, for the log."""

    run_id: int
    trace: str


@dataclass(frozen=True)
class OutOfMemory:
    """Run ``run_id`` needed more memory than the child's cap allows; the child is fine."""

    run_id: int


@dataclass(frozen=True)
class Gone:
    """Not sent by the child: the parent's note that the pipe closed (the child died)."""


ToChild = Run | Stop
FromChild = Ready | WarmFailed | Started | Progress | Done | Failed | OutOfMemory
RunMessage = Started | Progress | Done | Failed | OutOfMemory | Gone
"""What a waiting run reads from its inbox."""
