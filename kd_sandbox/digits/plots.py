"""The PNG a /distill run sends back, sized and lettered for a phone screen.

matplotlib is imported inside the functions: only the worker process ever draws. The
object API (``Figure`` + Agg canvas) keeps pyplot's global state out of a long-lived
process.
"""

from __future__ import annotations

import io
import math
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from kd_sandbox.digits.outcome import ArmCurves, ExperimentOutcome, TemperatureOutcome
from kd_sandbox.spec import OmitRun

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE_INCHES = (12.0, 9.0)
DPI = 100  # 1200 x 900 pixels
COLOURS = {"hard": "#7f7f7f", "kd": "#1f77b4", "broken": "#d62728", "teacher": "#000000"}
FONT = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 16,
    "legend.fontsize": 14,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
}


def experiment_png(outcome: ExperimentOutcome) -> bytes:
    """Losses over steps (top) and test accuracy over steps (bottom); for mode=omit also
    the omitted digit's accuracy, raw and after the bias shift (top right)."""
    with _style():
        figure = _figure()
        _draw_experiment(figure, outcome)
        return _png(figure)


def _draw_experiment(figure: Figure, outcome: ExperimentOutcome) -> None:
    if outcome.omit is not None:
        grid = figure.add_gridspec(2, 3)
        loss_axes = figure.add_subplot(grid[0, :2])
        _omit_bars(figure.add_subplot(grid[0, 2]), outcome)
        accuracy_axes = figure.add_subplot(grid[1, :])
    else:
        loss_axes, accuracy_axes = figure.subplots(2, 1)
    _loss_panel(loss_axes, outcome)
    _accuracy_panel(accuracy_axes, outcome)
    figure.suptitle(_title(outcome), fontsize=18)


def temperature_png(outcome: TemperatureOutcome) -> bytes:
    """The test image and the teacher's distribution over digits at each temperature."""
    with _style():
        figure = _figure()
        _draw_temperatures(figure, outcome)
        return _png(figure)


def _draw_temperatures(figure: Figure, outcome: TemperatureOutcome) -> None:
    cells = figure.subplots(2, 3).flatten()
    image_axes = cells[0]
    image_axes.imshow(outcome.image, cmap="gray_r", vmin=0.0, vmax=1.0)
    image_axes.set_title(f"test image (a {outcome.label})")
    image_axes.set_xticks([])
    image_axes.set_yticks([])
    bar_cells = cells[1 : 1 + len(outcome.temperatures)]
    for axes, temperature, probabilities in zip(
        bar_cells, outcome.temperatures, outcome.probabilities, strict=True
    ):
        colours = [COLOURS["kd"] if d == outcome.label else "#9ecae1" for d in range(10)]
        axes.bar(range(10), probabilities, color=colours)
        axes.set_ylim(0, 1.05)
        axes.set_xticks(range(10))
        axes.set_title(f"T = {temperature:g}")
        runner_up = max((p, d) for d, p in enumerate(probabilities) if d != outcome.label)
        axes.annotate(
            f"{runner_up[1]}: {runner_up[0]:.0%}",
            (runner_up[1], runner_up[0]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=13,
        )
    for axes in cells[1 + len(outcome.temperatures) :]:
        _entropy_panel(axes, outcome)
    figure.suptitle(
        f"Teacher's soft targets at several T  (mode=temperature digit={outcome.label}"
        f" seed={outcome.spec.seed})",
        fontsize=18,
    )


def prewarm_plotting() -> None:
    """Import matplotlib and draw a tiny figure, loading the font cache now."""
    with _style():
        figure = _figure()
        figure.suptitle("warm-up")
        _png(figure)


def _style() -> AbstractContextManager[None]:
    import matplotlib

    style: Any = FONT  # matplotlib types rc keys as literals; these are all valid
    return matplotlib.rc_context(style)


def _figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _title(outcome: ExperimentOutcome) -> str:
    spec = outcome.spec
    settings = f"T={spec.T:g} α={spec.alpha:g} steps={spec.steps} lr={spec.lr:g} seed={spec.seed}"
    extra = f"  mode=omit digit={spec.digit}" if isinstance(spec, OmitRun) else ""
    extra += f"  optimizer={spec.optimizer}" if spec.optimizer != "adam" else ""
    extra += f"  bug={spec.bug}" if spec.bug != "none" else ""
    return f"{settings}{extra}\nstudent {outcome.student} on {outcome.transfer_size} images"


def _loss_panel(axes: Axes, outcome: ExperimentOutcome) -> None:
    plotted: list[float] = []
    for arm in outcome.arms:
        colour = COLOURS[arm.key]
        steps = range(1, len(arm.loss_total) + 1)
        if arm.key == "hard":
            axes.plot(steps, arm.loss_total, color=colour, lw=2, label="hard labels: CE")
            plotted += arm.loss_total
            continue
        name = "KD" if arm.key == "kd" else "broken"
        axes.plot(steps, arm.loss_total, color=colour, lw=2.5, label=f"{name}: total")
        axes.plot(steps, arm.loss_soft, color=colour, lw=1.5, ls="--", label=f"{name}: soft part")
        if outcome.spec.bug == "none":
            axes.plot(steps, arm.loss_hard, color=colour, lw=1.5, ls=":", label="KD: hard part")
        plotted += arm.loss_total + arm.loss_soft
    if plotted and min(plotted) > 0:
        axes.set_yscale("log")
    else:
        axes.axhline(0.0, color="black", lw=1)
    axes.set_xlabel("step")
    axes.set_ylabel("training loss")
    axes.set_title("loss (soft part = α·T²·KL, hard part = (1−α)·CE)")
    axes.legend(loc="best", ncols=2)
    axes.grid(alpha=0.3)


def _accuracy_panel(axes: Axes, outcome: ExperimentOutcome) -> None:
    axes.axhline(
        100 * outcome.teacher_accuracy,
        color=COLOURS["teacher"],
        ls="--",
        lw=1.5,
        label=f"teacher {outcome.teacher_accuracy:.1%}",
    )
    for arm in outcome.arms:
        _accuracy_line(axes, arm, arm.test_accuracy, f"{arm.label} {arm.final_accuracy:.1%}", "-")
        if outcome.omit is not None and arm.key != "broken":
            digit_curve = arm.digit_accuracy(outcome.omit.digit)
            name = "KD" if arm.key == "kd" else "hard labels"
            _accuracy_line(axes, arm, digit_curve, f"{name}: on {outcome.omit.digit}s", ":")
        if arm.teacher_accuracy:
            axes.plot(
                arm.eval_steps,
                [100 * a for a in arm.teacher_accuracy],
                color=COLOURS["broken"],
                ls="-.",
                lw=1.5,
                label="teacher, as the broken arm used it",
            )
    axes.set_ylim(0, 100)
    axes.set_xlabel("step")
    axes.set_ylabel("test accuracy (%)")
    axes.set_title("test accuracy")
    axes.legend(loc="best", ncols=2)
    axes.grid(alpha=0.3)


def _accuracy_line(
    axes: Axes, arm: ArmCurves, accuracy: list[float], label: str, style: str
) -> None:
    axes.plot(
        arm.eval_steps,
        [100 * a for a in accuracy],
        color=COLOURS[arm.key],
        ls=style,
        lw=2.5,
        label=label,
    )


def _omit_bars(axes: Axes, outcome: ExperimentOutcome) -> None:
    omit = outcome.omit
    assert omit is not None
    raw = [100 * omit.hard_raw, 100 * omit.kd_raw]
    corrected = [100 * omit.hard_corrected, 100 * omit.kd_corrected]
    positions = [0.0, 1.0]
    width = 0.38
    axes.bar([p - width / 2 for p in positions], raw, width, color="#bbbbbb", label="raw")
    axes.bar(
        [p + width / 2 for p in positions],
        corrected,
        width,
        color=COLOURS["kd"],
        label="bias shift",
    )
    for position, value in zip(
        [p - width / 2 for p in positions] + [p + width / 2 for p in positions],
        raw + corrected,
        strict=True,
    ):
        axes.annotate(
            f"{value:.0f}",
            (position, value),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=13,
        )
    axes.set_xticks(positions, ["hard", "KD"])
    axes.set_ylim(0, 112)
    axes.set_title(f"test {omit.digit}s correct (%)")
    axes.legend(loc="upper left", fontsize=12)


def _entropy_panel(axes: Axes, outcome: TemperatureOutcome) -> None:
    entropies = [
        -sum(p * math.log2(p) for p in probabilities if p > 0)
        for probabilities in outcome.probabilities
    ]
    axes.plot(outcome.temperatures, entropies, marker="o", lw=2.5, color=COLOURS["kd"])
    axes.axhline(math.log2(10), color="black", ls="--", lw=1, label="uniform")
    axes.set_xlabel("T")
    axes.set_ylabel("entropy (bits)")
    axes.set_title("flatter as T grows")
    axes.set_ylim(0, 3.6)
    axes.legend(loc="lower right")
