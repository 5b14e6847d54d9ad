"""The numbers the Phase 2 drops quote, recomputed: a wrong number in a lesson fails here."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from drops.figures import (
    SEVEN_LOGITS,
    SILENT_FAILURES,
    fit_gaussians,
    gaussian_kls,
    load_bug_runs,
    softmax,
)
from kd_sandbox.spec import BUGS, parse_settings
from kd_sandbox.teacher_config import TeacherConfig, teacher_for
from tests.drops_figures.lesson_files import read_drop

_PROB = re.compile(r"p\((\d)\) = ([0-9.]+)")


def body(drop_id: str) -> str:
    # Drops write minus signs as "−"; compare with ASCII digits and signs.
    return read_drop(drop_id)[1].replace("−", "-")


def line_starting(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def kl(p: np.ndarray, q: np.ndarray) -> float:
    return float((p * np.log(p / q)).sum())


def assert_quoted(value: float, quoted: str) -> None:
    """``quoted`` is ``value`` rounded to as many decimals as the lesson shows."""
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    assert f"{value:.{decimals}f}" == quoted


# --- 2.1: the worked three-class example ------------------------------------------------


def test_drop_2_1_worked_example() -> None:
    text = body("2.1")
    t, s, temperature, alpha = np.array([6.0, 2.0, -1.0]), np.array([3.0, 2.0, 0.0]), 4.0, 0.9
    p4, q4, q1 = softmax(t, temperature), softmax(s, temperature), softmax(s)
    soft, hard = kl(p4, q4), -math.log(q1[0])
    terms = p4 * np.log(p4 / q4)
    expected = [
        "[{:.3f}, {:.3f}, {:.3f}]".format(*softmax(t)),
        "p_4 = [{:.3f}, {:.3f}, {:.3f}]".format(*p4),
        "q_4 = [{:.3f}, {:.3f}, {:.3f}]".format(*q4),
        f"= {terms[0]:.3f} - {-terms[1]:.3f} - {-terms[2]:.3f} = {soft:.3f} nats",
        f"0.9 × 16 × {soft:.3f} = {alpha * temperature**2 * soft:.3f}",
        "q_1 = softmax(s) = [{:.3f}, {:.3f}, {:.3f}]".format(*q1),
        f"CE = -ln {q1[0]:.3f} = {hard:.3f}",
        f"0.1 × {hard:.3f} = {(1 - alpha) * hard:.3f}",
        f"L = {alpha * 16 * soft:.3f} + {(1 - alpha) * hard:.3f} = "
        f"{alpha * 16 * soft + (1 - alpha) * hard:.3f}",
    ]
    for snippet in expected:
        assert snippet in text


def test_drop_2_1_soft_gradient_falls_like_one_over_t_squared() -> None:
    text = body("2.1")
    t, s = np.array([6.0, 2.0, -1.0]), np.array([3.0, 2.0, 0.0])

    def cat_gradient(temperature: float) -> float:  # d KL(p_T‖q_T) / d s_cat
        return float((softmax(s, temperature)[0] - softmax(t, temperature)[0]) / temperature)

    assert f"At T = 4 it is {cat_gradient(4):.3f}" in text
    assert f"At T = 8 it is {cat_gradient(8):.3f}, and at T = 16 it is {cat_gradient(16):.4f}" in (
        text
    )
    scaled = [f"{cat_gradient(x) * x * x:.2f}" for x in (4, 8, 16)]
    assert ", ".join(scaled) in text


# --- 2.2: the illustrative "7" ------------------------------------------------------------


@pytest.mark.parametrize("temperature", [1, 4])
def test_drop_2_2_quotes_the_softmax_of_the_seven(temperature: int) -> None:
    line = line_starting(body("2.2"), f"- At T = {temperature}:")
    probs = softmax(SEVEN_LOGITS, temperature)
    quoted = _PROB.findall(line)
    assert len(quoted) >= 4
    for digit, value in quoted:
        assert_quoted(probs[int(digit)], value.rstrip("."))
    assert f"{1 - probs[7]:.1%}" in line


def test_drop_2_2_logits_in_the_text_are_the_figures_logits() -> None:
    text = body("2.2")
    for digit, logit in enumerate(SEVEN_LOGITS):
        assert f"{digit} scores {logit:g}" in text


def test_drop_2_2_ratios_limits_and_entropies() -> None:
    text = body("2.2")
    z = np.array(SEVEN_LOGITS)
    p1, p4, p100 = softmax(z, 1), softmax(z, 4), softmax(z, 100)
    assert f"{p1[7] / p1[9]:.0f} times more likely (e⁵)" in text
    assert f"{p4[7] / p4[9]:.2f} times more likely (e^1.25)" in text
    assert f"from {p1[9] / p1[6]:.0f} to {p4[9] / p4[6]:.2f}" in text
    assert f"p(6) grows about {round(p4[6] / p1[6], -2):.0f}-fold" in text
    assert f"p(9) about {p4[9] / p1[9]:.1f}-fold" in text
    assert f"between {p100.min():.3f} and {p100.max():.3f}" in text

    def entropy(p: np.ndarray) -> float:
        return float(-(p * np.log(p)).sum())

    assert f"{entropy(p1):.3f} nats at T = 1, {entropy(p4):.2f} at T = 4" in text
    assert f"ln 10 = {math.log(10):.2f}" in text


# --- 2.3: KL by hand, both directions, and the Gaussian fits -----------------------------


def test_drop_2_3_kl_by_hand_in_both_directions() -> None:
    text = body("2.3")
    p, q = np.array([0.50, 0.45, 0.05]), np.array([0.90, 0.05, 0.05])
    forward, reverse = p * np.log(p / q), q * np.log(q / p)
    assert "= {:.3f} + {:.3f} + 0 = **{:.3f} nats**".format(*forward[:2], kl(p, q)) in text
    assert f"= {reverse[0]:.3f} - {-reverse[1]:.3f} + 0 = **{kl(q, p):.3f} nats**" in text
    assert f"costs ln 9 ≈ {math.log(9):.2f}" in text
    cross_entropy, entropy = -(p * np.log(q)).sum(), -(p * np.log(p)).sum()
    assert f"CE(p, q) = {cross_entropy:.3f}, H(p) = {entropy:.3f}" in text
    assert f"the difference is {cross_entropy - entropy:.3f}" in text


def test_drop_2_3_quotes_the_figures_gaussian_fits() -> None:
    text = body("2.3")
    forward, reverse = fit_gaussians()
    assert (
        f"centred at {forward.mean:.2f} with standard deviation {forward.std:.2f} "
        f"(KL = {forward.kl:.2f} nats)"
    ) in text
    assert (
        f"q at {reverse.mean:.2f} with standard deviation {reverse.std:.2f} "
        f"(KL = {reverse.kl:.2f} nats)"
    ) in text
    reverse_fit_forward_kl, _ = gaussian_kls(reverse.mean, reverse.std)
    assert f"that fit scores {float(reverse_fit_forward_kl):.2f} nats" in text
    # The fits are what the drop says they are: one covers both modes, one picks a mode.
    assert forward.std > 2 * reverse.std
    assert abs(reverse.mean - (-2.0)) < 0.1


# --- 2.4: the loss arithmetic of the one batch --------------------------------------------


def test_drop_2_4_loss_arithmetic() -> None:
    text = body("2.4")
    soft, hard = 1.227, 2.299  # as quoted; tests/drops_figures/test_torch_facts recomputes
    assert f"Soft KL: {soft} nats. Times 16: {soft * 16:.2f}. Times 0.9: {soft * 14.4:.2f}." in text
    assert f"almost exactly ln 10 = {math.log(10):.3f}" in text
    assert f"Times 0.1: {hard * 0.1:.3f}." in text
    assert f"Loss: {soft * 14.4:.2f} + {hard * 0.1:.2f} = {soft * 14.4 + hard * 0.1:.2f}." in text
    assert "α·T² = 14.4" in text


# --- 2.5: the sandbox's own /distill bug=… runs behind the silent-failures figure ------


def pct(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def test_drop_2_5_names_the_runs_settings() -> None:
    text = body("2.5")
    seed, runs = load_bug_runs()
    assert f"as `/distill bug=…` runs it, seed {seed}:" in text
    default = runs["probs"].settings
    assert (default["steps"], default["lr"], default["optimizer"]) == (1000, 0.01, "adam")
    assert (default["T"], default["alpha"], default["hidden"], default["per_class"]) == (
        4.0,
        0.9,
        16,
        10,
    )
    assert "a 64-16-10 student distilled on 100 labelled digit images (10 per digit)" in text
    no_t2, mean = runs["no_t2"].settings, runs["mean"].settings
    assert (no_t2["T"], no_t2["alpha"], no_t2["optimizer"]) == (8.0, 0.5, "sgd")
    assert f"SGD with momentum 0.9, lr = {no_t2['lr']:g}, {no_t2['steps']} steps" in text
    assert (mean["alpha"], mean["optimizer"]) == (1.0, "sgd")
    assert f"SGD with momentum 0.9, lr = {mean['lr']:g}, {mean['steps']} steps" in text


def test_drop_2_5_quotes_the_torch_runs_accuracies() -> None:
    text = body("2.5")
    _, runs = load_bug_runs()
    same_start = ("probs", "unfrozen_teacher", "swapped")  # train_teacher has its own teacher
    correct = {runs[bug].kd_acc for bug in same_start}
    hard = {runs[bug].hard_acc for bug in same_start}
    assert len(correct) == len(hard) == 1  # one seed and settings: one correct run
    assert f"the correct loss reaches {pct(*correct)} test accuracy" in text
    assert f"hard labels alone reach {pct(*hard)}" in text
    no_t2 = runs["no_t2"]
    gain = 100 * (no_t2.kd_acc - no_t2.hard_acc)
    assert (
        f"accuracy falls from {pct(no_t2.kd_acc)} to {pct(no_t2.broken_acc)}: "
        f"{no_t2.points_lost:.1f} of the {gain:.1f} points"
    ) in text
    mean = runs["mean"]
    assert (
        f"accuracy falls from {pct(mean.kd_acc)} to {pct(mean.broken_acc)}, "
        f"{mean.points_lost:.1f} points lost"
    ) in text
    probs = runs["probs"]
    assert (
        f"accuracy fell from {pct(probs.kd_acc)} to {pct(probs.broken_acc)}, "
        f"{probs.points_lost:.1f} points lost"
    ) in text
    assert f"{pct(runs['swapped'].broken_acc)} in the figure (chance is 10%)" in text
    assert f"far below the {pct(*hard)} from hard labels alone" in text
    teacher = runs["train_teacher"]
    assert (
        f"From a teacher trained with dropout {teacher.teacher_dropout:g} "
        f"({pct(teacher.teacher_acc)} test accuracy), the correct loss reaches "
        f"{pct(teacher.kd_acc)} and the bug {pct(teacher.broken_acc)}: "
        f"{teacher.points_lost:.1f} points lost"
    ) in text
    unfrozen = runs["unfrozen_teacher"]
    assert f"learns less: {pct(unfrozen.broken_acc)} in the figure, against {pct(*correct)}" in text


def test_drop_2_5_quotes_the_torch_runs_loss_curves() -> None:
    text = body("2.5")
    _, runs = load_bug_runs()
    no_t2 = runs["no_t2"]
    start, end = no_t2.kd_loss[0] / no_t2.broken_loss[0], no_t2.kd_loss[-1] / no_t2.broken_loss[-1]
    assert f"{start:.1f} times lower at step 1 and {end:.1f} times lower at the end" in text
    mean = runs["mean"]
    assert f"tidy curve, {mean.kd_loss[0] / mean.broken_loss[0]:.1f} times lower at step 1" in text
    probs = runs["probs"]
    assert probs.broken_loss.max() < 0  # below zero from the first step
    assert f"below zero ({probs.broken_loss[-1]:.1f} at the end in the figure)" in body("2.5")
    swapped = runs["swapped"]
    assert f"behind a loss stuck at {swapped.broken_loss[-1]:.1f}" in text
    teacher = runs["train_teacher"]
    assert (
        f"({teacher.broken_loss[-1]:.2f} at the end, against {teacher.kd_loss[-1]:.2f} "
        "for the correct run)"
    ) in text
    unfrozen = runs["unfrozen_teacher"]
    step = int(unfrozen.loss_steps[1])
    assert (
        f"from {unfrozen.broken_loss[0]:.1f} to {unfrozen.broken_loss[1]:.2f} by step {step}, "
        f"while the correct loss is still at {unfrozen.kd_loss[1]:.1f})"
    ) in text


def test_drop_2_5_runs_are_what_distill_runs_today() -> None:
    """The recorded runs used each bug's current /distill defaults: a changed default
    means ``distillbot content figures`` must run them again."""
    seed, runs = load_bug_runs()
    assert set(runs) == set(BUGS) - {"none"} == set(SILENT_FAILURES)
    for bug, run in runs.items():
        assert run.settings == parse_settings(f"bug={bug} seed={seed}").used()
        assert run.teacher_dropout == teacher_for(bug, TeacherConfig()).dropout


def test_drop_2_5_every_bug_costs_accuracy_in_the_figure() -> None:
    _, runs = load_bug_runs()
    assert {bug: run.points_lost >= 3 for bug, run in runs.items()} == dict.fromkeys(runs, True)


# --- Phase 1 and 2.4: numbers added in the second edition ----------------------------------


def test_drop_1_2_kl_from_teacher_to_student_b() -> None:
    text = body("1.2")
    teacher = np.array([0.90, 0.05, 0.03, 0.01] + [0.01 / 6] * 6)
    student_b = np.array([0.90] + [0.10 / 9] * 9)
    cross_entropy_b = -(teacher * np.log(student_b)).sum()
    entropy = -(teacher * np.log(teacher)).sum()
    assert f"it is {entropy:.3f} nats for A" in text
    assert f"and {cross_entropy_b:.3f} for B" in text
    assert f"The {kl(teacher, student_b):.3f} gap is KL(p_teacher ‖ q_B)" in text


def test_drop_1_4_bargain_includes_serving_and_training() -> None:
    text = body("1.4")
    teacher_per_day = 16 * 2 + 2 * 10  # $ a day: 16M input tokens at $2/M, 2M output at $10/M
    cpu_per_day, gpu_per_day, one_off = 0.20 * 24, 2 * 24, 26 + 100
    saving = teacher_per_day - cpu_per_day
    assert f"or ${teacher_per_day} a day, about $19,000 a year" in text
    assert round(teacher_per_day * 365, -3) == 19_000
    assert f"${cpu_per_day:.2f} a day. Then ${one_off} of one-off costs" in text
    assert f"a saving of ${saving:.2f} a day, about $17,000 a year" in text
    assert round(saving * 365, -3) == 17_000
    assert one_off / saving < 3  # "repaid in under three days"
    assert f"the saving shrinks to ${teacher_per_day - gpu_per_day} a day" in text


def test_drop_2_4_full_vocabulary_cache_size() -> None:
    text = body("2.4")
    per_token = 128_000 * 2  # bytes: one 16-bit float per vocabulary entry
    assert f"{per_token // 1000} kB a token, {per_token * 10**9 // 10**12} TB for a billion" in text
