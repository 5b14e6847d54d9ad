"""The KD losses: exact values, basic properties, and Hinton's T² argument."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from kd_sandbox.kd.bugs import buggy_kd_loss
from kd_sandbox.kd.losses import hard_label_loss, hinton_kd_loss, reverse_kd_loss


def _random_batch(seed: int, batch: int = 8, classes: int = 10):
    generator = torch.Generator().manual_seed(seed)
    student = torch.randn(batch, classes, generator=generator) * 3
    teacher = torch.randn(batch, classes, generator=generator) * 3
    labels = torch.randint(0, classes, (batch,), generator=generator)
    return student, teacher, labels


def test_hinton_loss_equals_a_hand_computed_value():
    # t/T = [ln 3, 0] → p_t = [3/4, 1/4]; s = [0, 0] → p_s = [1/2, 1/2]; T = 2, alpha = 1/2.
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[2 * math.log(3.0), 0.0]])
    labels = torch.tensor([0])
    kl = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)  # 0.130812…
    expected_soft = 0.5 * 2**2 * kl
    expected_hard = 0.5 * math.log(2.0)  # CE of a uniform guess over two classes
    parts = hinton_kd_loss(student, teacher, labels, T=2.0, alpha=0.5)
    assert parts.soft.item() == pytest.approx(expected_soft, rel=1e-6)
    assert parts.hard.item() == pytest.approx(expected_hard, rel=1e-6)
    assert parts.total.item() == pytest.approx(0.608198, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_soft_term_is_zero_when_student_equals_teacher(seed):
    _student, teacher, labels = _random_batch(seed)
    parts = hinton_kd_loss(teacher.clone(), teacher, labels, T=4.0, alpha=0.9)
    assert parts.soft.item() == pytest.approx(0.0, abs=1e-6)
    reverse = reverse_kd_loss(teacher.clone(), teacher, labels, T=4.0, alpha=0.9)
    assert reverse.soft.item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0, 20.0])
def test_both_divergences_are_never_negative(seed, temperature):
    student, teacher, labels = _random_batch(seed)
    for loss in (hinton_kd_loss, reverse_kd_loss):
        assert loss(student, teacher, labels, temperature, alpha=1.0).soft.item() >= -1e-6


@pytest.mark.parametrize("seed", range(5))
def test_hinton_loss_matches_the_direct_formula(seed):
    student, teacher, labels = _random_batch(seed)
    temperature, alpha = 3.0, 0.7
    p_teacher = torch.softmax(teacher / temperature, dim=-1)
    p_student = torch.softmax(student / temperature, dim=-1)
    kl_per_example = (p_teacher * (p_teacher.log() - p_student.log())).sum(dim=-1)
    log_p = torch.log_softmax(student, dim=-1)
    cross_entropy = -log_p[torch.arange(len(labels)), labels].mean()
    expected = alpha * temperature**2 * kl_per_example.mean() + (1 - alpha) * cross_entropy
    parts = hinton_kd_loss(student, teacher, labels, temperature, alpha)
    assert parts.total.item() == pytest.approx(expected.item(), rel=1e-5)
    assert (parts.soft + parts.hard).item() == pytest.approx(parts.total.item(), rel=1e-6)


def test_reverse_loss_swaps_the_roles_of_student_and_teacher():
    student, teacher, labels = _random_batch(7)
    reverse = reverse_kd_loss(student, teacher, labels, T=2.0, alpha=1.0)
    forward_with_roles_swapped = hinton_kd_loss(teacher, student, labels, 2.0, alpha=1.0)
    assert reverse.soft.item() == pytest.approx(forward_with_roles_swapped.soft.item(), rel=1e-6)
    forward = hinton_kd_loss(student, teacher, labels, T=2.0, alpha=1.0)
    assert reverse.soft.item() != pytest.approx(forward.soft.item(), rel=1e-3)


def test_batchmean_is_the_mean_of_per_example_kl():
    student, teacher, labels = _random_batch(3)
    whole = hinton_kd_loss(student, teacher, labels, 2.0, alpha=1.0).soft
    doubled = hinton_kd_loss(
        torch.cat([student, student]), torch.cat([teacher, teacher]), labels.repeat(2), 2.0, 1.0
    ).soft
    one_by_one = [
        hinton_kd_loss(student[i : i + 1], teacher[i : i + 1], labels[i : i + 1], 2.0, 1.0).soft
        for i in range(len(labels))
    ]
    assert doubled.item() == pytest.approx(whole.item(), rel=1e-6)
    assert whole.item() == pytest.approx(torch.stack(one_by_one).mean().item(), rel=1e-5)


def test_alpha_moves_weight_between_the_terms():
    student, teacher, labels = _random_batch(4)
    only_soft = hinton_kd_loss(student, teacher, labels, 4.0, alpha=1.0)
    only_hard = hinton_kd_loss(student, teacher, labels, 4.0, alpha=0.0)
    assert only_soft.hard.item() == 0.0
    assert only_hard.soft.item() == 0.0
    assert only_hard.total.item() == pytest.approx(F.cross_entropy(student, labels).item())
    assert hard_label_loss(student, labels).total.item() == pytest.approx(only_hard.total.item())


def _soft_gradient_norm(temperature: float, scale_by_t2: bool) -> float:
    """|d soft / d student logits| for fixed zero-mean logits (alpha = 1)."""
    generator = torch.Generator().manual_seed(0)
    student = torch.randn(16, 10, generator=generator)
    teacher = torch.randn(16, 10, generator=generator)
    student = (student - student.mean(dim=-1, keepdim=True)).requires_grad_(True)
    teacher = teacher - teacher.mean(dim=-1, keepdim=True)
    labels = torch.zeros(16, dtype=torch.long)
    if scale_by_t2:
        soft = hinton_kd_loss(student, teacher, labels, temperature, alpha=1.0).soft
    else:
        soft = buggy_kd_loss(student, teacher, labels, temperature, alpha=1.0, bug="no_t2").soft
    (gradient,) = torch.autograd.grad(soft, student)
    return float(gradient.norm())


def test_without_t2_the_soft_gradient_shrinks_like_one_over_t_squared():
    # Hinton et al. 2015, section 2: for large T the gradient is ≈ (s − t) / (C·T²).
    for temperature in (8.0, 16.0, 32.0):
        at_t = _soft_gradient_norm(temperature, scale_by_t2=False)
        at_2t = _soft_gradient_norm(2 * temperature, scale_by_t2=False)
        ratio = at_t / at_2t
        assert ratio == pytest.approx(4.0, rel=0.05)


def test_with_t2_the_soft_gradient_keeps_its_size_as_t_grows():
    sizes = [_soft_gradient_norm(t, scale_by_t2=True) for t in (8.0, 16.0, 32.0, 64.0)]
    assert max(sizes) / min(sizes) < 1.1
