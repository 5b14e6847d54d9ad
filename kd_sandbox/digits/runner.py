"""One /distill run: a ``RunSpec`` in, a ``RunResult`` (PNG, caption, metrics) out.

Loaded only where torch may live: the worker's child process and the offline CLI.
The split and the teacher are kept in memory after the first run, so later runs only
train students.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from kd_sandbox.digits.captions import experiment_caption, temperature_caption
from kd_sandbox.digits.data import load_split
from kd_sandbox.digits.experiments import Context, run_compare, run_temperature, test_image_of
from kd_sandbox.digits.outcome import ExperimentOutcome, TemperatureOutcome
from kd_sandbox.digits.plots import experiment_png, prewarm_plotting, temperature_png
from kd_sandbox.digits.teacher import load_or_train_teacher
from kd_sandbox.kd.device import pick_device
from kd_sandbox.result import RunResult
from kd_sandbox.spec import LM_MODES, CompareRun, RunSpec, TemperatureRun, run_config
from kd_sandbox.teacher_config import BUG_TEACHER_DROPOUT, TeacherConfig, teacher_for

Progress = Callable[[float], None]
TRAINING_SHARE = 0.9
"""Progress fraction reached when the students are trained; drawing takes the rest."""

_contexts: dict[tuple[Path, TeacherConfig, str], Context] = {}


def run(
    spec: RunSpec,
    cache_dir: Path,
    progress: Progress | None = None,
    *,
    teacher: TeacherConfig | None = None,
    on_started: Callable[[], None] | None = None,
) -> RunResult:
    """Run ``spec`` and draw it. ``progress`` gets fractions 0..1 now and then;
    ``on_started`` is called once the run's teacher is ready (trained first if it was
    not cached yet), as the students' training begins.

    ``teacher`` picks the digits teacher (default ``TeacherConfig()``; tests pass a quick
    one); a bug with a teacher of its own changes its dropout (``teacher_for``).
    Language-model modes are handed to ``kd_sandbox.lm``.

    Metrics (accuracies as fractions): ``mode``, ``device``, ``teacher_acc``; for compare
    and omit also ``hard_acc``, ``kd_acc``, ``gain_points``, ``kd_final_loss``; with a bug
    ``broken_acc``, ``broken_min_loss``, ``broken_final_loss``; for omit
    ``omit_digit``, ``hard_digit_acc``, ``kd_digit_acc``, ``hard_digit_acc_corrected``,
    ``kd_digit_acc_corrected``, ``kd_shift``; for compare and omit also ``curves`` (the
    plotted curves, see ``_curves``); for temperature ``temperatures`` and
    ``probabilities``.
    """
    if spec.mode in LM_MODES:
        # Another package, loaded only when asked for: digits runs never import it.
        lm = importlib.import_module("kd_sandbox.lm")
        result = lm.run_lm_mode(spec, cache_dir, progress, on_teacher_ready=on_started)
        if not isinstance(result, RunResult):
            raise TypeError(f"kd_sandbox.lm.run_lm_mode returned {type(result).__name__}")
        return result
    started = time.perf_counter()
    _report(progress, 0.0)
    context = warm_up(cache_dir, teacher_for(spec.bug, teacher or TeacherConfig()))
    if on_started is not None:
        on_started()
    config = run_config(spec)
    if isinstance(config, TemperatureRun):
        temperatures = run_temperature(config, context)
        png = temperature_png(temperatures)
        temperatures.wall_s = time.perf_counter() - started
        caption = temperature_caption(temperatures)
        metrics = _temperature_metrics(temperatures)
    elif isinstance(config, CompareRun):
        outcome = run_compare(config, context, _scaled(progress, TRAINING_SHARE))
        png = experiment_png(outcome)
        outcome.wall_s = time.perf_counter() - started
        caption = experiment_caption(outcome)
        metrics = _experiment_metrics(outcome)
    else:
        raise ValueError(f"mode={spec.mode} is not a digits mode")
    _report(progress, 1.0)
    wall_s = time.perf_counter() - started
    return RunResult(png=png, caption=caption, metrics=metrics, wall_s=wall_s)


def teacher_logits(cache_dir: Path, digit: int, seed: int = 0) -> dict[str, Any]:
    """The cached teacher's logits for one real test image of ``digit`` (the image that
    ``mode=temperature digit=… seed=…`` shows), for the Mini App's temperature explorer."""
    context = warm_up(cache_dir)
    index = test_image_of(context, digit, seed)
    with torch.no_grad():
        logits = context.teacher.model(context.data.x_test[index : index + 1])[0]  # (10,)
    return {
        "digit": digit,
        "seed": seed,
        "logits": [round(float(v), 4) for v in logits.cpu()],
        "teacher_acc": context.teacher.test_accuracy,
    }


def warm_up(cache_dir: Path, teacher: TeacherConfig | None = None) -> Context:
    """Load (or train and cache) the teacher and the split onto the device, once; also
    load matplotlib and its fonts, so the first run draws as fast as later ones."""
    config = teacher or TeacherConfig()
    device = pick_device()
    key = (cache_dir.resolve(), config, device.type)
    if key not in _contexts:
        data = load_split(cache_dir)
        loaded = load_or_train_teacher(cache_dir, data, config)
        loaded.model.to(device)
        _contexts[key] = Context(data.to(device), loaded, device)
        prewarm_plotting()
    return _contexts[key]


def warm_up_every_teacher(cache_dir: Path, teacher: TeacherConfig | None = None) -> None:
    """``warm_up`` for ``teacher`` and for each bug's own teacher (``BUG_TEACHER_DROPOUT``),
    so that the first run of such a bug does not wait for its teacher to train."""
    base = teacher or TeacherConfig()
    for config in dict.fromkeys([base, *(teacher_for(bug, base) for bug in BUG_TEACHER_DROPOUT)]):
        warm_up(cache_dir, config)


def cache_every_teacher(cache_dir: Path) -> None:
    """Train and cache every teacher a run may use that is not cached yet: the digits
    ones (``warm_up_every_teacher``) and those of the language-model modes. A run
    afterwards only loads its teacher."""
    warm_up_every_teacher(cache_dir)
    importlib.import_module("kd_sandbox.lm").cache_teachers(cache_dir)


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(fraction)


def _scaled(progress: Progress | None, share: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress(share * fraction)


def _experiment_metrics(outcome: ExperimentOutcome) -> dict[str, Any]:
    hard, kd = outcome.arm("hard"), outcome.arm("kd")
    metrics: dict[str, Any] = {
        "mode": outcome.spec.mode,
        "device": outcome.device,
        "teacher_acc": outcome.teacher_accuracy,
        "hard_acc": hard.final_accuracy,
        "kd_acc": kd.final_accuracy,
        "gain_points": 100 * (kd.final_accuracy - hard.final_accuracy),
        "kd_final_loss": kd.loss_total[-1],
        "transfer_size": outcome.transfer_size,
        "curves": _curves(outcome),
    }
    if outcome.has_arm("broken"):
        broken = outcome.arm("broken")
        metrics |= {
            "bug": outcome.spec.bug,
            "broken_acc": broken.final_accuracy,
            "broken_min_loss": min(broken.loss_total),
            "broken_final_loss": broken.loss_total[-1],
        }
    if outcome.omit is not None:
        omit = outcome.omit
        metrics |= {
            "omit_digit": omit.digit,
            "hard_digit_acc": omit.hard_raw,
            "kd_digit_acc": omit.kd_raw,
            "hard_digit_acc_corrected": omit.hard_corrected,
            "kd_digit_acc_corrected": omit.kd_corrected,
            "kd_shift": omit.kd_shift,
        }
    return metrics


CURVE_POINTS = 200  # per loss curve: enough for a phone-wide chart, small in the database


def _curves(outcome: ExperimentOutcome) -> dict[str, Any]:
    """The picture's curves as numbers, for the Mini App: each arm's total loss (every
    ``loss_every``-th step) and test accuracy at ``eval_steps``, rounded to 5 digits."""
    first = outcome.arms[0]
    every = max(1, len(first.loss_total) // CURVE_POINTS)
    return {
        "loss_steps": list(range(1, len(first.loss_total) + 1, every)),
        "eval_steps": first.eval_steps,
        "arms": [
            {
                "key": arm.key,
                "label": arm.label,
                "loss": [round(v, 5) for v in arm.loss_total[::every]],
                "accuracy": [round(v, 5) for v in arm.test_accuracy],
            }
            for arm in outcome.arms
        ],
    }


def _temperature_metrics(outcome: TemperatureOutcome) -> dict[str, Any]:
    return {
        "mode": "temperature",
        "device": outcome.device,
        "teacher_acc": outcome.teacher_accuracy,
        "digit": outcome.label,
        "temperatures": outcome.temperatures,
        "probabilities": outcome.probabilities,
    }
