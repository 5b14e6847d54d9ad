"""mode=traces: sequence-level distillation of worked steps (Kim & Rush 2016).

The teacher writes its worked completion for every training problem. One student
learns from the final answers alone (``2+3-4*6:=6``), another from the full traces
(``2+3-4*6:5,1,6=6``); both are scored on held-out problems by the answer they end with.
"""

from __future__ import annotations

import time

from kd_sandbox.lm.plots import (
    BASELINE,
    DISTILLED,
    FLOOR,
    Level,
    Panel,
    Series,
    accuracy_panel,
    figure_png,
)
from kd_sandbox.lm.students import Progress, Sizes, build_student, sft, transfer_batch, within
from kd_sandbox.lm.tasks import majority_baseline
from kd_sandbox.lm.teacher import Teacher
from kd_sandbox.lm.training import Curve, exact_match
from kd_sandbox.result import RunResult
from kd_sandbox.spec import TracesRun


def _train_arm(
    spec: TracesRun, teacher: Teacher, *, with_trace: bool, report: Progress
) -> tuple[Curve, Curve]:
    """Train one student on the teacher's completions; (held-out accuracy, loss) curves."""
    student = build_student(teacher, spec.hidden, spec.seed)
    accuracy = Curve()

    def evaluate(step: int) -> None:
        score = exact_match(
            student, teacher.tokenizer, teacher.heldout_chains, with_trace=with_trace
        )
        accuracy.add(step, score)
        report(step / spec.steps)

    data = transfer_batch(teacher, with_trace=with_trace)
    losses = sft(student, data, steps=spec.steps, lr=spec.lr, seed=spec.seed, evaluate=evaluate)
    return accuracy, losses


def run_traces(
    spec: TracesRun, teacher: Teacher, sizes: Sizes, progress: Progress | None = None
) -> RunResult:
    started = time.perf_counter()
    heldout = teacher.heldout_chains
    accuracy: dict[bool, Curve] = {}
    losses: dict[bool, Curve] = {}
    for arm, with_trace in enumerate((False, True)):
        report = within(progress, arm / 2, (arm + 1) / 2)
        accuracy[with_trace], losses[with_trace] = _train_arm(
            spec, teacher, with_trace=with_trace, report=report
        )
    wall = time.perf_counter() - started
    floor = majority_baseline(heldout)
    bare, worked = accuracy[False].last, accuracy[True].last
    png = figure_png(
        "Distilling worked steps vs. answers only",
        [
            accuracy_panel(
                teacher.heldout_accuracy,
                ("student on traces", accuracy[True]),
                ("student on answers", accuracy[False]),
                Level(f"most common answer {floor:.0%}", floor, FLOOR),
            ),
            Panel(
                "training loss per token",
                "cross-entropy",
                [
                    Series("on traces", losses[True], DISTILLED),
                    Series("on answers", losses[False], BASELINE),
                ],
                smooth=20,
            ),
        ],
    )
    n_steps = teacher.settings.n_steps
    if worked - bare >= 0.1:
        verdict = (
            "worked steps turn one hard composition into one-step lookups a small student learns"
        )
    elif worked - bare <= -0.1:
        verdict = (
            "here the answers-only student did better; the traces did not help at these settings"
        )
    else:
        verdict = (
            "here the gap is small: the bare answers were learnable, or neither student learned"
        )
    caption = (
        f"mode=traces · chains of {n_steps} operations on a digit (e.g. 2+3-4*6 → 5,1,6 = 6)\n"
        f"Student (width {spec.hidden}, {spec.steps} steps, lr {spec.lr:g}) on the teacher's "
        f"full traces: {worked:.0%} of {len(heldout)} held-out problems right; "
        f"on its final answers only: {bare:.0%}.\n"
        f"Teacher {teacher.heldout_accuracy:.0%}; always answering the most common answer "
        f"{floor:.0%}.\n"
        f"Wall time {wall:.1f} s.\n"
        f"This run shows: {verdict}."
    )
    return RunResult(
        png=png,
        caption=caption,
        metrics={
            "accuracy_traces": worked,
            "accuracy_answers": bare,
            "teacher_accuracy": teacher.heldout_accuracy,
            "majority_baseline": floor,
        },
        wall_s=wall,
    )
