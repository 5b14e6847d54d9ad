"""Which function runs which LM mode."""

from __future__ import annotations

from collections.abc import Callable

from kd_sandbox.lm.onpolicy import run_onpolicy
from kd_sandbox.lm.preference import run_preference
from kd_sandbox.lm.students import Progress, Sizes
from kd_sandbox.lm.teacher import Teacher
from kd_sandbox.lm.tokens import run_tokens
from kd_sandbox.lm.traces import run_traces
from kd_sandbox.result import RunResult
from kd_sandbox.spec import RunSpec

ModeRunner = Callable[[RunSpec, Teacher, Sizes, Progress | None], RunResult]

MODE_RUNNERS: dict[str, ModeRunner] = {
    "onpolicy": run_onpolicy,
    "preference": run_preference,
    "tokens": run_tokens,
    "traces": run_traces,
}
