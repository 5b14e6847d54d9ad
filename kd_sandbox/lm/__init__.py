"""Distillation of tiny language models: the four LM modes of /distill.

``run_lm_mode`` is the entry point the runner calls in the worker process. The modes
share one cached teacher (see ``teacher.py``); the first run trains it.
"""

from __future__ import annotations

import os

# Set before any module of this package imports transformers (this file runs first):
# never try to reach the model hub, and keep save/load progress bars out of the log.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kd_sandbox.result import RunResult, fit_caption
from kd_sandbox.spec import LM_MODES, OnPolicyRun, RunSpec, run_config

if TYPE_CHECKING:
    import torch

    from kd_sandbox.lm.route_teacher import RouteTeacher, RouteTeacherSettings
    from kd_sandbox.lm.students import Sizes
    from kd_sandbox.lm.teacher import Teacher, TeacherSettings

__all__ = ["cache_teachers", "run_lm_mode", "with_run_notes"]

# One thread: these models are so small that a second thread buys little, and on a busy
# two-core machine two threads waiting on each other ran ten times slower (measured).
TORCH_THREADS = 1


def run_lm_mode(
    spec: RunSpec,
    cache_dir: Path,
    progress: Callable[[float], None] | None = None,
    *,
    teacher_settings: TeacherSettings | None = None,
    route_teacher_settings: RouteTeacherSettings | None = None,
    sizes: Sizes | None = None,
    device: torch.device | None = None,
    on_teacher_ready: Callable[[], None] | None = None,
) -> RunResult:
    """Run one LM mode (tokens, traces, preference, onpolicy) and return its picture.

    ``teacher_settings`` (the chain teacher of tokens, traces and preference),
    ``route_teacher_settings`` (onpolicy's own teacher) and ``sizes`` replace the
    defaults: tests pass tiny ones. If the teacher is not cached yet, training it takes
    the first part of ``progress`` and its time is added to the caption;
    ``on_teacher_ready`` is called once it is loaded (the worker's time limit counts the
    students' training from there, not the teacher's).

    Teacher and students run on ``device``: by default a GPU where torch sees one
    (``pick_device``), else the CPU. The caption and ``metrics["device"]`` name it.
    """
    if spec.mode not in LM_MODES:
        raise ValueError(f"{spec.mode!r} is not a language-model mode")
    # Imported here so that importing this package stays cheap (no torch until a run).
    import torch

    from kd_sandbox.kd.device import pick_device
    from kd_sandbox.lm.modes import run_mode
    from kd_sandbox.lm.onpolicy import run_onpolicy
    from kd_sandbox.lm.route_teacher import (
        RouteTeacherSettings,
        load_or_train_route_teacher,
        route_teacher_dir,
    )
    from kd_sandbox.lm.students import Sizes, within
    from kd_sandbox.lm.teacher import TeacherSettings, load_or_train_teacher, teacher_dir

    config = run_config(spec)
    if device is None:
        device = pick_device()
    settings = teacher_settings or TeacherSettings()
    route_settings = route_teacher_settings or RouteTeacherSettings()
    # mode=onpolicy has its own task (routes on a map) and so its own teacher.
    directory = (
        route_teacher_dir(cache_dir, route_settings)
        if isinstance(config, OnPolicyRun)
        else teacher_dir(cache_dir, settings)
    )
    teacher_share = 0.0 if (directory / "report.json").exists() else 0.4
    teaching, running = within(progress, 0.0, teacher_share), within(progress, teacher_share, 1)
    threads = torch.get_num_threads()
    torch.set_num_threads(min(TORCH_THREADS, threads))
    teacher: RouteTeacher | Teacher
    try:
        if isinstance(config, OnPolicyRun):
            teacher = load_or_train_route_teacher(cache_dir, route_settings, teaching, device)
            _call(on_teacher_ready)
            result = run_onpolicy(config, teacher, sizes or Sizes(), running)
        else:
            teacher = load_or_train_teacher(cache_dir, settings, teaching, device)
            _call(on_teacher_ready)
            result = run_mode(config, teacher, sizes or Sizes(), running)
    finally:
        torch.set_num_threads(threads)  # the worker's other runs keep their own setting
    result.metrics["device"] = device.type
    trained_s = teacher.train_seconds if teacher.trained_now else None
    result.caption = with_run_notes(result.caption, device.type, trained_s)
    if trained_s is not None:
        result.metrics["teacher_train_s"] = trained_s
    return result


def with_run_notes(caption: str, device: str, teacher_trained_s: float | None) -> str:
    """The caption, the device it ran on, and the teacher's one-time training if it was
    trained for this run; cut to Telegram's limit with an ellipsis."""
    caption += f" Ran on {device.upper()}."
    if teacher_trained_s is not None:
        caption += (
            f"\n(First run: the teacher was trained now, in {teacher_trained_s:.0f} s; "
            "it is cached.)"
        )
    return fit_caption(caption)


def cache_teachers(cache_dir: Path, device: torch.device | None = None) -> None:
    """Train and save each teacher of the LM modes that is not cached yet: the chain
    teacher (tokens, traces, preference) and onpolicy's route teacher, on ``device`` (by
    default as a run picks it)."""
    from kd_sandbox.kd.device import pick_device
    from kd_sandbox.lm.route_teacher import RouteTeacherSettings, load_or_train_route_teacher
    from kd_sandbox.lm.teacher import TeacherSettings, load_or_train_teacher

    device = device or pick_device()
    load_or_train_teacher(cache_dir, TeacherSettings(), device=device)
    load_or_train_route_teacher(cache_dir, RouteTeacherSettings(), device=device)


def _call(hook: Callable[[], None] | None) -> None:
    if hook is not None:
        hook()
