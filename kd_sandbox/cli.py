"""``distillbot distill [settings | help [mode=…]] --out curve.png [--json] [--cache-dir DIR]``.

Runs the same experiment as the bot's /distill, in this process, and writes the picture.
torch is imported only after the settings parsed, so a typo answers at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kd_sandbox.spec import (
    BUGS,
    MODES,
    HelpRequested,
    RunSpec,
    SettingsError,
    help_text,
    parse_settings,
)
from kd_sandbox.teacher_config import TeacherConfig, teacher_for

EXIT_BAD_SETTINGS = 2
EXIT_RUN_FAILED = 1


def default_cache_dir() -> Path:
    """``$DISTILL_CACHE_DIR``, else ``$XDG_CACHE_HOME/distill-drops``, else ~/.cache/…"""
    explicit = os.environ.get("DISTILL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "distill-drops"


def main(argv: list[str] | None = None) -> int:
    """Parse, run, write the PNG, print the numbers. Returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or argparse's own usage error (status 2)
        return int(stop.code or 0)
    try:
        spec = parse_settings(" ".join(args.settings))
    except HelpRequested as asked:
        print(asked)
        return 0
    except SettingsError as error:
        print(f"distill: {error}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    return _run(spec, args.out, args.cache_dir, args.json, args.threads)


def _run(spec: RunSpec, out: Path, cache_dir: Path, as_json: bool, threads: int) -> int:
    import torch

    from kd_sandbox.digits.runner import run

    torch.set_num_threads(threads)
    try:
        result = run(spec, cache_dir)
        out.write_bytes(result.png)
    except (OSError, RuntimeError, ValueError) as error:
        print(f"distill: the run failed: {error}", file=sys.stderr)
        return EXIT_RUN_FAILED
    if as_json:
        report = {
            "settings": spec.used(),  # what the run read, nothing it ignored
            "metrics": result.metrics,
            "caption": result.caption,
            "wall_s": result.wall_s,
            "png": str(out),
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(result.caption)
        print(f"\nPicture: {out}")
    return 0


EXPLORER_DIGIT = 7  # the digit drop 2.2's example is about


def write_teacher_logits(cache_dir: Path, out: Path) -> Path:
    """Write the cached teacher's logits for a real "7" as JSON (the temperature
    explorer's second preset), so the bot can serve them without importing torch."""
    from kd_sandbox.digits.runner import teacher_logits

    record = teacher_logits(cache_dir, EXPLORER_DIGIT)
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return out


SILENT_FAILURES_SEED = 0  # the seed drop 2.5's figure and text name


def write_bug_runs(cache_dir: Path, out: Path, seed: int = SILENT_FAILURES_SEED) -> Path:
    """Run every ``bug=…`` of /distill at its own defaults and write what drop 2.5 draws
    and quotes as JSON (see ``bug_run``). The same runs as ``distillbot distill bug=…
    seed=…``, so the lesson cannot drift from the sandbox; the bot and the course read
    the file without importing torch."""
    runs = [bug_run(bug, cache_dir, seed) for bug in BUGS if bug != "none"]
    record = {"seed": seed, "runs": runs}
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return out


def bug_run(bug: str, cache_dir: Path, seed: int = SILENT_FAILURES_SEED) -> dict[str, Any]:
    """``/distill bug=… seed=…`` at the bug's defaults: its settings, the accuracies, and
    the correct and broken arms' logged loss curves."""
    from kd_sandbox.digits.runner import run

    spec = parse_settings(f"bug={bug} seed={seed}")
    metrics = run(spec, cache_dir).metrics
    curves = metrics["curves"]
    arms = {arm["key"]: arm for arm in curves["arms"]}
    return {
        "bug": bug,
        "settings": spec.used(),
        "device": metrics["device"],
        "teacher_dropout": teacher_for(bug, TeacherConfig()).dropout,
        "teacher_acc": round(metrics["teacher_acc"], 5),
        "hard_acc": round(metrics["hard_acc"], 5),
        "kd_acc": round(metrics["kd_acc"], 5),
        "broken_acc": round(metrics["broken_acc"], 5),
        "loss_steps": curves["loss_steps"],
        "kd_loss": arms["kd"]["loss"],
        "broken_loss": arms["broken"]["loss"],
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="distillbot distill",
        description="Run a /distill experiment offline and write its picture.",
        # A terminal has room: the overview, then every mode's settings with their ranges.
        epilog="\n\n".join([help_text(), *(help_text(mode) for mode in MODES)]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("settings", nargs="*", help="key=value settings, as after /distill")
    parser.add_argument("--out", type=Path, default=Path("distill.png"), help="PNG to write")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=default_cache_dir(),
        help="where teachers are cached (default: %(default)s)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    return parser
