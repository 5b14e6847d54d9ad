"""Every picture the bot sends is readable inline on a phone.

Telegram shows a photo about 340 CSS pixels wide in a chat. A picture drawn 1200 pixels
wide must then use text at least 26 pixels high, not be a thin strip, keep legends off
the data, cut nothing off, tell its lines apart by dash as well as colour, and use a log
axis where the values span decades. The /stats chart and every /distill picture (each
mode and each bug) are drawn here from small hand-made results, nothing trained; the
course figures are checked in full by tests/drops_figures (here: their committed PNGs'
size and shape).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import date

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.telegram.views.chart import forecast_figure, forecast_png
from drops.figures import FIGURES
from kd_sandbox.digits.outcome import ArmCurves, ExperimentOutcome, OmitNumbers, TemperatureOutcome
from kd_sandbox.digits.plots import experiment_figure, temperature_figure
from kd_sandbox.lm.plots import (
    BASELINE,
    DISTILLED,
    FLOOR,
    Level,
    Panel,
    Series,
    accuracy_panel,
    panels_figure,
)
from kd_sandbox.phone_style import ASPECT, MIN_TEXT_PX
from kd_sandbox.phone_style import WIDTH_PX as PHONE_WIDTH_PX
from kd_sandbox.spec import BUGS, CompareRun, OmitRun, parse_settings, run_config
from tests.drops_figures.lesson_files import FIGURES_FOLDER


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def phone_problems(fig: Figure) -> list[str]:
    """What makes ``fig`` hard to read at phone width; empty when nothing does."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width_px, height_px = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    problems = []
    if round(width_px) != PHONE_WIDTH_PX:
        problems.append(f"{width_px:.0f} px wide, not {PHONE_WIDTH_PX}")
    if not ASPECT[0] <= height_px / width_px <= ASPECT[1]:
        problems.append(f"{width_px:.0f} × {height_px:.0f} is a strip")
    scale = PHONE_WIDTH_PX / width_px
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            size_px = text.get_fontsize() * fig.dpi / 72 * scale
            if size_px < MIN_TEXT_PX:
                problems.append(f"{text.get_text()!r} is {size_px:.1f} px")
    box = fig.get_tightbbox(renderer)
    inches = fig.get_size_inches()
    slack = 2 / fig.dpi
    if box.x0 < -slack or box.y0 < -slack or box.x1 > inches[0] + slack:
        problems.append("something is cut off")
    if box.y1 > inches[1] + slack:
        problems.append("something is cut off")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            overlap = legend.get_window_extent(renderer).intersection(
                legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            )
            if overlap is not None and min(overlap.width, overlap.height) >= 2:
                problems.append("a legend covers the data")
        problems += _line_problems(ax)
    return problems


def _line_problems(ax: Axes) -> list[str]:
    """Series that share a dash, and values spanning decades on a linear axis.

    A series is a line in the legend; an unlabelled line (a zero mark) is not one."""
    lines = [
        line
        for line in ax.get_lines()
        if len(line.get_xdata()) > 0 and not str(line.get_label()).startswith("_")
    ]
    problems = []
    dashes: dict[object, str] = {}
    for line in lines:
        dash = repr(line._unscaled_dash_pattern)  # the pattern as set, before line width
        if dash in dashes:
            problems.append(f"{line.get_label()!r} and {dashes[dash]!r} share a dash")
        dashes[dash] = str(line.get_label())
    values = [float(v) for line in lines for v in line.get_ydata()]
    spans_decades = values and min(values) > 0 and max(values) >= 10 * min(values)
    if spans_decades and ax.get_yscale() != "log":
        problems.append(f"{ax.get_title()!r} spans decades on a linear axis")
    return problems


def text_sizes_px(fig: Figure) -> list[float]:
    return sorted(
        t.get_fontsize() * fig.dpi / 72 * PHONE_WIDTH_PX / (fig.get_figwidth() * fig.dpi)
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    )


@pytest.mark.parametrize(
    "counts",
    [[0] * 14, [3, 0, 5, 1, 0, 0, 12, 4, 0, 2, 1, 0, 0, 7], [250, 1, 90, 0] + [999] * 10],
)
def test_the_stats_chart_is_drawn_for_a_phone(counts: list[int]) -> None:
    fig = forecast_figure(counts, date(2026, 12, 6))
    assert phone_problems(fig) == []
    assert min(text_sizes_px(fig)) >= MIN_TEXT_PX
    width, height = png_size(forecast_png(counts, date(2026, 12, 6)))
    assert width == PHONE_WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1]


def test_the_check_catches_the_old_strip_chart() -> None:
    """The chart /stats sent before: 770 × 352 pixels, 8-point labels, a legend on the data."""
    fig = Figure(figsize=(7, 3.2), dpi=110, layout="constrained")
    ax = fig.subplots()
    ax.bar(range(14), range(14), label="due")
    ax.set_xticks(range(14), [f"Mon {d}" for d in range(14)], fontsize=8)
    ax.legend(loc="upper left")
    problems = phone_problems(fig)
    assert any("px wide" in p for p in problems) and any("strip" in p for p in problems)
    assert any("'Mon 1' is" in p for p in problems)
    assert "a legend covers the data" in problems


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_course_figure_is_phone_sized(name: str) -> None:
    width, height = png_size((FIGURES_FOLDER / f"{name}.png").read_bytes())
    assert width == PHONE_WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1], (width, height)


# --- /distill: every mode and every bug, from hand-made results ---------------------------


def _arm(key: str, final: float, losses: list[float], teacher: list[float]) -> ArmCurves:
    steps = len(losses)
    accuracy = [0.1 + (final - 0.1) * min(1.0, 3 * i / steps) for i in range(steps)]
    return ArmCurves(
        key=key,
        label={"hard": "hard labels", "kd": "KD", "broken": "broken KD"}[key],
        loss_total=losses,
        loss_soft=[x * 0.8 for x in losses],
        loss_hard=[x * 0.2 for x in losses],
        eval_steps=list(range(steps)),
        test_accuracy=accuracy,
        class_accuracy=[[a] * 10 for a in accuracy],
        teacher_accuracy=teacher,
    )


def _decaying(start: float, end: float, steps: int = 60) -> list[float]:
    return [start * (end / start) ** (i / (steps - 1)) for i in range(steps)]


def digits_outcome(settings: str) -> ExperimentOutcome:
    """A run's outcome as the digits experiment reports it, shaped like a real one."""
    spec = run_config(parse_settings(settings))
    assert isinstance(spec, CompareRun)
    arms = [_arm("hard", 0.88, _decaying(2.3, 0.05), []), _arm("kd", 0.95, _decaying(4.0, 0.2), [])]
    if spec.bug != "none":
        losses = _decaying(-5.0, -26.0) if spec.bug == "probs" else _decaying(4.0, 0.3)
        # A bug may cost nothing in some run (here train_teacher's) and track KD to the
        # point: the picture must still show both lines.
        broken = arms[1].test_accuracy[-1] if spec.bug == "train_teacher" else 0.6
        teacher = [0.975 - 0.3 * i / 60 for i in range(60)]
        arms.append(
            _arm("broken", broken, losses, teacher if spec.bug == "unfrozen_teacher" else [])
        )
        if spec.bug == "train_teacher":
            arms[2].test_accuracy = list(arms[1].test_accuracy)
    omit = None
    if isinstance(spec, OmitRun):
        omit = OmitNumbers(spec.digit, 0.1, 0.0, 0.09, 16.2, 0.85, 0.95, 1.2, 0.95)
    return ExperimentOutcome(
        spec=spec,
        student="64-16-10",
        transfer_size=1200,
        teacher_accuracy=0.976,
        arms=arms,
        device="cpu",
        omit=omit,
        wall_s=1.9,
    )


def temperature_outcome(temperatures: list[float]) -> TemperatureOutcome:
    def at(t: float) -> list[float]:
        weights = [math.exp((9.0 if d == 3 else (3.0 if d == 8 else 0.0)) / t) for d in range(10)]
        return [w / sum(weights) for w in weights]

    return TemperatureOutcome(
        spec=run_config(parse_settings("mode=temperature")),
        image=[[(r * c % 7) / 6 for c in range(8)] for r in range(8)],
        label=3,
        temperatures=temperatures,
        probabilities=[at(t) for t in temperatures],
        teacher_accuracy=0.97,
        device="cpu",
        wall_s=0.2,
    )


DIGITS_RUNS = ["", "mode=omit digit=3", "mode=omit digit=3 bug=train_teacher"]
DIGITS_RUNS += [f"bug={bug}" for bug in BUGS if bug != "none"]


@pytest.mark.parametrize("settings", DIGITS_RUNS)
def test_each_digits_run_picture_is_drawn_for_a_phone(settings: str) -> None:
    fig = experiment_figure(digits_outcome(settings))
    assert phone_problems(fig) == []
    assert min(text_sizes_px(fig)) >= MIN_TEXT_PX


def test_the_temperature_picture_is_drawn_for_a_phone() -> None:
    fig = temperature_figure(temperature_outcome([1.0, 2.0, 4.0, 8.0]))
    assert phone_problems(fig) == []
    assert min(text_sizes_px(fig)) >= MIN_TEXT_PX


@dataclass
class FakeCurve:
    steps: list[int]
    values: list[float]


def _curve(values: list[float]) -> FakeCurve:
    return FakeCurve(list(range(0, 10 * len(values), 10)), values)


ACCURACY = accuracy_panel(
    0.97, ("distilled", _curve([0.1, 0.5, 0.8, 0.9])), ("baseline", _curve([0.1, 0.3, 0.5, 0.6]))
)
# Each LM mode's panels as the mode builds them, with values of a real run's magnitude.
LM_PICTURES = {
    "tokens": [
        ACCURACY,
        Panel(
            "distance to the teacher",
            "KL(teacher ‖ student), nats/token",
            [
                Series("KD student", _curve(_decaying(3.0, 0.007, 8)), DISTILLED),
                Series("plain student", _curve(_decaying(3.0, 0.035, 8)), BASELINE),
            ],
        ),
    ],
    "traces": [
        accuracy_panel(
            0.97,
            ("student on traces", _curve([0.1, 0.6, 0.9])),
            ("student on answers", _curve([0.1, 0.2, 0.3])),
            Level("most common answer 12%", 0.12, FLOOR),
        ),
        Panel(
            "training loss per token",
            "cross-entropy",
            [
                Series("on traces", _curve(_decaying(2.5, 0.04, 200)), DISTILLED),
                Series("on answers", _curve(_decaying(2.5, 0.9, 200)), BASELINE),
            ],
            smooth=20,
        ),
    ],
    "preference": [
        ACCURACY,
        Panel(
            "held-out pairs",
            "margin (—), chosen's log-ratio (- -)",
            [
                Series("DPO margin", _curve([0.0, 1.5, 3.0]), DISTILLED),
                Series("SFT margin", _curve([0.0, 0.4, 0.6]), BASELINE),
                Series("DPO chosen", _curve([0.0, -0.5, -1.2]), DISTILLED, dashed=True),
                Series("SFT chosen", _curve([0.0, 0.8, 1.1]), BASELINE, dashed=True),
            ],
            [Level("reference", 0.0, FLOOR)],
        ),
    ],
    "onpolicy": [
        ACCURACY,
        Panel(
            "on the student's own samples",
            "reverse KL, nats/token",
            [
                Series("on-policy", _curve(_decaying(1.2, 0.05, 8)), DISTILLED),
                Series("offline", _curve(_decaying(1.2, 0.3, 8)), BASELINE),
            ],
        ),
    ],
}


@pytest.mark.parametrize("mode", sorted(LM_PICTURES))
def test_each_language_model_picture_is_drawn_for_a_phone(mode: str) -> None:
    fig = panels_figure(f"mode={mode}: distilled vs. baseline", LM_PICTURES[mode])
    assert phone_problems(fig) == []
    assert min(text_sizes_px(fig)) >= MIN_TEXT_PX


def test_the_tokens_kl_panel_is_logarithmic() -> None:
    """0.007 against 0.035 nats/token read as equal on a linear 0–3 axis; not on a log one."""
    fig = panels_figure("tokens", LM_PICTURES["tokens"])
    assert fig.axes[1].get_yscale() == "log"


def test_the_check_catches_lines_told_apart_by_colour_only() -> None:
    fig = Figure(figsize=(12, 9), dpi=100)
    ax = fig.subplots()
    ax.plot([0, 1, 2], [3.0, 0.1, 0.01], color="red", label="KD")
    ax.plot([0, 1, 2], [3.0, 0.5, 0.05], color="blue", label="plain")
    problems = _line_problems(ax)
    assert "'plain' and 'KD' share a dash" in problems
    assert "'' spans decades on a linear axis" in problems
