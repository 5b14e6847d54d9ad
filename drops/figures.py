"""The course's figures, each drawn from a real computation rather than by hand.

``FIGURES`` maps a figure name (the ``figure:`` field of a drop's front matter) to a
function that builds it; ``render_figure`` turns one into PNG bytes and ``render_all``
writes every one to ``<out_dir>/<name>.png`` (the committed copies live in
``drops/figures/``). Only numpy, matplotlib's object API and scikit-learn's bundled digits
are used: no pyplot state, no torch, so the bot process can render a figure without
loading the sandbox. Drop 2.5's figure is drawn from the sandbox's own torch runs, which
``distillbot content figures`` records in ``drops/figures/silent_failures.json`` first.

The figures are read on a phone: 1200 pixels wide, every text at least 26 pixels high (see
``MIN_TEXT_PX``), legends outside the data, the Okabe–Ito colour-blind-safe palette.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from drops.explorer import SEVEN_LOGITS
from kd_sandbox.phone_style import DPI, TEXT_RC, WIDTH_PX, legend_below, phone_style
from kd_sandbox.phone_style import MIN_TEXT_PX as MIN_TEXT_PX

Array = npt.NDArray[np.float64]

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#777777"


SOFT_TARGET_TEMPERATURES: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 20.0)


def softmax(logits: npt.ArrayLike, temperature: float = 1.0) -> Array:
    """Softmax of ``logits / temperature`` along the last axis, computed stably."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    result: Array = e / e.sum(axis=-1, keepdims=True)
    return result


def _log_softmax(z: Array) -> Array:
    z = z - z.max(axis=-1, keepdims=True)
    result: Array = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return result


# --- soft_targets (drop 2.2) -------------------------------------------------------------


def soft_targets_figure() -> Figure:
    """A one-hot label beside the teacher's softmax for one "7" at rising temperatures."""
    fig = Figure(figsize=(12, 8), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3, sharey=True)
    digits = np.arange(10)
    label = 7
    panels: list[tuple[str, Array]] = [("hard label", np.eye(10)[label])]
    panels += [(f"T = {t:g}", softmax(SEVEN_LOGITS, t)) for t in SOFT_TARGET_TEMPERATURES]
    for ax, (title, probs) in zip(axes.flat, panels, strict=True):
        colours = [VERMILLION if d == label else BLUE for d in digits]
        ax.bar(digits, probs, color=colours, width=0.8)
        ax.set_title(title)
        ax.set_xticks(digits)
        ax.set_ylim(0, 1.08)
        others = 1.0 - probs[label]
        ax.text(
            0.03,
            0.95,
            f"not 7: {others:.1%}",
            transform=ax.transAxes,
            ha="left",
            va="top",
        )
    for ax in axes[1]:
        ax.set_xlabel("digit")
    for ax in axes[:, 0]:
        ax.set_ylabel("probability")
    fig.suptitle('One teacher, one "7" (illustrative logits): softmax(z / T)')
    return fig


# --- kl_asymmetry (drop 2.3) -------------------------------------------------------------

_KL_GRID = np.linspace(-8.0, 8.0, 801)


def _log_normal(x: Array, mean: float | Array, std: float | Array) -> Array:
    result: Array = -0.5 * ((x - mean) / std) ** 2 - np.log(std * np.sqrt(2 * np.pi))
    return result


def bimodal_log_density(x: Array) -> Array:
    """The "teacher": 0.6·N(−2, 0.7²) + 0.4·N(2, 0.7²), a distribution with two modes."""
    result: Array = np.logaddexp(
        np.log(0.6) + _log_normal(x, -2.0, 0.7), np.log(0.4) + _log_normal(x, 2.0, 0.7)
    )
    return result


@dataclass(frozen=True)
class GaussianFit:
    """The best single Gaussian ``N(mean, std²)`` under one direction of KL, in nats."""

    mean: float
    std: float
    kl: float


def gaussian_kls(mean: float | Array, std: float | Array) -> tuple[Array, Array]:
    """KL(p‖q) and KL(q‖p), in nats, between the bimodal p and ``q = N(mean, std²)``.

    Both integrals are Riemann sums on ``_KL_GRID``; the densities are handled in log
    space so that a q with almost no mass near one of p's modes still gives a finite,
    large KL(p‖q) instead of ``inf``. ``mean`` and ``std`` broadcast like numpy arrays.
    """
    x = _KL_GRID
    dx = float(x[1] - x[0])
    log_p = bimodal_log_density(x)
    log_q = _log_normal(x, np.asarray(mean)[..., None], np.asarray(std)[..., None])
    forward: Array = (np.exp(log_p) * (log_p - log_q)).sum(axis=-1) * dx
    reverse: Array = (np.exp(log_q) * (log_q - log_p)).sum(axis=-1) * dx
    return forward, reverse


def fit_gaussians() -> tuple[GaussianFit, GaussianFit]:
    """Grid-search the Gaussian q minimising KL(p‖q) and the one minimising KL(q‖p)."""
    means = np.round(np.arange(-4.0, 4.0 + 1e-9, 0.02), 2)
    stds = np.round(np.arange(0.2, 4.0 + 1e-9, 0.02), 2)
    # One mean at a time: the full (means, stds, grid) array would need about 0.5 GB.
    rows = [gaussian_kls(mean, stds) for mean in means]
    forward = np.stack([row[0] for row in rows])  # (means, stds)
    reverse = np.stack([row[1] for row in rows])

    def best(kl: Array) -> GaussianFit:
        i, j = np.unravel_index(int(kl.argmin()), kl.shape)
        return GaussianFit(float(means[i]), float(stds[j]), float(kl[i, j]))

    return best(forward), best(reverse)


def kl_asymmetry_figure() -> Figure:
    """A bimodal p fitted by one Gaussian q under forward and under reverse KL."""
    forward, reverse = fit_gaussians()
    x = _KL_GRID
    fig = Figure(figsize=(12, 8), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    ax.fill_between(
        x, np.exp(bimodal_log_density(x)), color=GREY, alpha=0.35, label="p: teacher (two modes)"
    )
    ax.plot(
        x,
        np.exp(_log_normal(x, forward.mean, forward.std)),
        color=BLUE,
        lw=4,
        label=f"q minimising KL(p‖q) = {forward.kl:.2f}: covers both",
    )
    ax.plot(
        x,
        np.exp(_log_normal(x, reverse.mean, reverse.std)),
        color=VERMILLION,
        lw=4,
        ls="--",
        label=f"q minimising KL(q‖p) = {reverse.kl:.2f}: picks one",
    )
    ax.set_xlim(-6, 6)
    ax.set_ylim(0, 0.62)
    ax.set_xlabel("x (the student's output space, one dimension)")
    ax.set_ylabel("density")
    fig.legend(loc="outside lower center", frameon=False)
    ax.set_title("Best single-Gaussian q for a two-mode p (KL in nats)")
    return fig


# --- silent_failures (drop 2.5) ----------------------------------------------------------

SILENT_FAILURES: dict[str, str] = {
    "no_t2": "forgot T²",
    "mean": "reduction='mean'",
    "probs": "probs for log-probs",
    "train_teacher": "cached in train mode",
    "unfrozen_teacher": "teacher not frozen",
    "swapped": "misaligned cache",
}
BUG_RUNS_FILE = "silent_failures.json"
BUG_RUNS_PATH = Path(__file__).resolve().parent / "figures" / BUG_RUNS_FILE
"""The sandbox's own torch runs of every ``/distill bug=…`` at its defaults, written by
``distillbot content figures`` (``kd_sandbox.cli.write_bug_runs``); drop 2.5 quotes them."""


@dataclass(frozen=True)
class BugRun:
    """One ``/distill bug=…`` run: the correct KD arm and the broken one, from one start."""

    bug: str
    settings: dict[str, object]
    teacher_dropout: float
    """The dropout rate of the teacher the run distilled from (a bug may bring its own)."""
    teacher_acc: float
    hard_acc: float
    kd_acc: float
    broken_acc: float
    loss_steps: Array
    kd_loss: Array
    broken_loss: Array

    @property
    def points_lost(self) -> float:
        """Test accuracy points the bug costs against the correct loss."""
        return 100 * (self.kd_acc - self.broken_acc)


def load_bug_runs(path: Path = BUG_RUNS_PATH) -> tuple[int, dict[str, BugRun]]:
    """The seed and, by bug name, the runs recorded in ``path``."""
    record = json.loads(path.read_text(encoding="utf-8"))
    runs = {
        run["bug"]: BugRun(
            bug=run["bug"],
            settings=run["settings"],
            teacher_dropout=run["teacher_dropout"],
            teacher_acc=run["teacher_acc"],
            hard_acc=run["hard_acc"],
            kd_acc=run["kd_acc"],
            broken_acc=run["broken_acc"],
            loss_steps=np.asarray(run["loss_steps"], dtype=np.float64),
            kd_loss=np.asarray(run["kd_loss"], dtype=np.float64),
            broken_loss=np.asarray(run["broken_loss"], dtype=np.float64),
        )
        for run in record["runs"]
    }
    return int(record["seed"]), runs


def silent_failures_figure(bug_runs: Path = BUG_RUNS_PATH) -> Figure:
    """Each bug's logged loss beside the correct KD loss from the same start, as
    ``/distill bug=…`` runs them (recorded in ``bug_runs``), with test accuracy in the legend."""
    seed, runs = load_bug_runs(bug_runs)
    fig = Figure(figsize=(12, 9), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3)
    for ax, (bug, title) in zip(axes.flat, SILENT_FAILURES.items(), strict=True):
        _loss_panel(ax, title, runs[bug])
    for ax in axes[1]:
        ax.set_xlabel("step")
    for ax in axes.flat:  # below the step labels (bottom row) or the tick labels (top row)
        legend_below(ax, ncols=1, gap_in=0.9 if ax in axes[1] else 0.5)
    for ax in axes[:, 0]:
        ax.set_ylabel("logged loss")
    fig.suptitle(f"/distill bug=… on digits, seed {seed}: correct KD loss vs. the bug")
    return fig


def _loss_panel(ax: Axes, title: str, run: BugRun) -> None:
    ax.plot(run.loss_steps, run.kd_loss, color=BLUE, lw=3, label=f"correct ({run.kd_acc:.1%})")
    ax.plot(
        run.loss_steps,
        run.broken_loss,
        color=VERMILLION,
        lw=3,
        ls="--",
        label=f"bug ({run.broken_acc:.1%})",
    )
    if min(run.kd_loss.min(), run.broken_loss.min()) > 0:
        ax.set_yscale("log")  # the losses span three decades; a log axis shows their shape
    else:
        ax.axhline(0.0, color=GREY, lw=1)
    ax.set_title(title)


# --- real digits and a small numpy network (drops 1.2, 2.1, 2.4) --------------------------

IntArray = npt.NDArray[np.int64]

# As in drop 2.4: the first 1,200 of scikit-learn's 1,797 digits train, the other 597 test.
DIGITS_TRAIN = 1200
KD_TEMPERATURE, KD_ALPHA = 4.0, 0.9  # the /distill sandbox's defaults (drops 2.1 and 2.4)


@functools.cache
def digits() -> tuple[Array, IntArray]:
    """scikit-learn's bundled 8 × 8 digits (no download): pixels in [0, 1], labels."""
    from sklearn.datasets import load_digits  # only the digit figures need scikit-learn

    images, labels = load_digits(return_X_y=True)
    return np.asarray(images, dtype=np.float64) / 16.0, np.asarray(labels, dtype=np.int64)


def _mlp(sizes: tuple[int, int, int], rng: np.random.Generator) -> list[Array]:
    """A one-hidden-layer net, initialised like PyTorch's nn.Linear: U(±1/√fan_in)."""
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        params += [
            rng.uniform(-bound, bound, (fan_in, fan_out)),
            rng.uniform(-bound, bound, fan_out),
        ]
    return params


def _mlp_forward(params: list[Array], x: Array) -> tuple[Array, Array]:
    """Logits and the ReLU hidden layer of ``x @ W1 + b1 → ReLU → @ W2 + b2``."""
    w1, b1, w2, b2 = params
    hidden = np.maximum(x @ w1 + b1, 0.0)
    return hidden @ w2 + b2, hidden


def _mlp_gradients(params: list[Array], x: Array, hidden: Array, d_logits: Array) -> list[Array]:
    d_hidden = (d_logits @ params[2].T) * (hidden > 0)
    return [x.T @ d_hidden, d_hidden.sum(axis=0), hidden.T @ d_logits, d_logits.sum(axis=0)]


class _Adam:
    """Adam (Kingma & Ba) with PyTorch's defaults, updating the arrays in place."""

    def __init__(self, params: list[Array], lr: float) -> None:
        self.params, self.lr, self.t = params, lr, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads: list[Array]) -> None:
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            m_hat = m / (1 - 0.9**self.t)
            v_hat = v / (1 - 0.999**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    # These small matrix products run fastest on one thread when the machine is busy, and
    # one thread adds them up in the same order on every machine.
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1):
        yield


@functools.cache
def digits_teacher() -> tuple[tuple[Array, ...], float]:
    """A 64 → 128 → 10 teacher: 200 full-batch Adam steps on the training digits.

    Returns its parameters and its accuracy on the 597 held-out digits.
    """
    with _one_blas_thread():
        return _train_digits_teacher()


def _train_digits_teacher() -> tuple[tuple[Array, ...], float]:
    x, y = digits()
    x_train, y_train = x[:DIGITS_TRAIN], y[:DIGITS_TRAIN]
    params = _mlp((64, 128, 10), np.random.default_rng(0))
    optimiser = _Adam(params, lr=0.01)
    one_hot = np.eye(10)[y_train]
    for _ in range(200):
        logits, hidden = _mlp_forward(params, x_train)
        d_logits = (softmax(logits) - one_hot) / len(y_train)
        optimiser.step(_mlp_gradients(params, x_train, hidden, d_logits))
    test_logits = _mlp_forward(params, x[DIGITS_TRAIN:])[0]
    accuracy = float((test_logits.argmax(axis=1) == y[DIGITS_TRAIN:]).mean())
    return tuple(params), accuracy


def teacher_on_test_digits() -> Array:
    """The teacher's softmax (T = 1) for each held-out digit, shape (597, 10)."""
    params, _ = digits_teacher()
    return softmax(_mlp_forward(list(params), digits()[0][DIGITS_TRAIN:])[0])


# --- digit_soft_targets (drop 1.2) --------------------------------------------------------


def two_sevens() -> tuple[int, int]:
    """Held-out "7"s the teacher gets right, with different runner-up digits.

    The first is the 7 with the largest runner-up probability; the second the 7 with the
    largest runner-up probability among those whose runner-up is another digit.
    Indices are into the held-out digits.
    """
    probs = teacher_on_test_digits()
    y_test = digits()[1][DIGITS_TRAIN:]
    sevens = np.flatnonzero((y_test == 7) & (probs.argmax(axis=1) == 7))
    others = probs[sevens].copy()
    others[:, 7] = 0.0
    runner_up, strength = others.argmax(axis=1), others.max(axis=1)
    first = int(strength.argmax())
    rest = np.flatnonzero(runner_up != runner_up[first])
    second = int(rest[strength[rest].argmax()])
    return int(sevens[first]), int(sevens[second])


def _log_ticks(ax: Axes, low_exponent: int, step: int) -> None:
    ticks = [10.0**e for e in range(low_exponent, 1, step)]
    ax.set_yscale("log")
    ax.set_ylim(10.0**low_exponent, 3.0)
    ax.set_yticks(ticks, [_power_of_ten(t) for t in ticks])
    ax.minorticks_off()


def _power_of_ten(value: float) -> str:
    exponent = round(np.log10(value))
    if exponent == 0:
        return "1"
    superscript = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "10" + str(exponent).translate(superscript)


def digit_soft_targets_figure() -> Figure:
    """Two real 7s: the same one-hot label, and the teacher's different soft targets."""
    x, _ = digits()
    probs = teacher_on_test_digits()
    fig = Figure(figsize=(12, 8.4), dpi=DPI, layout="constrained")
    grid = fig.subplots(2, 3, gridspec_kw={"width_ratios": [1.0, 1.5, 2.6]})
    classes = np.arange(10)
    for row, index in zip(grid, two_sevens(), strict=True):
        image_ax, hard_ax, soft_ax = row
        image_ax.imshow(x[DIGITS_TRAIN + index].reshape(8, 8), cmap="gray_r")
        image_ax.set_axis_off()
        image_ax.set_title(f"test #{index}")
        colours = [VERMILLION if d == 7 else BLUE for d in classes]
        hard_ax.bar(classes, np.eye(10)[7], color=colours, width=0.8)
        hard_ax.set_ylim(0, 1.1)
        hard_ax.set_yticks([0, 1])
        hard_ax.set_xticks(classes)
        hard_ax.set_title("hard label")
        p = probs[index]
        runner = int(np.argsort(p)[-2])
        soft_ax.bar(classes, p, color=colours, width=0.8)
        _log_ticks(soft_ax, -16, 4)
        soft_ax.set_xticks(classes)
        soft_ax.set_title(f'teacher: "7" {p[7]:.2f}, "{runner}" {p[runner]:.2f}')
    grid[1, 1].set_xlabel("digit")
    grid[1, 2].set_xlabel("digit")
    grid[0, 2].set_ylabel("probability (log)")
    grid[1, 2].set_ylabel("probability (log)")
    fig.suptitle('Two real "7"s: one hard label, two teacher opinions')
    return fig


# --- loss_terms (drop 2.1) ----------------------------------------------------------------


@dataclass(frozen=True)
class KdRun:
    """A 64 → 16 → 10 student distilled from ``digits_teacher`` on batches of 32.

    Each array has one value per step, measured on the step's batch: the two parts of
    L = α·T²·KL(p_T‖q_T) + (1 − α)·CE(y, q_1) and the norm of the gradient each part
    puts on the student's logits.
    """

    soft_part: Array
    hard_part: Array
    soft_pull: Array
    hard_pull: Array
    test_accuracy: float


@functools.cache
def distil_digits_student(steps: int = 300, batch: int = 32) -> KdRun:
    """Distil the digits teacher into a fresh student with the sandbox's T = 4, α = 0.9."""
    with _one_blas_thread():
        return _distil_digits_student(steps, batch)


def _distil_digits_student(steps: int, batch: int) -> KdRun:
    x, y = digits()
    x_train, y_train = x[:DIGITS_TRAIN], y[:DIGITS_TRAIN]
    teacher, _ = digits_teacher()
    rng = np.random.default_rng(2)
    student = _mlp((64, 16, 10), rng)
    optimiser = _Adam(student, lr=0.01)
    temperature, alpha = KD_TEMPERATURE, KD_ALPHA
    rows: list[tuple[float, float, float, float]] = []
    order = rng.permutation(DIGITS_TRAIN)
    for step in range(steps):
        start = (step * batch) % DIGITS_TRAIN
        if start + batch > DIGITS_TRAIN:
            order, start = rng.permutation(DIGITS_TRAIN), 0
        chosen = order[start : start + batch]
        xb, yb = x_train[chosen], y_train[chosen]
        t_logits = _mlp_forward(list(teacher), xb)[0]
        s_logits, hidden = _mlp_forward(student, xb)
        p, q = softmax(t_logits, temperature), softmax(s_logits, temperature)
        q1 = softmax(s_logits)
        kl = float((p * (np.log(p) - np.log(q))).sum() / batch)  # reduction="batchmean"
        ce = float(-np.log(q1[np.arange(batch), yb]).mean())
        d_soft = alpha * temperature**2 * (q - p) / (temperature * batch)
        d_hard = (1 - alpha) * (q1 - np.eye(10)[yb]) / batch
        rows.append(
            (
                alpha * temperature**2 * kl,
                (1 - alpha) * ce,
                float(np.linalg.norm(d_soft)),
                float(np.linalg.norm(d_hard)),
            )
        )
        optimiser.step(_mlp_gradients(student, xb, hidden, d_soft + d_hard))
    test_logits = _mlp_forward(student, x[DIGITS_TRAIN:])[0]
    accuracy = float((test_logits.argmax(axis=1) == y[DIGITS_TRAIN:]).mean())
    soft_part, hard_part, soft_pull, hard_pull = (np.asarray(c) for c in zip(*rows, strict=True))
    return KdRun(soft_part, hard_part, soft_pull, hard_pull, accuracy)


def _running_mean(values: Array, window: int) -> Array:
    """The mean of each value and the ``window − 1`` before it (fewer at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    result: Array = (sums[ends] - sums[starts]) / (ends - starts)
    return result


def loss_terms_figure() -> Figure:
    """The two weighted terms of the KD loss, and their pull, over a real distillation run."""
    run = distil_digits_student()
    steps = np.arange(1, len(run.soft_part) + 1)
    fig = Figure(figsize=(12, 8), dpi=DPI, layout="constrained")
    value_ax, pull_ax = fig.subplots(1, 2, sharex=True)
    soft_style = {"color": BLUE, "lw": 3}
    hard_style = {"color": VERMILLION, "lw": 3, "ls": "--"}
    labels = ("soft part: α·T²·KL(p_T ‖ q_T)", "hard part: (1 − α)·CE(y, q_1)")
    for ax, soft, hard in (
        (value_ax, run.soft_part, run.hard_part),
        (pull_ax, run.soft_pull, run.hard_pull),
    ):
        # Each batch is different, so each value is noisy: faint per step, bold smoothed.
        for values, style, label in ((soft, soft_style, labels[0]), (hard, hard_style, labels[1])):
            ax.plot(steps, values, color=style["color"], lw=1, alpha=0.35)
            ax.plot(steps, _running_mean(values, 20), **style, label=label)
    value_ax.set_title("value in the loss")
    pull_ax.set_title("pull: gradient norm on logits")
    for ax in (value_ax, pull_ax):
        ax.set_yscale("log")
        ax.set_xlabel("training step (batches of 32)")
    value_ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), frameon=False)
    fig.suptitle(
        f"A real run on digits, T = {KD_TEMPERATURE:g}, α = {KD_ALPHA:g}: "
        f"student {run.test_accuracy:.0%} on test"
    )
    return fig


# --- batch_shapes (drop 2.4) --------------------------------------------------------------

BATCH = 32


def batch_tensors() -> dict[str, Array]:
    """Drop 2.4's block on the first 32 training digits, with numpy stand-ins for the nets.

    The teacher is ``digits_teacher``; the student a fresh 64 → 16 → 10 net. Keys are the
    code's names: x, y, t_logits, s_logits, p, log_q, kl (the 320 entries F.kl_div adds
    up), kl_rows (their sum per image) and soft (the ``batchmean`` value, shape ()).
    """
    x, y = digits()
    xb, yb = x[:BATCH], y[:BATCH]
    teacher, _ = digits_teacher()
    student = _mlp((64, 16, 10), np.random.default_rng(3))
    t_logits = _mlp_forward(list(teacher), xb)[0]
    s_logits = _mlp_forward(student, xb)[0]
    p = softmax(t_logits, KD_TEMPERATURE)
    log_q = _log_softmax(s_logits / KD_TEMPERATURE)
    kl = p * (np.log(p) - log_q)
    return {
        "x": xb,
        "y": yb.astype(np.float64),
        "t_logits": t_logits,
        "s_logits": s_logits,
        "p": p,
        "log_q": log_q,
        "kl": kl,
        "kl_rows": kl.sum(axis=1),
        "soft": np.asarray(kl.sum() / BATCH),
    }


def batch_shapes_figure() -> Figure:
    """Every tensor of one batch as a heat map, with its shape, from x to the soft term."""
    tensors = batch_tensors()
    fig = Figure(figsize=(12, 8.6), dpi=DPI, layout="constrained")
    grid = fig.add_gridspec(2, 4, width_ratios=[1.9, 1.0, 1.0, 1.0])
    panels = [
        ("x", grid[:, 0], "64 pixels an image", "Greys"),
        ("t_logits", grid[0, 1], "teacher(x)", "viridis"),
        ("p", grid[0, 2], "softmax(t / T)", "viridis"),
        ("kl", grid[0, 3], "p·(ln p − log_q)", "viridis"),
        ("s_logits", grid[1, 1], "student(x)", "viridis"),
        ("log_q", grid[1, 2], "log_softmax(s/T)", "viridis"),
    ]
    for name, cell, made_by, colours in panels:
        ax = fig.add_subplot(cell)
        values = tensors[name]
        ax.imshow(values, cmap=colours, aspect="auto", interpolation="nearest")
        rows, columns = values.shape
        marks = " (● = y)" if name == "p" else ""
        ax.set_title(f"{name}{marks}\n({rows}, {columns})")
        ax.set_xlabel(made_by)
        ax.set_xticks([0, columns - 1], ["1", str(columns)])
        ax.set_yticks([0, rows - 1], ["1", str(rows)] if name == "x" else ["", ""])
        if name == "x":
            ax.set_ylabel("image in the batch")
        if name == "p":  # the hard label y of each image, on the teacher's distribution
            ax.plot(tensors["y"], np.arange(rows), "o", color=VERMILLION, ms=6, mec="white")
    rows_ax = fig.add_subplot(grid[1, 3])
    kl_rows = tensors["kl_rows"]
    rows_ax.barh(np.arange(len(kl_rows)), kl_rows, color=BLUE, height=0.8)
    rows_ax.set_ylim(len(kl_rows) - 0.5, -0.5)
    rows_ax.set_yticks([0, len(kl_rows) - 1], ["", ""])
    rows_ax.set_title(f"KL per image\n({len(kl_rows)},)")
    rows_ax.set_xlabel("mean → soft, ()")
    fig.suptitle("One batch of 32 digits, tensor by tensor (a row per image)")
    return fig


# --- support_labels (drop 3.1) ------------------------------------------------------------

# Drop 3.1's scenario: the teacher's first-token log-probs for one billing ticket, and
# the daily volume and price of the hosted teacher.
TICKET_LOGPROBS: dict[str, float] = {
    "billing": -0.22,
    "refund": -1.90,
    "shipping": -3.60,
    "account": -5.10,
}
TICKETS_PER_DAY, TEACHER_PER_TICKET = 40_000, 0.0045


def ticket_soft_label() -> Array:
    """exp of drop 3.1's log-probs, renormalised over the four categories."""
    probs = np.exp(np.array(list(TICKET_LOGPROBS.values())))
    result: Array = probs / probs.sum()
    return result


def fallback_cost_per_day(share_kept: npt.ArrayLike) -> Array:
    """The teacher's daily bill when the student keeps ``share_kept`` of the tickets."""
    kept = np.asarray(share_kept, dtype=np.float64)
    result: Array = (1 - kept) * TICKETS_PER_DAY * TEACHER_PER_TICKET
    return result


def support_labels_figure() -> Figure:
    """What the classifier student learns from, and what the fallback costs per day."""
    fig = Figure(figsize=(12, 7.6), dpi=DPI, layout="constrained")
    label_ax, cost_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
    names = list(TICKET_LOGPROBS)
    soft = ticket_soft_label()
    positions = np.arange(len(names))
    label_ax.bar(positions - 0.2, np.eye(len(names))[0], width=0.4, color=GREY, label="hard label")
    label_ax.bar(
        positions + 0.2, soft, width=0.4, color=BLUE, hatch="//", label="soft label (log-probs)"
    )
    for position, value in zip(positions, soft, strict=True):
        label_ax.text(position + 0.2, value * 1.4, f"{value:.3f}", ha="center", va="bottom")
    _log_ticks(label_ax, -3, 1)
    label_ax.set_ylim(1e-3, 8.0)
    label_ax.set_xticks(positions, names, rotation=20)
    label_ax.set_ylabel("target probability")
    label_ax.set_title("one billing ticket")
    label_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    shares = np.linspace(0.0, 1.0, 101)
    cost_ax.plot(shares * 100, fallback_cost_per_day(shares), color=VERMILLION, lw=4)
    kept = 0.85
    cost = float(fallback_cost_per_day(kept))
    cost_ax.plot([kept * 100], [cost], "o", color="black", ms=12)
    cost_ax.annotate(
        f"{kept:.0%} kept:\n${cost:.0f} a day",
        (kept * 100, cost),
        xytext=(30, 60),
        textcoords="data",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    alone = float(fallback_cost_per_day(0.0))
    cost_ax.annotate(
        f"no student: ${alone:.0f}",
        (0, alone),
        xytext=(22, alone - 5),
        textcoords="data",
        va="center",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    cost_ax.set_xlim(0, 100)
    cost_ax.set_ylim(0, 200)
    cost_ax.set_xlabel("tickets the student keeps (%)")
    cost_ax.set_ylabel("teacher's bill ($ a day)")
    cost_ax.set_title("fallback to the teacher")
    fig.suptitle("Output distillation: a soft label per ticket, a fallback for the rest")
    return fig


# --- trace_filter (drop 3.2) --------------------------------------------------------------

TRACE_SOLVE_RATE, TRACES_PER_PROBLEM = 0.7, 4


def kept_traces_distribution(solve_rate: float, samples: int) -> Array:
    """P(k of ``samples`` independent traces are correct), k = 0 … samples (binomial)."""
    k = np.arange(samples + 1)
    coefficients = np.array([math.comb(samples, int(i)) for i in k], dtype=np.float64)
    result: Array = coefficients * solve_rate**k * (1 - solve_rate) ** (samples - k)
    return result


def trace_filter_figure() -> Figure:
    """How many sampled traces survive the correctness filter, and how many to sample."""
    fig = Figure(figsize=(12, 7.8), dpi=DPI, layout="constrained")
    kept_ax, cover_ax = fig.subplots(1, 2)
    rate, samples = TRACE_SOLVE_RATE, TRACES_PER_PROBLEM
    dist = kept_traces_distribution(rate, samples)
    k = np.arange(samples + 1)
    kept_ax.bar(k, dist * 100, color=[VERMILLION] + [BLUE] * samples, width=0.7)
    for count, share in zip(k, dist, strict=True):
        kept_ax.text(count, share * 100 + 1.5, f"{share:.1%}", ha="center", va="bottom")
    kept_ax.set_ylim(0, 55)
    kept_ax.set_xlabel(f"correct traces kept, of {samples}")
    kept_ax.set_ylabel("share of problems (%)")
    kept_ax.set_title(f"solve rate {rate:.0%}: mean {rate * samples:.1f} kept")
    sample_counts = np.arange(1, 9)
    styles = [(0.3, GREY, ":"), (0.5, VERMILLION, "--"), (0.7, BLUE, "-")]
    for solve_rate, colour, dash in styles:
        covered = 1 - (1 - solve_rate) ** sample_counts
        cover_ax.plot(
            sample_counts,
            covered * 100,
            color=colour,
            ls=dash,
            lw=4,
            marker="o",
            ms=9,
            label=f"{solve_rate:.0%}",
        )
    cover_ax.set_xticks(sample_counts)
    cover_ax.set_ylim(0, 105)
    cover_ax.set_xlabel("traces sampled per problem")
    cover_ax.set_ylabel("problems with ≥ 1 trace (%)")
    cover_ax.set_title(f"{1 - (1 - rate) ** samples:.1%} at {rate:.0%} and {samples} samples")
    cover_ax.legend(
        title="solve rate",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=3,
        frameon=False,
        columnspacing=1.0,
        handlelength=1.8,
    )
    fig.suptitle("Rejection sampling: keep the traces whose answer is right")
    return fig


# --- dpo_loss (drop 3.3) ------------------------------------------------------------------


def dpo_loss(margin: npt.ArrayLike, beta: float) -> Array:
    """−log σ(β·margin), margin = chosen's log-ratio gain − rejected's, stably."""
    z = beta * np.asarray(margin, dtype=np.float64)
    result: Array = np.logaddexp(0.0, -z)
    return result


def dpo_loss_figure() -> Figure:
    """The DPO loss and its push against the log-ratio margin, for three β."""
    fig = Figure(figsize=(12, 7.8), dpi=DPI, layout="constrained")
    loss_ax, push_ax = fig.subplots(1, 2, sharex=True)
    margins = np.linspace(-20.0, 60.0, 801)
    styles = [(0.05, GREY, ":"), (0.1, BLUE, "-"), (0.5, VERMILLION, "--")]
    for beta, colour, dash in styles:
        loss_ax.plot(
            margins, dpo_loss(margins, beta), color=colour, ls=dash, lw=4, label=f"β = {beta:g}"
        )
        # d loss / d margin = −β·σ(−β·margin): σ(−β·margin) is the share of the push left.
        push_ax.plot(margins, 1 / (1 + np.exp(beta * margins)), color=colour, ls=dash, lw=4)
    start, worked = float(dpo_loss(0.0, 0.1)), float(dpo_loss(4.0, 0.1))
    loss_ax.plot([0.0, 4.0], [start, worked], "o", color="black", ms=11)
    loss_ax.annotate(
        f"start: ln 2 = {start:.3f}",
        (0.0, start),
        xytext=(8, 1.9),
        textcoords="data",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    loss_ax.annotate(
        f"worked pair: {worked:.3f}",
        (4.0, worked),
        xytext=(14, 1.1),
        textcoords="data",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    loss_ax.set_ylim(0, 2.6)
    loss_ax.set_ylabel("loss −log σ(β·margin)")
    loss_ax.set_title("the loss")
    push_ax.set_ylim(0, 1.05)
    push_ax.set_ylabel("push left, σ(−β·margin)")
    push_ax.set_title("how hard it still pushes")
    for ax in (loss_ax, push_ax):
        ax.axvline(0.0, color=GREY, lw=1)
        ax.set_xlabel("margin: chosen − rejected gain")
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle("DPO on one pair: larger β, satisfied sooner")
    return fig


# --- exposure_bias (drop 3.4) -------------------------------------------------------------


def slip_probability(tokens: npt.ArrayLike, per_token: float) -> Array:
    """P(at least one off-distribution step in ``tokens`` tokens) = 1 − (1 − ε)^n."""
    result: Array = 1 - (1 - per_token) ** np.asarray(tokens, dtype=np.float64)
    return result


def exposure_bias_figure() -> Figure:
    """How the chance of one unfamiliar step grows with the length of the output."""
    fig = Figure(figsize=(12, 7.8), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    tokens = np.arange(1, 1001)
    styles = [
        (0.001, GREY, ":"),
        (0.005, VERMILLION, "-."),
        (0.01, BLUE, "-"),
        (0.02, "black", "--"),
    ]
    for rate, colour, dash in styles:
        ax.plot(
            tokens,
            slip_probability(tokens, rate) * 100,
            color=colour,
            ls=dash,
            lw=4,
            label=f"ε = {rate:.1%} a token",
        )
    at_200 = float(slip_probability(200, 0.01))
    ax.plot([200], [at_200 * 100], "o", color="black", ms=12)
    ax.annotate(
        f"200 tokens, ε = 1%:\n{at_200:.0%}",
        (200, at_200 * 100),
        xytext=(480, 62),
        textcoords="data",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 102)
    ax.set_xlabel("length of the student's output (tokens)")
    ax.set_ylabel("≥ 1 unfamiliar step (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_title("Exposure bias: 1 − (1 − ε)ⁿ for an n-token output")
    return fig


# --- cost_vs_volume (drop 4.1) ------------------------------------------------------------

# Drop 4.1's worked example: teacher price per call, the student's GPU a day, one-off
# costs (teacher examples, gold set, training runs), and the share still sent to the teacher.
PLAN_TEACHER_PER_CALL = 0.006
PLAN_GPU_PER_DAY = 2.0 * 24
PLAN_ONE_OFF = 30_000 * 0.006 + 500 * 0.50 + 100
PLAN_FALLBACK = 0.1


def student_cost_per_call(calls_per_day: npt.ArrayLike, fallback: float = 0.0) -> Array:
    """Dedicated GPU cost shared over the day's calls, plus the calls still sent to the teacher."""
    calls = np.asarray(calls_per_day, dtype=np.float64)
    result: Array = PLAN_GPU_PER_DAY / calls + fallback * PLAN_TEACHER_PER_CALL
    return result


def break_even_days(calls_per_day: npt.ArrayLike, fallback: float = 0.0) -> Array:
    """One-off costs ÷ daily saving; ``inf`` where the student saves nothing."""
    calls = np.asarray(calls_per_day, dtype=np.float64)
    saving = calls * (PLAN_TEACHER_PER_CALL - student_cost_per_call(calls, fallback))
    result: Array = np.where(saving > 0, PLAN_ONE_OFF / np.where(saving > 0, saving, 1.0), np.inf)
    return result


def cost_vs_volume_figure() -> Figure:
    """Drop 4.1's cost arithmetic over call volume: cost per call and break-even days."""
    fig = Figure(figsize=(12, 8), dpi=DPI, layout="constrained")
    cost_ax, days_ax = fig.subplots(1, 2, sharex=True)
    calls = np.geomspace(300, 300_000, 400)
    teacher_style = {"color": GREY, "lw": 4, "ls": ":"}
    student_style = {"color": BLUE, "lw": 4}
    fallback_style = {"color": VERMILLION, "lw": 4, "ls": "--"}
    cost_ax.plot(
        calls,
        np.full_like(calls, PLAN_TEACHER_PER_CALL),
        **teacher_style,
        label="teacher, $0.006 a call",
    )
    cost_ax.plot(
        calls, student_cost_per_call(calls), **student_style, label="student on a $2/h GPU"
    )
    cost_ax.plot(
        calls,
        student_cost_per_call(calls, PLAN_FALLBACK),
        **fallback_style,
        label=f"student + {PLAN_FALLBACK:.0%} fallback",
    )
    for volume, text in ((500, "{cost:.3f} ({ratio:.0f}× teacher)"), (20_000, "{cost:.4f}")):
        cost = float(student_cost_per_call(volume))
        cost_ax.plot([volume], [cost], "o", color="black", ms=11)
        label = "$" + text.format(cost=cost, ratio=cost / PLAN_TEACHER_PER_CALL)
        cost_ax.annotate(label, (volume, cost), xytext=(14, 4), textcoords="offset points")
    crossover = PLAN_GPU_PER_DAY / PLAN_TEACHER_PER_CALL  # calls a day where the costs meet
    cost_ax.plot([crossover], [PLAN_TEACHER_PER_CALL], "o", color="black", ms=11)
    cost_ax.annotate(
        f"{crossover:,.0f} a day",
        (crossover, PLAN_TEACHER_PER_CALL),
        xytext=(-150, -60),
        textcoords="offset points",
        arrowprops={"arrowstyle": "->", "lw": 2},
    )
    days_ax.plot(calls, break_even_days(calls), **student_style)
    days_ax.plot(calls, break_even_days(calls, PLAN_FALLBACK), **fallback_style)
    for fallback, offset in ((0.0, (-170, -50)), (PLAN_FALLBACK, (14, 8))):
        days = float(break_even_days(20_000, fallback))
        days_ax.plot([20_000], [days], "o", color="black", ms=11)
        days_ax.annotate(
            f"{days:.1f} days",
            (20_000, days),
            xytext=offset,
            textcoords="offset points",
            arrowprops={"arrowstyle": "->", "lw": 2} if offset[0] < 0 else None,
        )
    for ax in (cost_ax, days_ax):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("calls a day")
        ax.axvline(20_000, color=GREY, lw=1)
    cost_ax.set_ylabel("$ per call")
    cost_ax.set_title("cost per call")
    days_ax.set_ylim(1, 1000)
    days_ax.set_ylabel(f"days to repay ${PLAN_ONE_OFF:.0f}")
    days_ax.set_title("break-even")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle("Distil only with volume: a dedicated GPU is a fixed cost")
    return fig


# --- registry and rendering --------------------------------------------------------------

FIGURES: dict[str, Callable[[], Figure]] = {
    "digit_soft_targets": digit_soft_targets_figure,
    "loss_terms": loss_terms_figure,
    "batch_shapes": batch_shapes_figure,
    "soft_targets": soft_targets_figure,
    "kl_asymmetry": kl_asymmetry_figure,
    "silent_failures": silent_failures_figure,
    "support_labels": support_labels_figure,
    "trace_filter": trace_filter_figure,
    "dpo_loss": dpo_loss_figure,
    "exposure_bias": exposure_bias_figure,
    "cost_vs_volume": cost_vs_volume_figure,
}


# Telegram shows a photo about 340 CSS pixels wide on a phone; at the 1,200-pixel width
# the figures are drawn at, the smallest text must be at least 26 pixels high (19 points at
# DPI 100) to stay legible there. Tests check every Text artist of every figure.
PHONE_WIDTH_PX = WIDTH_PX


def text_px(fontsize_points: float, fig: Figure) -> float:
    """A font size in pixels, as it comes out when ``fig`` is scaled to the phone width."""
    width_px = fig.get_figwidth() * DPI
    return fontsize_points * DPI / 72 * PHONE_WIDTH_PX / width_px


def _course_style() -> AbstractContextManager[None]:
    return phone_style(TEXT_RC)


def _build(name: str, bug_runs: Path = BUG_RUNS_PATH) -> Figure:
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    # The one figure drawn from recorded runs reads the record it is given.
    fig = silent_failures_figure(bug_runs) if name == "silent_failures" else FIGURES[name]()
    FigureCanvasAgg(fig)  # draw with Agg whatever backend pyplot may have chosen
    return fig


def draw_figure(name: str) -> Figure:
    """The figure called ``name``, built and laid out as ``render_figure`` draws it.

    For inspection: its Text artists carry the font sizes and positions of the PNG.
    """
    with _course_style():
        fig = _build(name)
        fig.canvas.draw()
    return fig


def render_figure(name: str, bug_runs: Path = BUG_RUNS_PATH) -> bytes:
    """PNG bytes of the figure called ``name``; ``KeyError`` names the known ones."""
    with _course_style():
        fig = _build(name, bug_runs)
        buffer = io.BytesIO()
        # No "Software" stamp, so the same matplotlib renders the same bytes every time.
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_all(out_dir: Path, bug_runs: Path = BUG_RUNS_PATH) -> list[Path]:
    """Render every figure to ``out_dir/<name>.png`` and return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FIGURES:
        path = out_dir / f"{name}.png"
        path.write_bytes(render_figure(name, bug_runs))
        written.append(path)
    return written
