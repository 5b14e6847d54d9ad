"""The PNG a /distill digits run sends back, drawn for a phone (see ``kd_sandbox.phone_style``).

matplotlib is imported inside the functions: only the worker process ever draws. The
object API (``Figure`` + Agg canvas) keeps pyplot's global state out of a long-lived
process. The ``*_figure`` functions return the laid-out figure, for inspection by tests.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from kd_sandbox.digits.captions import percent
from kd_sandbox.digits.outcome import ArmCurves, ExperimentOutcome, TemperatureOutcome
from kd_sandbox.phone_style import (
    BLACK,
    BLUE,
    DASH_DOT,
    DASH_DOT_DOT,
    DASHED,
    DOTTED,
    GREY,
    LONG_DASH,
    MIN_TEXT_PT,
    ORANGE,
    SKY,
    SOLID,
    SPARSE_DOT,
    VERMILLION,
    legend_below,
    log_scale_if_spanning_decades,
    phone_figure,
    phone_style,
    png_bytes,
)
from kd_sandbox.spec import OmitRun

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

EXPERIMENT_HEIGHT_PX = 1350
TEMPERATURE_HEIGHT_PX = 1000
COLOURS = {"hard": GREY, "kd": BLUE, "broken": VERMILLION, "teacher": BLACK}
SOFT_TINT = {"kd": SKY, "broken": ORANGE}
# Each line of a panel has its own dash as well as its arm's colour. KD's accuracy is drawn
# thick and first, so a broken arm that tracks it (a bug that cost nothing in that run)
# shows on top of it.
KD_WIDTH = 5.0
TITLE_WIDTH_CHARS = 70


def experiment_png(outcome: ExperimentOutcome) -> bytes:
    """Losses over steps (top) and test accuracy over steps (bottom); for mode=omit also
    the omitted digit's accuracy, raw and after the bias shift (top right)."""
    return png_bytes(experiment_figure(outcome))


def experiment_figure(outcome: ExperimentOutcome) -> Figure:
    """The figure behind :func:`experiment_png`."""
    with phone_style():
        figure = phone_figure(EXPERIMENT_HEIGHT_PX)
        if outcome.omit is not None:
            grid = figure.add_gridspec(2, 3)
            loss_axes = figure.add_subplot(grid[0, :2])
            _omit_bars(figure.add_subplot(grid[0, 2]), outcome)
            accuracy_axes = figure.add_subplot(grid[1, :])
        else:
            loss_axes, accuracy_axes = figure.subplots(2, 1)
        _loss_panel(loss_axes, outcome)
        _accuracy_panel(accuracy_axes, outcome)
        figure.suptitle(_title(outcome))
    return figure


def temperature_png(outcome: TemperatureOutcome) -> bytes:
    """The test image and the teacher's distribution over digits at each temperature."""
    return png_bytes(temperature_figure(outcome))


def temperature_figure(outcome: TemperatureOutcome) -> Figure:
    """The figure behind :func:`temperature_png`."""
    # The image, a panel per temperature and the entropy panel, three to a row: a T of
    # the learner's own beside the usual four needs a third row (it took the entropy's).
    rows = math.ceil((len(outcome.temperatures) + 2) / 3)
    with phone_style():
        figure = phone_figure(TEMPERATURE_HEIGHT_PX * rows // 2)
        _draw_temperatures(figure, outcome, rows)
    return figure


def _draw_temperatures(figure: Figure, outcome: TemperatureOutcome, rows: int) -> None:
    cells = figure.subplots(rows, 3).flatten()
    image_axes = cells[0]
    image_axes.imshow(outcome.image, cmap="gray_r", vmin=0.0, vmax=1.0)
    image_axes.set_title(f"test image (a {outcome.label})")
    image_axes.set_xticks([])
    image_axes.set_yticks([])
    image_axes.grid(False)
    bar_cells = cells[1 : 1 + len(outcome.temperatures)]
    for axes, temperature, probabilities in zip(
        bar_cells, outcome.temperatures, outcome.probabilities, strict=True
    ):
        colours = [BLUE if d == outcome.label else SKY for d in range(10)]
        axes.bar(range(10), probabilities, color=colours)
        axes.set_ylim(0, 1.15)
        axes.set_xticks(range(0, 10, 3))
        axes.set_title(f"T = {temperature:g}")
        runner_up = max((p, d) for d, p in enumerate(probabilities) if d != outcome.label)
        axes.annotate(
            f"{runner_up[1]}: {percent(runner_up[0], decimals=0)}",
            (runner_up[1], runner_up[0]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=MIN_TEXT_PT,
        )
    entropy_axes, *spare = cells[1 + len(outcome.temperatures) :]
    _entropy_panel(entropy_axes, outcome)
    for axes in spare:
        axes.set_axis_off()
    figure.suptitle(
        f"Teacher's soft targets at several T\n(mode=temperature digit={outcome.label}"
        f" seed={outcome.spec.seed})"
    )


def prewarm_plotting() -> None:
    """Import matplotlib and draw a tiny figure, loading the font cache now."""
    with phone_style():
        figure = phone_figure(100)
        figure.suptitle("warm-up")
        png_bytes(figure)


def _title(outcome: ExperimentOutcome) -> str:
    spec = outcome.spec
    words = [f"T={spec.T:g}", f"α={spec.alpha:g}", f"steps={spec.steps}", f"lr={spec.lr:g}"]
    words.append(f"seed={spec.seed}")
    if isinstance(spec, OmitRun):
        words += ["mode=omit", f"digit={spec.digit}"]
    if spec.optimizer != "adam":
        words.append(f"optimizer={spec.optimizer}")
    if spec.bug != "none":
        words.append(f"bug={spec.bug}")
    settings = textwrap.fill("  ".join(words), TITLE_WIDTH_CHARS)
    return f"{settings}\nstudent {outcome.student} on {outcome.transfer_size} images"


def _loss_panel(axes: Axes, outcome: ExperimentOutcome) -> None:
    plotted: list[float] = []
    for arm in outcome.arms:
        colour = COLOURS[arm.key]
        steps = range(1, len(arm.loss_total) + 1)
        if arm.key == "hard":
            axes.plot(steps, arm.loss_total, color=colour, ls=DASH_DOT, label="hard labels: CE")
            plotted += arm.loss_total
            continue
        kd = arm.key == "kd"
        name = "KD" if kd else "broken"
        total, soft = (SOLID, DASHED) if kd else (LONG_DASH, DASH_DOT_DOT)
        # At alpha near 1 the soft part is nearly the total: a thick total underneath and
        # a lighter, thinner soft part on top keep both in sight.
        axes.plot(steps, arm.loss_total, color=colour, ls=total, lw=5, label=f"{name}: total")
        axes.plot(
            steps, arm.loss_soft, color=SOFT_TINT[arm.key], ls=soft, lw=2.5,
            label=f"{name}: soft part",
        )  # fmt: skip
        if outcome.spec.bug == "none":
            axes.plot(steps, arm.loss_hard, color=colour, ls=DOTTED, label="KD: hard part")
        plotted += arm.loss_total + arm.loss_soft
    if not log_scale_if_spanning_decades(axes, plotted):
        axes.axhline(0.0, color=BLACK, lw=1)
    axes.set_xlabel("step")
    axes.set_ylabel("training loss")
    axes.set_title("loss: soft = α·T²·KL, hard = (1−α)·CE")
    legend_below(axes)


def _accuracy_panel(axes: Axes, outcome: ExperimentOutcome) -> None:
    axes.axhline(
        100 * outcome.teacher_accuracy,
        color=COLOURS["teacher"],
        ls=LONG_DASH,
        lw=2.5,
        label=f"teacher {outcome.teacher_accuracy:.1%}",
    )
    own_dash = {"hard": DASH_DOT, "kd": SOLID, "broken": DASHED}
    digit_dash = {"hard": DOTTED, "kd": DASH_DOT_DOT}
    for arm in outcome.arms:
        label = f"{arm.label} {arm.final_accuracy:.1%}"
        width = KD_WIDTH if arm.key == "kd" else 3.0
        _accuracy_line(axes, arm, arm.test_accuracy, label, own_dash[arm.key], width)
        if outcome.omit is not None and arm.key != "broken":
            digit_curve = arm.digit_accuracy(outcome.omit.digit)
            name = "KD" if arm.key == "kd" else "hard labels"
            label = f"{name}: on {outcome.omit.digit}s"
            _accuracy_line(axes, arm, digit_curve, label, digit_dash[arm.key], 3.0)
        if arm.teacher_accuracy:
            axes.plot(
                arm.eval_steps,
                [100 * a for a in arm.teacher_accuracy],
                color=COLOURS["broken"],
                ls=SPARSE_DOT,
                lw=3.5,
                label="teacher, as the broken arm used it",
            )
    axes.set_ylim(0, 100)
    axes.set_xlabel("step")
    axes.set_ylabel("test accuracy (%)")
    axes.set_title("test accuracy")
    legend_below(axes)


def _accuracy_line(
    axes: Axes, arm: ArmCurves, accuracy: list[float], label: str, style: object, width: float
) -> None:
    axes.plot(
        arm.eval_steps,
        [100 * a for a in accuracy],
        color=COLOURS[arm.key],
        ls=style,
        lw=width,
        label=label,
    )


def _omit_bars(axes: Axes, outcome: ExperimentOutcome) -> None:
    omit = outcome.omit
    assert omit is not None
    raw = [100 * omit.hard_raw, 100 * omit.kd_raw]
    corrected = [100 * omit.hard_corrected, 100 * omit.kd_corrected]
    positions = [0.0, 1.0]
    width = 0.38
    raw_at = [p - width / 2 for p in positions]
    corrected_at = [p + width / 2 for p in positions]
    axes.bar(raw_at, raw, width, color=SKY, hatch="//", label="raw")
    axes.bar(corrected_at, corrected, width, color=BLUE, label="bias shift")
    for position, value in zip(raw_at + corrected_at, raw + corrected, strict=True):
        axes.annotate(
            f"{value:.0f}",
            (position, value),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=MIN_TEXT_PT,
        )
    axes.set_xticks(positions, ["hard", "KD"])
    axes.set_ylim(0, 118)
    axes.set_title(f"{omit.digit}s right (%)")
    axes.grid(False)
    legend_below(axes, ncols=1)


def _entropy_panel(axes: Axes, outcome: TemperatureOutcome) -> None:
    entropies = [
        -sum(p * math.log2(p) for p in probabilities if p > 0)
        for probabilities in outcome.probabilities
    ]
    axes.plot(outcome.temperatures, entropies, marker="o", color=BLUE, label="teacher")
    axes.axhline(math.log2(10), color=BLACK, ls=DASHED, lw=2, label="uniform")
    axes.set_xlabel("T")
    axes.set_ylabel("entropy (bits)")
    axes.set_title("flatter as T grows")
    if not log_scale_if_spanning_decades(axes, [*entropies, math.log2(10)]):
        axes.set_ylim(0, 3.6)
    legend_below(axes, ncols=1)
