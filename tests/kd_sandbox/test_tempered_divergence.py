"""Properties of the one tempered divergence, and that every loss path goes through it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from kd_sandbox.kd import losses
from kd_sandbox.kd.bugs import REGISTRY
from kd_sandbox.kd.losses import Divergence, hinton_kd_loss, reverse_kd_loss, tempered_divergence
from kd_sandbox.lm.losses import generalized_jsd, token_kd_loss

DIVERGENCES: list[tuple[Divergence, float]] = [
    ("forward", 0.5),
    ("reverse", 0.5),
    ("jsd", 0.5),
    ("jsd", 0.1),
    ("jsd", 0.9),
]


def _logits(seed: int, shape: tuple[int, ...] = (4, 6, 10), scale: float = 3.0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * scale


@pytest.mark.parametrize(("divergence", "beta"), DIVERGENCES)
@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0])
def test_zero_for_equal_inputs(divergence: Divergence, beta: float, temperature: float) -> None:
    logits = _logits(0)
    value = tempered_divergence(
        logits, logits.clone(), T=temperature, divergence=divergence, beta=beta
    )
    assert value.item() == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize(("divergence", "beta"), DIVERGENCES)
@pytest.mark.parametrize("seed", range(10))
def test_never_negative(divergence: Divergence, beta: float, seed: int) -> None:
    student, teacher = _logits(seed), _logits(seed + 100)
    for temperature in (0.5, 2.0, 20.0):
        value = tempered_divergence(
            student, teacher, T=temperature, divergence=divergence, beta=beta
        )
        assert value.item() >= -1e-6


def _gradient_norm(temperature: float, *, t_squared: bool) -> float:
    student = (_logits(1, (32, 10), scale=1.0)).requires_grad_(True)
    teacher = _logits(2, (32, 10), scale=1.0)
    value = tempered_divergence(student, teacher, T=temperature, t_squared=t_squared)
    (gradient,) = torch.autograd.grad(value, student)
    return float(gradient.norm())


def test_t_squared_keeps_the_gradient_size_as_t_grows() -> None:
    """Hinton et al. section 2: the KL's gradient shrinks like 1/T², T² cancels it."""
    scaled = [_gradient_norm(t, t_squared=True) for t in (10.0, 20.0, 40.0)]
    assert scaled[1] / scaled[0] == pytest.approx(1.0, rel=0.05)
    assert scaled[2] / scaled[0] == pytest.approx(1.0, rel=0.05)
    unscaled = [_gradient_norm(t, t_squared=False) for t in (10.0, 20.0)]
    assert unscaled[0] / unscaled[1] == pytest.approx(4.0, rel=0.05)


@pytest.mark.parametrize(("divergence", "beta"), DIVERGENCES)
def test_masked_positions_contribute_nothing(divergence: Divergence, beta: float) -> None:
    student = _logits(3).requires_grad_(True)
    teacher = _logits(4)
    mask = torch.ones(4, 6)
    mask[:, 4:] = 0.0
    value = tempered_divergence(
        student, teacher, T=2.0, divergence=divergence, beta=beta, mask=mask
    )
    (gradient,) = torch.autograd.grad(value, student)
    assert gradient[:, 4:].abs().max().item() == 0.0
    noisy_teacher = teacher.clone()
    noisy_teacher[:, 4:] = _logits(5)[:, 4:]
    again = tempered_divergence(
        student, noisy_teacher, T=2.0, divergence=divergence, beta=beta, mask=mask
    )
    assert again.item() == pytest.approx(value.item(), rel=1e-6)
    kept = tempered_divergence(
        student[:, :4], teacher[:, :4], T=2.0, divergence=divergence, beta=beta
    )
    assert kept.item() == pytest.approx(value.item(), rel=1e-5)


def test_mean_reduction_is_batchmean_over_the_number_of_classes() -> None:
    student, teacher = _logits(6), _logits(7)
    batchmean = tempered_divergence(student, teacher, T=3.0)
    mean = tempered_divergence(student, teacher, T=3.0, reduction="mean")
    assert mean.item() == pytest.approx(batchmean.item() / 10, rel=1e-6)


def test_forward_kl_by_hand() -> None:
    # p_t = (1/4, 3/4), p_s = (1/2, 1/2) at T = 2: T²·KL = 4·0.130812…
    teacher = torch.tensor([[0.0, 2 * math.log(3.0)]])
    student = torch.zeros(1, 2)
    kl = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    value = tempered_divergence(student, teacher, T=2.0)
    assert value.item() == pytest.approx(4 * kl, rel=1e-6)


def test_every_loss_path_calls_the_one_divergence(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = losses._kl

    def counting(p_log: torch.Tensor, q_log: torch.Tensor) -> torch.Tensor:
        calls.append("kl")
        return real(p_log, q_log)

    monkeypatch.setattr(losses, "_kl", counting)
    student, teacher = _logits(8, (8, 10)), _logits(9, (8, 10))
    labels = torch.randint(0, 10, (8,), generator=torch.Generator().manual_seed(0))
    paths: dict[str, Callable[[], object]] = {
        "hinton": lambda: hinton_kd_loss(student, teacher, labels, 4.0, 0.9),
        "reverse": lambda: reverse_kd_loss(student, teacher, labels, 4.0, 0.9),
        "token": lambda: token_kd_loss(
            student[None], teacher[None], labels[None], T=2.0, alpha=0.5
        ),
        "jsd": lambda: generalized_jsd(student, teacher, beta=0.5),
    }
    for name, bug in REGISTRY.items():
        if name != "probs":  # that bug is calling F.kl_div wrongly, by hand
            paths[f"bug={name}"] = functools.partial(bug.loss, student, teacher, labels, 4.0, 0.9)
    for name, path in paths.items():
        calls.clear()
        path()
        assert calls, f"{name} does not use tempered_divergence"


def test_no_other_module_computes_a_kl_of_its_own() -> None:
    kd = Path(losses.__file__).parent
    for path in kd.parent.rglob("*.py"):  # the whole kd_sandbox package
        text = path.read_text()
        if path.name in ("losses.py", "bugs.py") and path.parent == kd:
            continue
        assert "kl_div(" not in text, f"{path} computes a KL outside kd_sandbox.kd.losses"
