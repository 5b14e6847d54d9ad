"""Runs through ``runner.run`` with a quick teacher and few steps: what a user gets back."""

from __future__ import annotations

import sys
import types

import pytest
import torch

from kd_sandbox.digits import runner
from kd_sandbox.digits.experiments import label_free_shift
from kd_sandbox.digits.teacher import cache_path
from kd_sandbox.result import CAPTION_LIMIT, RunResult
from kd_sandbox.spec import BUGS, parse_settings
from kd_sandbox.teacher_config import BUG_TEACHER_DROPOUT, QUICK_TEACHER, teacher_for
from tests.kd_sandbox.conftest import phone_sized


def _run(settings, cache_dir, progress=None):
    return runner.run(parse_settings(settings), cache_dir, progress, teacher=QUICK_TEACHER)


def test_compare_run_returns_a_phone_sized_png_caption_and_metrics(quick_cache):
    fractions: list[float] = []
    result = _run("steps=60", quick_cache, fractions.append)
    assert phone_sized(result.png)
    assert len(result.caption) <= CAPTION_LIMIT
    metrics = result.metrics
    assert 0.0 <= metrics["hard_acc"] <= 1.0 and 0.0 <= metrics["kd_acc"] <= 1.0
    assert metrics["teacher_acc"] > 0.9
    assert f"{metrics['kd_acc']:.1%}" in result.caption
    assert f"{metrics['hard_acc']:.1%}" in result.caption
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert 5 <= len(fractions) <= 60  # now and then, not every step
    # The curves the Mini App draws: each arm's loss and accuracy, ending where the caption does.
    curves = metrics["curves"]
    assert [arm["key"] for arm in curves["arms"]] == ["hard", "kd"]
    assert curves["loss_steps"][0] == 1 and len(curves["loss_steps"]) == 60
    for arm in curves["arms"]:
        assert len(arm["accuracy"]) == len(curves["eval_steps"])
        assert len(arm["loss"]) == len(curves["loss_steps"])
    assert curves["arms"][1]["accuracy"][-1] == pytest.approx(metrics["kd_acc"], abs=1e-5)


def test_same_seed_gives_the_same_numbers_and_another_seed_others(quick_cache):
    first = _run("steps=40 seed=5", quick_cache).metrics
    again = _run("steps=40 seed=5", quick_cache).metrics
    other = _run("steps=40 seed=6", quick_cache).metrics
    assert first == again
    assert (first["hard_acc"], first["kd_acc"]) != (other["hard_acc"], other["kd_acc"])


@pytest.mark.parametrize("bug", [name for name in BUGS if name != "none"])
def test_every_bug_runs_beside_the_correct_loss(quick_cache, bug):
    result = _run(f"steps=40 bug={bug}", quick_cache)
    assert result.metrics["bug"] == bug
    assert 0.0 <= result.metrics["broken_acc"] <= 1.0
    assert f"bug={bug}" in result.caption
    assert len(result.caption) <= CAPTION_LIMIT
    assert phone_sized(result.png)


def test_train_teacher_distils_from_its_own_dropout_teacher_cached_apart(quick_cache):
    own = teacher_for("train_teacher", QUICK_TEACHER)
    assert own.dropout == BUG_TEACHER_DROPOUT["train_teacher"] != QUICK_TEACHER.dropout
    result = _run("steps=40 bug=train_teacher", quick_cache)
    assert cache_path(quick_cache, own).exists() and cache_path(quick_cache, QUICK_TEACHER).exists()
    default_teacher_acc = _run("steps=40", quick_cache).metrics["teacher_acc"]
    assert result.metrics["teacher_acc"] != default_teacher_acc
    assert f"dropout {own.dropout:g}" in result.caption


def test_probs_bug_shows_a_negative_kd_loss(quick_cache):
    metrics = _run("steps=40 bug=probs", quick_cache).metrics
    assert metrics["broken_min_loss"] < 0
    assert metrics["kd_final_loss"] > 0


def test_swapped_teacher_outputs_hurt_the_student(quick_cache):
    metrics = _run("steps=150 bug=swapped", quick_cache).metrics
    assert metrics["broken_acc"] < metrics["kd_acc"] - 0.2


def test_omit_mode_hard_labels_never_predict_the_missing_digit(quick_cache):
    result = _run("mode=omit digit=3 steps=150", quick_cache)
    metrics = result.metrics
    assert metrics["hard_digit_acc"] == 0.0
    assert metrics["kd_digit_acc"] > 0.2  # soft targets carry the 3s over
    assert metrics["kd_digit_acc_corrected"] >= metrics["kd_digit_acc"]
    assert "no 3s" in result.caption
    assert phone_sized(result.png)


def test_temperature_mode_shows_flatter_targets_at_higher_t(quick_cache):
    result = _run("mode=temperature digit=7 T=3", quick_cache)
    metrics = result.metrics
    assert metrics["temperatures"] == [1.0, 2.0, 3.0, 4.0, 8.0]
    peaks = [max(p) for p in metrics["probabilities"]]
    assert peaks == sorted(peaks, reverse=True)
    assert all(sum(p) == pytest.approx(1.0, abs=1e-5) for p in metrics["probabilities"])
    assert phone_sized(result.png)
    assert "T=8" in result.caption and len(result.caption) <= CAPTION_LIMIT


def test_label_free_shift_reaches_the_target_share_without_labels():
    logits = torch.tensor([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [0.0, 4.0]])
    shift = label_free_shift(logits, digit=0, target_share=0.5)
    shifted = logits.clone()
    shifted[:, 0] += shift
    assert (shifted.argmax(dim=-1) == 0).float().mean().item() == 0.5
    assert label_free_shift(logits, digit=1, target_share=0.5) == 0.0  # only ever raises


def test_language_model_modes_are_handed_to_the_lm_package(monkeypatch, tmp_path):
    calls = []

    def run_lm_mode(spec, cache_dir, progress, on_teacher_ready):
        calls.append((spec.mode, cache_dir, on_teacher_ready))
        return RunResult(png=b"", caption="lm", metrics={"mode": spec.mode})

    def started() -> None:
        """The worker's signal that the run's time limit starts."""

    fake = types.ModuleType("kd_sandbox.lm")
    fake.run_lm_mode = run_lm_mode  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kd_sandbox.lm", fake)
    result = runner.run(parse_settings("mode=tokens"), tmp_path, on_started=started)
    assert result.caption == "lm"
    assert calls == [("tokens", tmp_path, started)]


@pytest.mark.slow
def test_default_run_kd_beats_hard_labels_by_two_points(default_cache):
    metrics = runner.run(parse_settings("seed=0"), default_cache).metrics
    assert metrics["teacher_acc"] > 0.95
    assert metrics["kd_acc"] - metrics["hard_acc"] >= 0.02
