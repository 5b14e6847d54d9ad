"""A learner's quiz settings: parsed from ``/settings key=value ...``, validated, applied.

Every problem in the input is reported at once, and nothing changes unless the
whole input is valid.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.services.quiz.learners import ensure_learner
from bot.storage.models import Learner

RETENTION_MIN, RETENTION_MAX = 0.80, 0.97
CAP_MIN, CAP_MAX = 5, 200
ON = ("on", "yes", "true", "1")
OFF = ("off", "no", "false", "0")

KEYS = {
    "retention": "retention",
    "desired_retention": "retention",
    "cap": "cap",
    "review_cap": "cap",
    "with_drop": "with_drop",
    "reviews_with_drop": "with_drop",
}

USAGE = (
    "Change them like this: `/settings retention=0.85 cap=30 with_drop=off`\n"
    f"• retention — how sure you want to be to remember an item when it comes back, "
    f"{RETENTION_MIN:.2f} to {RETENTION_MAX:.2f} (higher: more frequent reviews)\n"
    f"• cap — reviews a day at most, {CAP_MIN} to {CAP_MAX} (a backlog spreads over days)\n"
    "• with_drop — on: your due reviews are offered right after each drop's quiz; "
    "off: only when you send /review"
)


class SettingsError(ValueError):
    """The input has problems; ``problems`` lists each in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Changes:
    retention: float | None = None
    cap: int | None = None
    with_drop: bool | None = None

    def __bool__(self) -> bool:
        return (self.retention, self.cap, self.with_drop) != (None, None, None)


def parse_settings(text: str) -> Changes:
    """``"retention=0.85 cap=30 with_drop=off"`` → Changes; raises SettingsError."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for token in text.split():
        key, equals, value = token.partition("=")
        name = KEYS.get(key.lower())
        if not equals or not value:
            problems.append(
                f"write each setting as key=value, like retention=0.85 (not {_shown(token)})"
            )
        elif name is None:
            problems.append(
                f"there is no setting {_shown(key)}; the settings are retention, cap and with_drop"
            )
        elif name in values:
            problems.append(f"{name} is given twice")
        else:
            values[name] = value
    retention = _retention(values["retention"], problems) if "retention" in values else None
    cap = _cap(values["cap"], problems) if "cap" in values else None
    with_drop = _switch(values["with_drop"], problems) if "with_drop" in values else None
    if problems:
        raise SettingsError(problems)
    return Changes(retention, cap, with_drop)


def _retention(value: str, problems: list[str]) -> float | None:
    text = value.removesuffix("%")
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if value.endswith("%") or number > 1:
        number /= 100  # "85%" or "85" mean 0.85
    # Rounding keeps 0.80 in range when it arrives as 80% (0.8000000000000002 is not a bug).
    if not RETENTION_MIN <= round(number, 4) <= RETENTION_MAX:
        problems.append(
            f"retention must be a number from {RETENTION_MIN:.2f} to {RETENTION_MAX:.2f} "
            f"(like 0.9), not {_shown(value)}"
        )
        return None
    return round(number, 4)


def _cap(value: str, problems: list[str]) -> int | None:
    if not value.isascii() or not value.isdigit() or not CAP_MIN <= int(value) <= CAP_MAX:
        problems.append(
            f"cap must be a whole number from {CAP_MIN} to {CAP_MAX}, not {_shown(value)}"
        )
        return None
    return int(value)


def _switch(value: str, problems: list[str]) -> bool | None:
    if value.lower() in ON:
        return True
    if value.lower() in OFF:
        return False
    problems.append(f"with_drop must be on or off, not {_shown(value)}")
    return None


def _shown(text: str) -> str:
    """User input echoed in an error, clipped so a pasted novel stays out of the reply."""
    return repr(text if len(text) <= 20 else text[:20] + "…")


def apply(learner: Learner, changes: Changes) -> None:
    if changes.retention is not None:
        learner.desired_retention = changes.retention
    if changes.cap is not None:
        learner.review_cap = changes.cap
    if changes.with_drop is not None:
        learner.reviews_with_drop = changes.with_drop


def describe(learner: Learner) -> str:
    """The learner's settings as Markdown lines."""
    return (
        "**Your quiz settings**\n"
        f"• retention: {learner.desired_retention:.2f}\n"
        f"• cap: {learner.review_cap} reviews a day\n"
        f"• with_drop: {'on' if learner.reviews_with_drop else 'off'}"
    )


def save(session: Session, user_id: int, first_name: str, changes: Changes) -> str:
    """Apply validated ``changes`` to the learner's settings; describe them as they now are."""
    learner = ensure_learner(session, user_id, first_name)
    apply(learner, changes)
    session.add(learner)
    return describe(learner)
