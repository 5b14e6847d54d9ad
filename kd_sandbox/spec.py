"""What a /distill run is asked to do: settings parsed from ``key=value`` text.

This module is imported by the bot process and by the drop validator, so it must stay
free of torch. Every setting has a stated range; a wrong one raises ``SettingsError``
with a message that names it and shows what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

MODES: dict[str, str] = {
    "compare": "teacher → student on digits: hard labels vs. the KD loss (default)",
    "temperature": "the teacher's distribution for one digit at several T",
    "omit": "Hinton's experiment: the transfer set has no images of `digit`",
    "tokens": "token-level KD of a tiny language model (next-token distribution at T)",
    "traces": "a student trained on the teacher's final answers vs. its full worked traces",
    "preference": "DPO on the teacher's preferred/rejected pairs vs. SFT on preferred only",
    "onpolicy": "GKD-style on-policy distillation vs. offline distillation, same compute",
}
LM_MODES = frozenset({"tokens", "traces", "preference", "onpolicy"})

BUGS: dict[str, str] = {
    "none": "the correct loss",
    "no_t2": "the soft term is not multiplied by T²",
    "probs": "probabilities passed where F.kl_div wants log-probabilities",
    "mean": "reduction='mean' instead of 'batchmean'",
    "train_teacher": "the teacher is left in train mode (dropout on)",
    "unfrozen_teacher": "the teacher is not frozen and drifts with the student",
    "swapped": "the cached teacher outputs are misaligned with the batch",
}
DIVERGENCES = ("forward", "reverse", "jsd")

# Defaults that differ per mode: small LMs need other step counts and learning rates.
_MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "compare": {"steps": 1000, "lr": 0.01},
    "temperature": {"steps": 1000, "lr": 0.01},
    "omit": {"steps": 1000, "lr": 0.01},
    "tokens": {"steps": 900, "lr": 0.01},
    "traces": {"steps": 900, "lr": 0.01},
    "preference": {"steps": 100, "lr": 0.001},
    "onpolicy": {"steps": 200, "lr": 0.003},
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message is meant for the user."""


@dataclass(frozen=True)
class _Range:
    kind: type
    low: float
    high: float
    help: str

    def describe(self) -> str:
        if self.kind is int:
            return f"a whole number from {int(self.low)} to {int(self.high)}"
        return f"a number from {self.low:g} to {self.high:g}"


RANGES: dict[str, _Range] = {
    "T": _Range(float, 0.5, 20.0, "temperature of the soft targets"),
    "alpha": _Range(float, 0.0, 1.0, "weight of the soft (KD) term; 1 − alpha goes to hard labels"),
    "steps": _Range(int, 10, 3000, "optimiser steps for each student"),
    "hidden": _Range(int, 2, 256, "student width (hidden units, or LM embedding size)"),
    "per_class": _Range(int, 1, 100, "labelled transfer images per class"),
    "lr": _Range(float, 1e-5, 1.0, "learning rate (Adam)"),
    "seed": _Range(int, 0, 999_999, "random seed for transfer images, initialisation and batches"),
    "digit": _Range(int, 0, 9, "the digit to show (temperature) or to leave out (omit)"),
    "beta": _Range(float, 0.0, 1.0, "generalised JSD mixing weight (onpolicy, divergence=jsd)"),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "mode": tuple(MODES),
    "bug": tuple(BUGS),
    "divergence": DIVERGENCES,
}
_ALIASES = {"t": "T", "temp": "T", "temperature": "T", "a": "alpha", "width": "hidden"}


@dataclass(frozen=True)
class RunSpec:
    """One /distill run. Values are validated; build it with ``parse_settings``."""

    mode: str = "compare"
    T: float = 4.0
    alpha: float = 0.9
    steps: int = 1000
    hidden: int = 16
    per_class: int = 10
    lr: float = 0.01
    seed: int = 0
    bug: str = "none"
    digit: int = 3
    divergence: str = "forward"
    beta: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def as_settings(self) -> str:
        """The non-default settings as ``key=value`` text that parses back to this spec."""
        base = parse_settings(f"mode={self.mode}")
        parts = [f"mode={self.mode}"] if self.mode != "compare" else []
        for f in fields(self):
            if f.name == "mode":
                continue
            value = getattr(self, f.name)
            if value != getattr(base, f.name):
                parts.append(f"{f.name}={_format(value)}")
        return " ".join(parts)


def _format(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shown(text: str, limit: int = 40) -> str:
    """User text as it may appear inside a `code` span of a message: cut, no backticks."""
    return text[:limit].replace("`", "'")


def _parse_number(key: str, raw: str) -> float | int:
    rng = RANGES[key]
    if len(raw) > 32:
        raise SettingsError(f"`{key}` is too long a value. {key} must be {rng.describe()}.")
    try:
        value: float | int = int(raw) if rng.kind is int else float(raw)
    except ValueError:
        raise SettingsError(
            f"`{key}={_shown(raw)}` is not {rng.describe()}. ({key}: {rng.help})"
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise SettingsError(f"`{key}={_shown(raw)}` is not {rng.describe()}.")
    if not rng.low <= value <= rng.high:
        raise SettingsError(
            f"`{key}={_shown(raw)}` is out of range: {key} must be {rng.describe()}."
        )
    return value


def parse_settings(text: str) -> RunSpec:
    """Parse ``key=value`` pairs separated by spaces (or commas) into a ``RunSpec``.

    Raises ``SettingsError`` naming the first bad setting and what it allows.
    """
    values: dict[str, Any] = {}
    tokens = text.replace(",", " ").split()
    if len(tokens) > 20:
        raise SettingsError("Too many settings: give at most 20 `key=value` pairs.")
    for token in tokens:
        if "=" not in token:
            raise SettingsError(
                f"`{_shown(token)}` is not a setting. Write settings as key=value, "
                "for example `/distill T=4 alpha=0.9`."
            )
        raw_key, raw = token.split("=", 1)
        key = _ALIASES.get(raw_key, raw_key)
        if key in values:
            raise SettingsError(f"`{key}` is given twice.")
        if key in CHOICES:
            allowed = CHOICES[key]
            if raw not in allowed:
                raise SettingsError(
                    f"`{key}={_shown(raw)}` is not known. {key} is one of: {', '.join(allowed)}."
                )
            values[key] = raw
        elif key in RANGES:
            values[key] = _parse_number(key, raw)
        else:
            known = ", ".join([*RANGES, *CHOICES])
            raise SettingsError(f"`{_shown(raw_key)}` is not a setting. Known settings: {known}.")
    mode = values.get("mode", "compare")
    merged = {**_MODE_DEFAULTS[mode], **values}
    spec = RunSpec(**merged)
    if spec.bug != "none" and spec.mode not in ("compare", "omit"):
        raise SettingsError("`bug` works with mode=compare or mode=omit only.")
    return spec


def with_overrides(spec: RunSpec, **changes: Any) -> RunSpec:
    """A copy of ``spec`` with some values changed (used by tests and benchmarks)."""
    return replace(spec, **changes)


def help_text() -> str:
    """The /distill help: every setting with its range and default, and examples."""
    d = RunSpec()
    lines = [
        "**/distill** trains a small student from a cached teacher and sends the curves.",
        "",
        "Settings, as `key=value` after the command:",
    ]
    for key, rng in RANGES.items():
        lines.append(
            f"• `{key}` — {rng.help}; {rng.describe()} (default {_format(getattr(d, key))})"
        )
    lines.append("• `mode` — one of:")
    lines.extend(f"    – `{name}`: {text}" for name, text in MODES.items())
    lines.append("• `bug` — run a broken loss beside the correct one:")
    lines.extend(f"    – `{name}`: {text}" for name, text in BUGS.items() if name != "none")
    lines.append(f"• `divergence` — {', '.join(DIVERGENCES)} (onpolicy)")
    lines += [
        "",
        "Examples:",
        "`/distill` — the default run (T=4, alpha=0.9, 1000 steps)",
        "`/distill T=1` — the same with flat-out hard-ish targets",
        "`/distill mode=omit digit=3` — can the student learn a digit it never saw?",
        "`/distill bug=probs` — what a silent failure looks like",
        "`/distill mode=temperature digit=7` — the teacher's soft targets at several T",
    ]
    return "\n".join(lines)
