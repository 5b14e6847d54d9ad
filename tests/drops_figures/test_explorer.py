"""The temperature explorer's numbers in Python (the page computes the same in the browser)."""

from __future__ import annotations

import math

import pytest

from drops.explorer import SEVEN, SEVEN_LOGITS, soft_targets, temperature_presets


def test_soft_targets_give_drop_2_2s_numbers() -> None:
    cold, warm = soft_targets(SEVEN_LOGITS, 1.0, SEVEN), soft_targets(SEVEN_LOGITS, 4.0, SEVEN)
    assert sum(cold.probabilities) == pytest.approx(1.0)
    assert cold.probabilities[7] == pytest.approx(0.99, abs=0.005)
    assert cold.top_two_ratio == pytest.approx(math.exp(5))  # the 7 and the 9: 5 logits apart
    assert warm.top_two_ratio == pytest.approx(math.exp(5 / 4))
    assert (cold.entropy, warm.entropy) == pytest.approx((0.069, 1.81), abs=0.005)
    assert warm.wrong_mass == pytest.approx(1 - warm.probabilities[7])
    flat = soft_targets([2.0] * 10, 3.0, SEVEN)
    assert flat.entropy == pytest.approx(math.log(10)) and flat.top_two_ratio == 1.0


def test_the_presets_are_drop_2_2s_seven_and_a_real_teachers_seven() -> None:
    example, real = temperature_presets()
    assert example["logits"] == list(SEVEN_LOGITS) and example["label"] == SEVEN
    assert real["label"] == SEVEN and len(real["logits"]) == 10
    assert max(range(10), key=real["logits"].__getitem__) == SEVEN  # the teacher gets it right
    assert "Real teacher" in real["name"]
