"""The numbers the new figures draw are the numbers their drops quote, and vice versa."""

from __future__ import annotations

import math

import numpy as np

from drops.figures import (
    DIGITS_TRAIN,
    KD_ALPHA,
    KD_TEMPERATURE,
    PLAN_FALLBACK,
    PLAN_GPU_PER_DAY,
    PLAN_ONE_OFF,
    PLAN_TEACHER_PER_CALL,
    TICKET_LOGPROBS,
    TICKETS_PER_DAY,
    TRACE_SOLVE_RATE,
    TRACES_PER_PROBLEM,
    batch_tensors,
    break_even_days,
    digits,
    digits_teacher,
    distil_digits_student,
    dpo_loss,
    fallback_cost_per_day,
    kept_traces_distribution,
    slip_probability,
    student_cost_per_call,
    teacher_on_test_digits,
    ticket_soft_label,
    two_sevens,
)
from tests.drops_figures.lesson_files import read_drop


def body(drop_id: str) -> str:
    return read_drop(drop_id)[1]


# --- 1.2: two real 7s --------------------------------------------------------------------


def test_drop_1_2_figure_shows_two_real_sevens_the_teacher_reads_differently() -> None:
    x, y = digits()
    assert x.shape == (1797, 64) and x.min() >= 0.0 and x.max() <= 1.0
    _, accuracy = digits_teacher()
    assert accuracy > 0.9
    probs = teacher_on_test_digits()
    first, second = two_sevens()
    assert y[DIGITS_TRAIN + first] == y[DIGITS_TRAIN + second] == 7  # one hard label
    runners = []
    for index in (first, second):
        p = probs[index]
        assert p.argmax() == 7
        runner = int(np.argsort(p)[-2])
        runners.append(runner)
        # Dark knowledge: a visible runner-up, and the rest spread over many decades.
        assert p[runner] > 0.01
        assert p.min() < 1e-6
    assert runners[0] != runners[1]


# --- 2.1: the two terms over a real run --------------------------------------------------


def test_drop_2_1_figure_run_uses_the_drops_settings_and_learns() -> None:
    text = body("2.1")
    assert f"defaults to α = {KD_ALPHA:g}" in text
    assert (KD_TEMPERATURE, KD_ALPHA) == (4.0, 0.9)
    run = distil_digits_student()
    assert run.test_accuracy > 0.85
    # "What moves the student is the gradient": the soft part pulls harder all run long.
    assert (run.soft_pull > run.hard_pull).all()
    assert run.soft_part[-20:].mean() < run.soft_part[:20].mean() / 10
    # At the start the hard part is the 0.1 × ln 10 of an untrained student.
    assert abs(run.hard_part[0] - 0.1 * math.log(10)) < 0.01


# --- 2.4: one batch's tensors -----------------------------------------------------------


def test_drop_2_4_figure_tensors_have_the_shapes_the_drop_names() -> None:
    text = body("2.4")
    tensors = batch_tensors()
    shapes = {name: value.shape for name, value in tensors.items()}
    assert shapes["x"] == (32, 64) and "`x` has shape (32, 64)" in text
    assert shapes["y"] == (32,) and "`y` have shape (32,)" in text
    for name in ("t_logits", "s_logits", "log_q", "p"):
        assert shapes[name] == (32, 10)
        assert f"{name} = " in text and "# (32, 10)" in text
    assert shapes["kl"] == (32, 10) and "each of the 32 × 10 entries" in text
    assert shapes["soft"] == ()
    # "adds all 320 up and divides by 32": the mean of the per-image KLs.
    assert "adds all 320 up and divides by 32" in text
    assert np.isclose(tensors["soft"], tensors["kl_rows"].mean())
    assert (tensors["kl_rows"] > 0).all()  # a KL is never negative, each row a true KL


# --- 3.1: the ticket's soft label and the fallback ---------------------------------------


def test_drop_3_1_soft_label_and_fallback_cost() -> None:
    text = body("3.1")
    logprobs = ", ".join(f"{name} {value:.2f}" for name, value in TICKET_LOGPROBS.items())
    assert logprobs.replace("-", "−") in text
    raw = np.exp(list(TICKET_LOGPROBS.values()))
    assert "Exponentiated: {:.3f}, {:.3f}, {:.3f}, {:.3f}".format(*raw) in text
    assert f"which sum to {raw.sum():.3f}" in text
    assert "categories: {:.3f}, {:.3f}, {:.3f}, {:.3f}.".format(*ticket_soft_label()) in text
    alone, kept = fallback_cost_per_day(0.0), fallback_cost_per_day(0.85)
    assert f"{TICKETS_PER_DAY:,} tickets a day" in text
    assert f"so ${alone:.0f} a day" in text
    fallback_tickets = round(0.15 * TICKETS_PER_DAY)
    assert f"the teacher now sees {fallback_tickets:,} tickets a day: about ${kept:.0f}" in text


# --- 3.2: the correctness filter ---------------------------------------------------------


def test_drop_3_2_kept_traces() -> None:
    text = body("3.2")
    dist = kept_traces_distribution(TRACE_SOLVE_RATE, TRACES_PER_PROBLEM)
    assert abs(dist.sum() - 1) < 1e-12
    mean = float((np.arange(TRACES_PER_PROBLEM + 1) * dist).sum())
    assert f"solves a problem {TRACE_SOLVE_RATE:.0%} of the time" in text
    assert f"Sample {TRACES_PER_PROBLEM} worked solutions per problem" in text
    assert f"= {1 - dist[0]:.1%} of problems would keep at least one trace" in text
    assert f"with {mean:.1f} kept on average" in text


# --- 3.3: DPO on one pair ----------------------------------------------------------------


def test_drop_3_3_dpo_worked_pair() -> None:
    text = body("3.3")
    assert f"−log σ(0) = ln 2 ≈ {float(dpo_loss(0.0, 0.1)):.3f}" in text
    margin = (-42.0 - -45.0) - (-40.0 - -39.0)
    assert f"0.1 × (3.0 + 1.0) = {0.1 * margin:.1f}" in text
    assert f"−log σ(0.4) ≈ {float(dpo_loss(margin, 0.1)):.3f}" in text


# --- 3.4: exposure bias ------------------------------------------------------------------


def test_drop_3_4_slip_probability() -> None:
    assert f"1 − 0.99²⁰⁰ ≈ {float(slip_probability(200, 0.01)):.0%}" in body("3.4")


# --- 4.1: cost against volume ------------------------------------------------------------


def test_drop_4_1_cost_arithmetic() -> None:
    text = body("4.1")
    calls = 20_000
    student = float(student_cost_per_call(calls))
    assert f"{calls:,} calls a day at ${PLAN_TEACHER_PER_CALL} each" in text
    assert f"${PLAN_GPU_PER_DAY:.0f} a day, so ${student:.4f} a call" in text
    assert f"so ${PLAN_ONE_OFF:.0f}." in text
    saving = calls * (PLAN_TEACHER_PER_CALL - student)
    assert f"= ${saving:.0f}. Break-even: {PLAN_ONE_OFF:.0f} ÷ {saving:.0f} ≈ " in text
    assert f"≈ {float(break_even_days(calls)):.1f} days" in text
    with_fallback = float(student_cost_per_call(calls, PLAN_FALLBACK))
    assert f"rises by {PLAN_FALLBACK} × ${PLAN_TEACHER_PER_CALL} to ${with_fallback:.3f}" in text
    saving = calls * (PLAN_TEACHER_PER_CALL - with_fallback)
    assert f"the saving drops to ${saving:.0f} a day" in text
    assert f"about {float(break_even_days(calls, PLAN_FALLBACK)):.1f} days" in text
    small = float(student_cost_per_call(500))
    ratio = small / PLAN_TEACHER_PER_CALL
    assert f"At 500 calls a day, the same GPU costs ${small:.3f} a call, {ratio:.0f} times" in text
    assert math.isinf(float(break_even_days(PLAN_GPU_PER_DAY / PLAN_TEACHER_PER_CALL)))
