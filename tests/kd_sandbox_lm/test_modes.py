"""Each LM mode through run_lm_mode at a tiny size: a picture, a caption, the numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kd_sandbox.lm import run_lm_mode
from kd_sandbox.phone_style import ASPECT, WIDTH_PX
from kd_sandbox.spec import parse_settings
from tests.kd_sandbox_lm.conftest import TINY_SIZES, TINY_TEACHER, png_size

EXPECTED_METRICS = {
    "traces": {"accuracy_traces", "accuracy_answers", "teacher_accuracy", "majority_baseline"},
    "tokens": {"accuracy_kd", "accuracy_plain", "kl_kd", "kl_plain", "teacher_entropy_T"},
    "preference": {"worked_dpo", "worked_sft", "accuracy_dpo", "accuracy_sft", "pairs"},
    "onpolicy": {"accuracy_onpolicy", "accuracy_offline", "divergence_onpolicy"},
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
    result = run_lm_mode(
        spec, tiny_cache, progress.append, teacher_settings=TINY_TEACHER, sizes=TINY_SIZES
    )
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
    spec = parse_settings("mode=onpolicy steps=10 divergence=jsd beta=0.3")
    result = run_lm_mode(spec, tiny_cache, teacher_settings=TINY_TEACHER, sizes=TINY_SIZES)
    assert "generalised JSD (β=0.3)" in result.caption


def test_first_run_trains_the_teacher_and_says_so(tmp_path: Path) -> None:
    spec = parse_settings("mode=tokens steps=10")  # the longest caption, plus the note
    first = run_lm_mode(spec, tmp_path, teacher_settings=TINY_TEACHER, sizes=TINY_SIZES)
    assert "teacher was trained now" in first.caption
    assert len(first.caption) <= 1024 and first.caption.endswith("it is cached.)")
    assert "teacher_train_s" in first.metrics
    again = run_lm_mode(spec, tmp_path, teacher_settings=TINY_TEACHER, sizes=TINY_SIZES)
    assert "teacher was trained now" not in again.caption


def test_non_lm_mode_is_refused(tiny_cache: Path) -> None:
    with pytest.raises(ValueError, match="not a language-model mode"):
        run_lm_mode(parse_settings("mode=compare"), tiny_cache)
