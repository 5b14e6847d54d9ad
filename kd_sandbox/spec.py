"""What a /distill run is asked to do: settings parsed from ``key=value`` text.

This module is imported by the bot process and by the drop validator, so it must stay
free of torch. Every setting has a stated range; a wrong one raises ``SettingsError``
with a message that names it and shows what is allowed.

Each mode declares the settings it reads: its run configuration (``CompareRun``,
``TokensRun``, …) is a frozen dataclass whose fields are exactly those settings, under
the same names as in the chat message, and the mode's code receives only that object.
A setting the mode would not read is refused before any run starts, so nothing the
user typed is silently ignored, and ``RunSpec.as_settings`` (what the bot stores and
echoes) lists only settings the run used.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

from kd_sandbox.teacher_config import BUG_TEACHER_DROPOUT

MODES: dict[str, str] = {
    "compare": "teacher → student on digits: hard labels vs. the KD loss (default)",
    "temperature": "the teacher's distribution for one digit at several T",
    "omit": "Hinton's experiment: the transfer set has no images of `digit`",
    "tokens": "token-level KD of a tiny LM on noisy worked answers vs. plain training",
    "traces": "a student trained on the teacher's final answers vs. its full worked traces",
    "preference": "after dSFT: SFT on the teacher-preferred drafts, with DPO beside it or not",
    "onpolicy": "GKD-style on-policy distillation vs. offline distillation, same compute",
}
LM_MODES = frozenset({"tokens", "traces", "preference", "onpolicy"})

BUGS: dict[str, str] = {
    "none": "the correct loss",
    "no_t2": "the soft term is not multiplied by T²",
    "probs": "probabilities passed where F.kl_div wants log-probabilities",
    "mean": "reduction='mean' instead of 'batchmean'",
    "train_teacher": "the teacher's outputs are cached in train mode, dropout on",
    "unfrozen_teacher": "the teacher is not frozen and drifts with the student",
    "swapped": "the cached teacher outputs are misaligned with the batch",
}
DIVERGENCES = ("forward", "reverse", "jsd")
OPTIMIZERS = ("adam", "sgd")


class SettingsError(ValueError):
    """A setting that cannot be used; the message is meant for the user."""


class HelpRequested(SettingsError):
    """``help`` (optionally with ``mode=…``) was typed where settings were expected.

    A ``SettingsError`` so that a caller which only knows that class still answers with
    the message, which is the help text; callers that know it may show it as help.
    """


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
    "lr": _Range(float, 1e-5, 1.0, "learning rate"),
    "seed": _Range(int, 0, 999_999, "random seed for data, initialisation and batches"),
    "digit": _Range(int, 0, 9, "the digit to show (temperature) or to leave out (omit)"),
    "beta": _Range(float, 0.0, 1.0, "generalised JSD mixing weight (with divergence=jsd)"),
    "problems": _Range(int, 64, 8192, "training problems (worked answers) the students see"),
    "noise": _Range(float, 0.0, 0.5, "share of the training answers' digits redrawn at random"),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "mode": tuple(MODES),
    "bug": tuple(BUGS),
    "divergence": DIVERGENCES,
    "optimizer": OPTIMIZERS,
}
CHOICE_HELP = {
    "bug": "run a broken loss beside the correct one",
    "optimizer": "the students' optimiser (sgd: momentum 0.9; Adam hides a loss's scale)",
    "divergence": "what the student minimises against the teacher",
}
_ALIASES = {"t": "T", "temp": "T", "temperature": "T", "a": "alpha", "width": "hidden"}
# Whatever their case ("Alpha=0.5", "Steps=300": a phone capitalises a word by itself).
_KEY_OF = {**{key.lower(): key for key in [*RANGES, *CHOICES]}, **_ALIASES}
# "lr=0,05" or "steps=1,000": settings may be separated by commas, so a comma inside a
# number would split it into a wrong value and a stray token.
_COMMA_IN_NUMBER = re.compile(r"[^\s,=]+=[\d.]*\d,\d[\d.,]*")


# -- what each mode reads -----------------------------------------------------------


@dataclass(frozen=True)
class CompareRun:
    """mode=compare: hard labels vs. the KD loss on digits (with ``bug``, a broken one too)."""

    mode: ClassVar[str] = "compare"
    T: float
    alpha: float
    steps: int
    hidden: int
    per_class: int
    lr: float
    seed: int
    bug: str
    optimizer: str


@dataclass(frozen=True)
class OmitRun(CompareRun):
    """mode=omit: as compare, with no image of ``digit`` in the transfer set."""

    mode: ClassVar[str] = "omit"
    digit: int


@dataclass(frozen=True)
class TemperatureRun:
    """mode=temperature: the teacher's softmax(logits/T) for one test image of ``digit``."""

    mode: ClassVar[str] = "temperature"
    T: float
    digit: int
    seed: int


@dataclass(frozen=True)
class TokensRun:
    """mode=tokens: token-level KD (alpha·T²·KL + (1 − alpha)·CE) vs. plain CE."""

    mode: ClassVar[str] = "tokens"
    T: float
    alpha: float
    steps: int
    hidden: int
    lr: float
    seed: int
    problems: int
    noise: float


@dataclass(frozen=True)
class TracesRun:
    """mode=traces: SFT on the teacher's worked traces vs. on its answers alone."""

    mode: ClassVar[str] = "traces"
    steps: int
    hidden: int
    lr: float
    seed: int


@dataclass(frozen=True)
class PreferenceRun:
    """mode=preference: distilled SFT then DPO vs. SFT alone, the same number of steps."""

    mode: ClassVar[str] = "preference"
    steps: int
    hidden: int
    lr: float
    seed: int


@dataclass(frozen=True)
class OnPolicyRun:
    """mode=onpolicy: the tempered divergence on the student's own samples vs. the
    teacher's. ``beta`` is set only with ``divergence == "jsd"`` (None otherwise)."""

    mode: ClassVar[str] = "onpolicy"
    T: float
    divergence: str
    beta: float | None
    steps: int
    hidden: int
    lr: float
    seed: int


ModeRun = CompareRun | TemperatureRun | TokensRun | TracesRun | PreferenceRun | OnPolicyRun
"""The configuration one run uses: everything a mode's code may read."""

RUN_TYPES: dict[str, type[ModeRun]] = {
    "compare": CompareRun,
    "omit": OmitRun,
    "temperature": TemperatureRun,
    "tokens": TokensRun,
    "traces": TracesRun,
    "preference": PreferenceRun,
    "onpolicy": OnPolicyRun,
}

# A setting some modes read only together with another one's value.
_ONLY_WITH: dict[str, tuple[str, str]] = {"beta": ("divergence", "jsd")}

# Defaults that differ per mode: small LMs need other step counts and learning rates.
_MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "compare": {"steps": 1000, "lr": 0.01},
    "temperature": {},
    # T=8: hotter targets carry more about the unseen digit (raw ≥ 84% on 5 seeds).
    "omit": {"steps": 1000, "lr": 0.01, "T": 8.0},
    # Noisy, fewer worked answers: where the teacher's distribution knows what the
    # one-hot tokens get wrong (bench/bench_lm.py: KD ahead on every seed).
    # 400 steps, not 500: under 30 s on a busy 2-core machine, KD still 94-100% right.
    "tokens": {"steps": 400, "lr": 0.01, "hidden": 32, "problems": 2048, "noise": 0.3},
    "traces": {"steps": 900, "lr": 0.01},
    "preference": {"steps": 100, "lr": 0.001},
    # lr 0.01: at 0.003 the on-policy student had barely begun to read the map after 200
    # steps (about +7 points of recovery on seeds 0-1 in a prototype, not +45).
    "onpolicy": {"steps": 200, "lr": 0.01, "T": 1.0},
}

# A bug's own defaults: where the silent failure visibly costs accuracy (measured with
# bench/bench_sandbox.py on 5 seeds). Typed settings still win. Both loss-scale bugs
# need plain SGD: Adam divides each update by the gradient's size, so a loss that is a
# constant factor too small trains almost as well. no_t2 at T=8, alpha=0.5 shows the
# drop's story (the soft term, 64 times too weak, hands training to the hard labels);
# mean at alpha=1 has no hard term, so its 10 times too small soft term learns 10
# times slower in the same 300 steps.
BUG_DEFAULTS: dict[str, dict[str, Any]] = {
    "no_t2": {"T": 8.0, "alpha": 0.5, "optimizer": "sgd", "lr": 0.1, "steps": 300},
    "mean": {"T": 4.0, "alpha": 1.0, "optimizer": "sgd", "lr": 0.05, "steps": 300},
}


def settings_of(mode: str) -> tuple[str, ...]:
    """The settings ``mode`` reads, in the order of its run configuration."""
    return tuple(f.name for f in fields(RUN_TYPES[mode]))


@dataclass(frozen=True)
class RunSpec:
    """One /distill run as typed: every setting with a value (the mode's default where
    none was typed). Build it with ``parse_settings``; ``run_config`` gives the part the
    mode reads."""

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
    optimizer: str = "adam"
    problems: int = 512
    noise: float = 0.0
    # The settings typed, echoed even where they equal the default (``T=4``); not part
    # of the run: two specs that run the same are equal.
    typed: frozenset[str] = field(default=frozenset(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def used(self) -> dict[str, Any]:
        """``mode`` and the settings this mode reads, with their values."""
        return {"mode": self.mode, **asdict(run_config(self))}

    def as_settings(self) -> str:
        """The typed and the non-default settings as ``key=value`` text that parses back
        to this spec ("" for a bare /distill).

        Only settings the mode reads can be typed or differ from its defaults (the parser
        refuses the others), so this is exactly what the run used beyond the defaults,
        and what the learner typed.
        """
        base = replace(mode_defaults(self.mode, self.bug), mode="compare", bug="none")
        names = ["mode", "bug", *(f.name for f in fields(self) if f.name not in _NOT_LISTED)]
        return " ".join(
            f"{name}={_format(getattr(self, name))}"
            for name in names
            if name in self.typed or getattr(self, name) != getattr(base, name)
        )


_NOT_LISTED = ("mode", "bug", "typed")  # mode and bug lead the list; typed is no setting


def run_config(spec: RunSpec) -> ModeRun:
    """The configuration ``spec``'s mode runs with: its declared settings, by keyword."""
    run_type = RUN_TYPES[spec.mode]
    values = {name: getattr(spec, name) for name in settings_of(spec.mode)}
    for name, (other, needed) in _ONLY_WITH.items():
        if name in values and values[other] != needed:
            values[name] = None
    return run_type(**values)


def mode_defaults(mode: str, bug: str = "none") -> RunSpec:
    """What ``/distill mode=…`` (with ``bug=…``) runs when no other setting is typed."""
    return RunSpec(mode=mode, bug=bug, **{**_MODE_DEFAULTS[mode], **BUG_DEFAULTS.get(bug, {})})


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
        whole = _whole_number_in_other_notation(raw)
        if rng.kind is int and whole is not None:
            if not rng.low <= whole <= rng.high:
                raise SettingsError(
                    f"`{key}={_shown(raw)}` is out of range: {key} must be {rng.describe()}."
                ) from None
            raise SettingsError(
                f"`{key}={_shown(raw)}`: write {key} with digits only, as `{key}={whole}`."
            ) from None
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


def _whole_number_in_other_notation(raw: str) -> int | None:
    """``1e3`` or ``1000.0``: a whole number that ``int`` refuses but a reader sees."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() else None


def _parse_pairs(tokens: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for token in tokens:
        if "=" not in token:
            raise SettingsError(
                f"`{_shown(token)}` is not a setting. Write settings as key=value, "
                "for example `/distill T=4 alpha=0.9`."
            )
        raw_key, raw = token.split("=", 1)
        key = _KEY_OF.get(raw_key.lower(), raw_key)
        if key in values:
            raise SettingsError(f"`{key}` is given twice.")
        if key in CHOICES:
            allowed, raw = CHOICES[key], raw.lower()
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
    return values


def _refuse_unread(mode: str, values: dict[str, Any]) -> None:
    """Refuse the first typed setting that ``mode`` would not read."""
    reads = settings_of(mode)
    for key in values:
        if key == "mode":
            continue
        if key not in reads:
            raise SettingsError(
                f"`{key}` does nothing in mode={mode}, so no run was started. "
                f"mode={mode} takes: {', '.join(reads)}. "
                f"(`/distill help mode={mode}` shows their ranges.)"
            )
        if key in _ONLY_WITH:
            other, needed = _ONLY_WITH[key]
            if other in reads and values.get(other, getattr(mode_defaults(mode), other)) != needed:
                raise SettingsError(
                    f"`{key}` is read only with {other}={needed}, so no run was started. "
                    f"Add `{other}={needed}` or leave `{key}` out."
                )


def parse_settings(text: str) -> RunSpec:
    """Parse ``key=value`` pairs separated by spaces (or commas) into a ``RunSpec``.

    Raises ``SettingsError`` naming the first bad setting and what it allows, and also
    for a setting the chosen mode does not read. ``help`` (optionally followed by
    ``mode=…``) raises ``HelpRequested`` carrying the help text.
    """
    comma = _COMMA_IN_NUMBER.search(text)
    if comma is not None:
        raise SettingsError(
            f"`{_shown(comma.group())}`: write numbers without commas, decimals with a dot "
            "(`lr=0.05`) and thousands without a separator (`steps=1000`)."
        )
    tokens = text.replace(",", " ").split()
    if len(tokens) > 20:
        raise SettingsError("Too many settings: give at most 20 `key=value` pairs.")
    if tokens and tokens[0].lower() == "help":
        values = _parse_pairs(tokens[1:])
        if set(values) - {"mode"}:
            raise SettingsError("After `help`, give at most `mode=…`.")
        raise HelpRequested(help_text(values.get("mode")))
    values = _parse_pairs(tokens)
    mode = values.get("mode", "compare")
    _refuse_unread(mode, values)
    bug = values.get("bug", "none")
    merged = {**_MODE_DEFAULTS[mode], **BUG_DEFAULTS.get(bug, {}), **values}
    if bug != "none" and merged.get("alpha", RunSpec.alpha) == 0:
        # Every bug breaks the soft term or its teacher; at alpha=0 that term weighs
        # nothing, so the broken run would be the correct one under another name.
        raise SettingsError(
            f"`bug={bug}` breaks the soft (KD) term, and `alpha=0` gives that term no "
            "weight, so the bug would change nothing and no run was started. "
            "Leave `alpha` out or give it a value above 0."
        )
    return RunSpec(**merged, typed=frozenset(values))


def _describe_setting(key: str, default: RunSpec) -> str:
    if key in CHOICES:
        return (
            f"• `{key}` — {CHOICE_HELP.get(key, key)}: one of {', '.join(CHOICES[key])} "
            f"(default {getattr(default, key)})"
        )
    rng = RANGES[key]
    text = f"• `{key}` — {rng.help}; {rng.describe()} (default {_format(getattr(default, key))})"
    if key in _ONLY_WITH:
        other, needed = _ONLY_WITH[key]
        text += f"; only with {other}={needed}"
    return text


def _mode_help(mode: str) -> list[str]:
    default = mode_defaults(mode)
    lines = [f"**mode={mode}** — {MODES[mode]}", "Settings it takes:"]
    lines += [_describe_setting(key, default) for key in settings_of(mode)]
    if "bug" in settings_of(mode):
        lines.append("Bugs:")
        lines += [f"    – `{name}`: {text}" for name, text in BUGS.items() if name != "none"]
        tuned = [
            f"{b}: " + " ".join(f"{k}={_format(v)}" for k, v in d.items())
            for b, d in BUG_DEFAULTS.items()
            if d
        ]
        tuned += [f"{b}: a teacher with dropout {p:g}" for b, p in BUG_TEACHER_DROPOUT.items()]
        if tuned:
            lines.append("A bug brings its own defaults where it shows best: " + "; ".join(tuned))
    lines.append("Any other setting is refused in this mode.")
    return lines


def help_text(mode: str | None = None) -> str:
    """The /distill help: short, the modes and a few examples; with ``mode``, that mode's
    settings with their ranges and defaults."""
    if mode is not None:
        return "\n".join(_mode_help(mode))
    lines = [
        "**/distill** trains a small student from a cached teacher and sends the curves.",
        "Settings go after it as `key=value`, no spaces around `=`. Modes:",
    ]
    lines += [f"• `mode={name}` — {text}" for name, text in MODES.items()]
    lines += [
        "",
        "`/distill T=1` — nearly one-hot targets",
        "`/distill bug=no_t2` — what a silent failure looks like",
        "`/distill help mode=compare` — a mode's settings, ranges and defaults",
    ]
    return "\n".join(lines)
