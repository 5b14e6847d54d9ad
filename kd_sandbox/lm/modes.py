"""Which function runs which chain-teacher LM mode: each gets its own run configuration
only. (mode=onpolicy has its own task and teacher: ``run_lm_mode`` runs it.)"""

from __future__ import annotations

from kd_sandbox.lm.preference import run_preference
from kd_sandbox.lm.students import Progress, Sizes
from kd_sandbox.lm.teacher import Teacher
from kd_sandbox.lm.tokens import run_tokens
from kd_sandbox.lm.traces import run_traces
from kd_sandbox.result import RunResult
from kd_sandbox.spec import ModeRun, PreferenceRun, TokensRun, TracesRun


def run_mode(
    config: ModeRun, teacher: Teacher, sizes: Sizes, progress: Progress | None
) -> RunResult:
    """Hand ``config`` to its mode; the type says which, so no setting can go astray."""
    if isinstance(config, TokensRun):
        return run_tokens(config, teacher, sizes, progress)
    if isinstance(config, TracesRun):
        return run_traces(config, teacher, sizes, progress)
    if isinstance(config, PreferenceRun):
        return run_preference(config, teacher, sizes, progress)
    raise ValueError(f"mode={config.mode} is not a language-model mode")
