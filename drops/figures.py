"""The course's figures, each drawn from a real computation rather than by hand.

``FIGURES`` maps a figure name (the ``figure:`` field of a drop's front matter) to a
function that builds it; ``render_figure`` turns one into PNG bytes and ``render_all``
writes every one to ``<out_dir>/<name>.png`` (the committed copies live in
``drops/figures/``). Only numpy and matplotlib's object API are used: no pyplot state,
no torch, so the bot process can render a figure without loading the sandbox.

The figures are read on a phone: about 1200 × 800 pixels, large type, labelled axes and
the Okabe–Ito colour-blind-safe palette.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

Array = npt.NDArray[np.float64]

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#777777"

DPI = 100

# An illustrative teacher's logits for a handwritten "7" (digits 0-9): high for 7,
# then 9 and 1 (which share strokes with a 7), lowest for 6. Drop 2.2 quotes its
# softmax at T=1 and T=4; tests check the quoted numbers against these logits.
SEVEN_LOGITS: tuple[float, ...] = (-1.0, 3.0, 2.0, 0.5, -0.5, -1.5, -3.0, 9.0, 0.0, 4.0)
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
            fontsize=15,
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
    ax.legend(loc="upper right", frameon=False)
    ax.set_title("Best single-Gaussian student q for a two-mode teacher p (KL in nats)")
    return fig


# --- silent_failures (drop 2.5) ----------------------------------------------------------

SILENT_FAILURES: dict[str, str] = {
    "no_t2": "forgot T²",
    "mean": "reduction='mean'",
    "probs": "probs, not log-probs",
    "train_teacher": "teacher in train mode",
    "unfrozen_teacher": "teacher not frozen",
    "swapped": "misaligned cached logits",
}


@dataclass
class _ToyProblem:
    """Synthetic 10-class data labelled by a fixed random tanh MLP (the teacher)."""

    teacher: list[Array]  # W1 (20, 64), b1 (64,), W2 (64, 10), b2 (10,)
    x_train: Array  # (100, 20): the transfer set, every example labelled
    y_train: npt.NDArray[np.int64]
    x_test: Array  # (4000, 20)
    y_test: npt.NDArray[np.int64]


def _toy_problem(seed: int = 0) -> _ToyProblem:
    rng = np.random.default_rng(seed)
    dim, hidden, classes = 20, 64, 10
    # The scales give a teacher that is fairly confident (mean top probability ≈ 0.7).
    teacher = [
        rng.normal(0, 2 / np.sqrt(dim), (dim, hidden)),
        rng.normal(0, 0.5, hidden),
        rng.normal(0, 4 / np.sqrt(hidden), (hidden, classes)),
        np.zeros(classes),
    ]
    x_train = rng.normal(size=(100, dim))
    x_test = rng.normal(size=(4000, dim))
    y_train = _teacher_logits(teacher, x_train)[0].argmax(axis=1)
    y_test = _teacher_logits(teacher, x_test)[0].argmax(axis=1)
    return _ToyProblem(teacher, x_train, y_train, x_test, y_test)


def _teacher_logits(
    params: list[Array], x: Array, dropout: np.random.Generator | None = None
) -> tuple[Array, Array]:
    """Logits (B, 10) and hidden activations (B, 64); ``dropout`` turns train mode on."""
    w1, b1, w2, b2 = params
    hidden = np.tanh(x @ w1 + b1)
    if dropout is not None:  # inverted dropout with p = 0.5, as nn.Dropout in train mode
        hidden = hidden * (dropout.random(hidden.shape) > 0.5) / 0.5
    return hidden @ w2 + b2, hidden


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


@dataclass(frozen=True)
class ToyRun:
    """One student's training curve (the loss as the training code logs it) and result."""

    losses: Array
    test_accuracy: float


def train_toy_student(
    bug: str = "none", alpha: float = 0.9, temperature: float = 4.0, steps: int = 300
) -> ToyRun:
    """Distil the toy teacher into a softmax-regression student, with one bug or none.

    The loss is α·T²·KL(p_T‖q_T) + (1−α)·CE(y, q_1) on the full transfer set each step,
    with gradients written out by hand; each ``bug`` reproduces what the broken PyTorch
    code would compute (see ``SILENT_FAILURES``). Deterministic: fixed seeds throughout.
    """
    problem = _toy_problem()
    rng = np.random.default_rng(1)
    x, y = problem.x_train, problem.y_train
    batch, classes = x.shape[0], 10
    weight, bias = np.zeros((x.shape[1], classes)), np.zeros(classes)
    teacher = [p.copy() for p in problem.teacher]
    student_opt = _Adam([weight, bias], lr=0.02)
    teacher_opt = _Adam(teacher, lr=0.02)
    cache_order = rng.permutation(batch)  # for "swapped": cache rows ≠ batch rows
    one_hot = np.eye(classes)[y]
    t2 = 1.0 if bug == "no_t2" else temperature**2
    losses = []
    for _ in range(steps):
        t_logits, hidden = _teacher_logits(teacher, x, rng if bug == "train_teacher" else None)
        if bug == "swapped":
            t_logits = t_logits[cache_order]
        s_logits = x @ weight + bias
        log_p = _log_softmax(t_logits / temperature)
        p = np.exp(log_p)
        log_q = _log_softmax(s_logits / temperature)
        q = np.exp(log_q)
        q1 = softmax(s_logits)
        hard = float(-(one_hot * np.log(q1 + 1e-12)).sum() / batch)
        if bug == "probs":  # F.kl_div(q, p): sums p·(log p − q), a different function of q
            soft = float((p * (log_p - q)).sum() / batch)
            d_q = -p / batch
            d_soft = q * (d_q - (q * d_q).sum(axis=1, keepdims=True)) / temperature
        else:
            kl_rows = (p * (log_p - log_q)).sum(axis=1)
            soft = float(kl_rows.sum() / batch)
            d_soft = (q - p) / (temperature * batch)
            if bug == "mean":  # divides by batch × classes instead of batch
                soft, d_soft = soft / classes, d_soft / classes
        losses.append(alpha * t2 * soft + (1 - alpha) * hard)
        d_logits = alpha * t2 * d_soft + (1 - alpha) * (q1 - one_hot) / batch
        student_opt.step([x.T @ d_logits, d_logits.sum(axis=0)])
        if bug == "unfrozen_teacher":  # the same loss also moves the teacher
            d_t = alpha * t2 * p * (log_p - log_q - kl_rows[:, None]) / (temperature * batch)
            d_hidden = d_t @ teacher[2].T * (1 - hidden**2)
            teacher_opt.step(
                [x.T @ d_hidden, d_hidden.sum(axis=0), hidden.T @ d_t, d_t.sum(axis=0)]
            )
    accuracy = float(((problem.x_test @ weight + bias).argmax(axis=1) == problem.y_test).mean())
    return ToyRun(np.asarray(losses), accuracy)


def silent_failures_figure() -> Figure:
    """Loss curves of the correct KD loss beside each silent failure, with test accuracy."""
    correct = train_toy_student()
    hard_only = train_toy_student(alpha=0.0)
    fig = Figure(figsize=(12, 8.5), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (bug, title) in zip(axes.flat, SILENT_FAILURES.items(), strict=True):
        broken = train_toy_student(bug)
        _loss_panel(ax, title, correct, broken)
    for ax in axes[1]:
        ax.set_xlabel("step")
    for ax in axes[:, 0]:
        ax.set_ylabel("logged loss")
    fig.suptitle(
        "Correct KD loss vs. each bug (test accuracy in brackets;\n"
        f"hard labels alone reach {hard_only.test_accuracy:.0%})"
    )
    return fig


def _loss_panel(ax: Axes, title: str, correct: ToyRun, broken: ToyRun) -> None:
    steps = np.arange(1, len(correct.losses) + 1)
    ax.plot(steps, correct.losses, color=BLUE, lw=3, label=f"correct ({correct.test_accuracy:.0%})")
    ax.plot(
        steps,
        broken.losses,
        color=VERMILLION,
        lw=3,
        ls="--",
        label=f"bug ({broken.test_accuracy:.0%})",
    )
    ax.axhline(0.0, color=GREY, lw=1)
    ax.set_title(title)
    ax.legend(loc="best", frameon=False)


# --- registry and rendering --------------------------------------------------------------

FIGURES: dict[str, Callable[[], Figure]] = {
    "soft_targets": soft_targets_figure,
    "kl_asymmetry": kl_asymmetry_figure,
    "silent_failures": silent_failures_figure,
}


@contextmanager
def _course_style() -> Iterator[None]:
    # Large type: a 1200-pixel-wide figure is shown about 400 points wide on a phone.
    with matplotlib.rc_context(
        {
            "font.size": 17,
            "axes.titlesize": 19,
            "axes.labelsize": 17,
            "xtick.labelsize": 15,
            "ytick.labelsize": 15,
            "legend.fontsize": 14,
            "figure.titlesize": 22,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        yield


def render_figure(name: str) -> bytes:
    """PNG bytes of the figure called ``name``; ``KeyError`` names the known ones."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    with _course_style():
        fig = FIGURES[name]()
        FigureCanvasAgg(fig)  # draw with Agg whatever backend pyplot may have chosen
        buffer = io.BytesIO()
        # No "Software" stamp, so the same matplotlib renders the same bytes every time.
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_all(out_dir: Path) -> list[Path]:
    """Render every figure to ``out_dir/<name>.png`` and return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FIGURES:
        path = out_dir / f"{name}.png"
        path.write_bytes(render_figure(name))
        written.append(path)
    return written
