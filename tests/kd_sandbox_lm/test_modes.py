"""Each LM mode through run_lm_mode at a tiny size: a picture, a caption, the numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kd_sandbox.lm import run_lm_mode
from kd_sandbox.lm.onpolicy import verdict
from kd_sandbox.phone_style import ASPECT, WIDTH_PX
from kd_sandbox.spec import parse_settings
from tests.kd_sandbox_lm.conftest import png_size, run_tiny

EXPECTED_METRICS = {
    "traces": {"accuracy_traces", "accuracy_answers", "teacher_accuracy", "majority_baseline"},
    "tokens": {"accuracy_kd", "accuracy_plain", "kl_kd", "kl_plain", "teacher_entropy_T"},
    "preference": {"worked_dpo", "worked_sft", "accuracy_dpo", "accuracy_sft", "pairs"},
    "onpolicy": {"recovery_onpolicy", "recovery_offline", "accuracy_onpolicy", "accuracy_offline"},
}


@pytest.mark.parametrize(
    "settings",
    [
        "mode=traces steps=10",
        "mode=tokens steps=10",
        "mode=preference steps=10",
        "mode=onpolicy steps=10",
        "mode=onpolicy steps=10 divergence=jsd beta=0.3",
        "mode=onpolicy steps=10 divergence=reverse hidden=8",
    ],
)
def test_mode_returns_picture_caption_and_numbers(tiny_cache: Path, settings: str) -> None:
    spec = parse_settings(settings)
    progress: list[float] = []
    result = run_tiny(settings, tiny_cache, progress.append)
    width, height = png_size(result.png)
    assert width == WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1]
    assert 0 < len(result.caption) <= 1024
    assert f"mode={spec.mode}" in result.caption
    assert "This run shows:" in result.caption
    assert EXPECTED_METRICS[spec.mode] <= set(result.metrics)
    accuracies = [v for k, v in result.metrics.items() if k.startswith("accuracy")]
    assert all(0.0 <= a <= 1.0 for a in accuracies)
    assert result.wall_s > 0
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)


def test_divergence_names_the_jsd_beta(tiny_cache: Path) -> None:
    result = run_tiny("mode=onpolicy steps=10 divergence=jsd beta=0.3", tiny_cache)
    assert "generalised JSD (β=0.3)" in result.caption


# tokens and onpolicy have the longest captions; onpolicy trains its own teacher.
@pytest.mark.parametrize("settings", ["mode=tokens steps=10", "mode=onpolicy steps=10"])
def test_first_run_trains_the_teacher_and_says_so(tmp_path: Path, settings: str) -> None:
    first = run_tiny(settings, tmp_path)
    assert "teacher was trained now" in first.caption
    assert len(first.caption) <= 1024 and first.caption.endswith("it is cached.)")
    assert "teacher_train_s" in first.metrics
    again = run_tiny(settings, tmp_path)
    assert "teacher was trained now" not in again.caption


def test_non_lm_mode_is_refused(tiny_cache: Path) -> None:
    with pytest.raises(ValueError, match="not a language-model mode"):
        run_lm_mode(parse_settings("mode=compare"), tiny_cache)


def test_onpolicy_reports_both_students_after_a_wrong_digit_and_without(
    tiny_cache: Path,
) -> None:
    result = run_tiny("mode=onpolicy steps=10", tiny_cache)
    metrics = result.metrics
    on, off = metrics["recovery_onpolicy"], metrics["recovery_offline"]
    assert f"continued right after a wrong digit: on-policy {on:.0%}, offline {off:.0%}" in (
        result.caption
    )
    on, off = metrics["accuracy_onpolicy"], metrics["accuracy_offline"]
    assert f"no wrong digit: on-policy {on:.0%}, offline {off:.0%}" in result.caption
    assert all(0.0 <= metrics[k] <= 1.0 for k in ("start_recovery", "teacher_recovery"))


@pytest.mark.parametrize(
    ("gain", "shown"),
    [
        (0.45, "taught the on-policy student to read the map after its own wrong turns (+45"),
        (-0.1, "here the offline student recovered better (-10 points for on-policy)"),
        (0.01, "both students recover about equally often"),
    ],
)
def test_the_onpolicy_caption_says_which_way_the_run_went(gain: float, shown: str) -> None:
    assert shown in verdict(gain)
