"""How long a /distill run will take, before it starts: refuse what cannot finish in time.

A run's time is about a fixed part (data, warm start, evaluation, the picture) plus a
part per optimiser step, each mode its own. The numbers are for a quiet 2-core CPU with
one torch thread (the default): measured with ``kd_sandbox.digits.runner.run`` on a
shared 2-core machine under a load of about 6, divided by 2.5, rounded up. A GPU is
faster; a busier machine is slower, and the worker's time limit still holds then.
Torch-free: the bot asks before it queues anything.
"""

from __future__ import annotations

from dataclasses import replace

from kd_sandbox.spec import RANGES, RunSpec, mode_defaults

# (fixed seconds, seconds per step) for each mode.
COST_S: dict[str, tuple[float, float]] = {
    "compare": (2.0, 0.002),
    "omit": (2.0, 0.012),
    "temperature": (2.0, 0.0),
    "tokens": (5.0, 0.025),
    "traces": (2.0, 0.018),
    "preference": (16.0, 0.05),  # mostly its first stage (distilled SFT) and the drafts
    # The route task (measured at a load of about 2.5, seed 0: 8.7 s at 50 steps, 44.4 s
    # at 400): a warm start, both arms' evaluations and the picture, then per step one
    # step of each arm, the on-policy one sampling its routes first.
    "onpolicy": (4.0, 0.1),
}
# A language-model student wider than a knee width costs more per step and per
# evaluation: the estimate is multiplied by (hidden / knee) ** power. Measured on the
# shared 2-core machine (seed 0: wall time at 20-100 steps against the default width's
# at the same steps): tokens 1.9x at 64, 2.8x at 128, 13x at 256; traces 2.2x at 64,
# 5.9x at 128, 10x at 256; onpolicy 1.3x at 64, 2.2x at 128, 9.3x at 256; preference
# 1.3x at 64 and over 17x at 256 (10 steps ran past 300 s: its warm start trains the
# wide student too). Each (knee, power) covers the widest point, where runs went past
# the limit, and lets 64-wide default runs start. A digits student is a small MLP whose
# width costs nothing noticeable.
WIDTH_COST: dict[str, tuple[int, float]] = {
    "tokens": (32, 1.3),
    "traces": (16, 0.85),
    "onpolicy": (64, 1.65),
    "preference": (64, 2.1),
}
# A bug adds a third student and evaluates the live teacher as it trains.
BUG_STEP_FACTOR = 6.0
# A suggestion leaves this share of the limit spare, for a machine busier than ours.
HEADROOM = 0.8


def estimated_s(spec: RunSpec) -> float:
    """Seconds ``spec`` is expected to take on the reference machine."""
    fixed, per_step = _costs(spec)
    return fixed + per_step * spec.steps


def fitting(spec: RunSpec, limit_s: float) -> RunSpec | None:
    """``spec`` with a round number of steps that finishes well within ``limit_s``; if
    even the fewest steps would not at its width, also with the mode's default width;
    None when nothing would."""
    shorter = _with_fitting_steps(spec, limit_s)
    default_hidden = mode_defaults(spec.mode, spec.bug).hidden
    if shorter is None and spec.hidden > default_hidden:
        back = replace(spec, hidden=default_hidden, typed=spec.typed - {"hidden"})
        return _with_fitting_steps(back, limit_s)
    return shorter


def _with_fitting_steps(spec: RunSpec, limit_s: float) -> RunSpec | None:
    fixed, per_step = _costs(spec)
    if per_step == 0:
        return None  # its time does not depend on steps
    budget_steps = (HEADROOM * limit_s - fixed) / per_step
    step = 100 if budget_steps >= 100 else 10
    steps = min(spec.steps, int(budget_steps // step * step))
    if steps < RANGES["steps"].low:
        return None
    return replace(spec, steps=steps)


def _costs(spec: RunSpec) -> tuple[float, float]:
    """(fixed seconds, seconds per step) of ``spec`` on the reference machine."""
    fixed, per_step = COST_S[spec.mode]
    if spec.bug != "none":
        per_step *= BUG_STEP_FACTOR
    if spec.mode in WIDTH_COST:
        knee, power = WIDTH_COST[spec.mode]
        factor = max(1.0, spec.hidden / knee) ** power
        fixed, per_step = fixed * factor, per_step * factor
    return fixed, per_step
