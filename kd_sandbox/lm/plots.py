"""Curve panels for the LM modes, stacked for a phone (see ``kd_sandbox.phone_style``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kd_sandbox.phone_style import (
    BLACK,
    BLUE,
    DASH_DOT,
    DASH_DOT_DOT,
    DASHED,
    DOTTED,
    GREY,
    LONG_DASH,
    PURPLE,
    SOLID,
    SPARSE_DOT,
    legend_below,
    log_scale_if_spanning_decades,
    phone_figure,
    phone_style,
    png_bytes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# One colour per role, the same in every mode, the digits modes included
# (``kd_sandbox.digits.plots.COLOURS``): the baseline arm grey, the distilled arm blue, the
# teacher black. Vermillion stays the broken arm of a bug= run, never a distilled one.
BASELINE = GREY
DISTILLED = BLUE
TEACHER = BLACK
FLOOR = PURPLE

PANEL_HEIGHT_PX = 520
TITLE_HEIGHT_PX = 80
# A line's dash comes from its colour's rank in the panel and whether it is drawn dashed:
# the arms differ by colour and by dash, and a "dashed" series stays a broken line.
SOLID_DASHES = (SOLID, DASH_DOT, DASH_DOT_DOT)
BROKEN_DASHES = (DASHED, DOTTED, SPARSE_DOT)
LEVEL_DASHES = (LONG_DASH, (0, (3.0, 4.0)), (0, (8.0, 2.0, 8.0, 6.0)))


class Curve(Protocol):
    """One line of a plot (``kd_sandbox.lm.training.Curve``): values at training steps."""

    @property
    def steps(self) -> Sequence[int]: ...

    @property
    def values(self) -> Sequence[float]: ...


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


def _smoothed(values: Sequence[float], window: int) -> list[float]:
    if window <= 1:
        return list(values)
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
    """The panels one above the other under one title, as PNG bytes 1200 px wide."""
    return png_bytes(panels_figure(title, panels))


def panels_figure(title: str, panels: list[Panel]) -> Figure:
    """The figure behind :func:`figure_png`."""
    with phone_style():
        figure = phone_figure(TITLE_HEIGHT_PX + PANEL_HEIGHT_PX * len(panels))
        axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, panel in zip(axes, panels, strict=True):
            _draw_panel(ax, panel)
        figure.suptitle(title, fontweight="bold")
    return figure


def _draw_panel(ax: Axes, panel: Panel) -> None:
    scale = 100.0 if panel.percent else 1.0
    colours = list(dict.fromkeys(s.color for s in panel.series))
    plotted: list[float] = []
    for s in panel.series:
        rank = colours.index(s.color) % len(SOLID_DASHES)
        values = [v * scale for v in _smoothed(s.curve.values, panel.smooth)]
        dash = (BROKEN_DASHES if s.dashed else SOLID_DASHES)[rank]
        # The first arm's line wider: one drawn over it leaves its colour showing.
        width = 4.5 if rank == 0 else 3.0
        ax.plot(s.curve.steps, values, color=s.color, ls=dash, lw=width, label=s.label)
        plotted += values
    for index, level in enumerate(panel.levels):
        dash = LEVEL_DASHES[index % len(LEVEL_DASHES)]
        ax.axhline(level.value * scale, color=level.color, ls=dash, lw=2.5, label=level.label)
        plotted.append(level.value * scale)
    if panel.percent:
        ax.set_ylim(0, 102)
    else:
        log_scale_if_spanning_decades(ax, plotted)
    ax.set_title(panel.title)
    ax.set_xlabel("training step")
    ax.set_ylabel(panel.ylabel + (" (%)" if panel.percent else ""))
    legend_below(ax, ncols=2 if len(panel.series) + len(panel.levels) < 5 else 3)
