"""Side-by-side curve panels for the LM modes, drawn for a phone screen (1200×900 PNG)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from kd_sandbox.lm.training import Curve

# One colour per role, the same in every mode: the baseline arm is grey-blue, the
# distilled arm orange, the teacher black.
BASELINE = "#4C72B0"
DISTILLED = "#DD8452"
TEACHER = "#222222"
FLOOR = "#999999"


@dataclass(frozen=True)
class Series:
    label: str
    curve: Curve
    color: str
    dashed: bool = False


@dataclass(frozen=True)
class Level:
    """A horizontal reference line (the teacher's accuracy, a chance level...)."""

    label: str
    value: float
    color: str


@dataclass(frozen=True)
class Panel:
    title: str
    ylabel: str
    series: list[Series]
    levels: list[Level] = field(default_factory=list)
    percent: bool = False  # values are fractions shown as 0–100 %
    smooth: int = 1  # moving-average window for noisy per-step curves


def _smoothed(values: list[float], window: int) -> list[float]:
    if window <= 1:
        return values
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def accuracy_panel(
    teacher_accuracy: float,
    distilled: tuple[str, Curve],
    baseline: tuple[str, Curve],
    *extra: Level,
) -> Panel:
    """The panel every LM mode shows first: both students' held-out exact match."""
    return Panel(
        "held-out exact match",
        "problems right",
        [Series(*distilled, DISTILLED), Series(*baseline, BASELINE)],
        [Level(f"teacher {teacher_accuracy:.0%}", teacher_accuracy, TEACHER), *extra],
        percent=True,
    )


def figure_png(title: str, panels: list[Panel]) -> bytes:
    """The panels side by side under one title, as PNG bytes (1200×900 px)."""
    figure = Figure(figsize=(8, 6), dpi=150)
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels, strict=True):
        scale = 100.0 if panel.percent else 1.0
        for s in panel.series:
            values = [v * scale for v in _smoothed(s.curve.values, panel.smooth)]
            ax.plot(
                s.curve.steps,
                values,
                color=s.color,
                linestyle="--" if s.dashed else "-",
                linewidth=2.5,
                label=s.label,
            )
        for level in panel.levels:
            ax.axhline(
                level.value * scale,
                color=level.color,
                linestyle=":",
                linewidth=2,
                label=level.label,
            )
        if panel.percent:
            ax.set_ylim(0, 102)
        ax.set_title(panel.title, fontsize=13)
        ax.set_xlabel("training step", fontsize=13)
        ax.set_ylabel(panel.ylabel + (" (%)" if panel.percent else ""), fontsize=13)
        ax.tick_params(labelsize=12)
        ax.grid(alpha=0.3)
        # Under the axes, so that no curve is ever hidden behind it.
        ax.legend(
            fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False
        )
    figure.suptitle(title, fontsize=16, fontweight="bold")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
