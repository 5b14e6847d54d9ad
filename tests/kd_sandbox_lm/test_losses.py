"""The LM losses against hand-computed values and the properties their papers state."""

from __future__ import annotations

import math

import pytest
import torch

from kd_sandbox.lm.losses import dpo_loss, dpo_margins, generalized_jsd, token_kd_loss

# Teacher P = (0.25, 0.75), student Q = (0.5, 0.5), as logits.
TEACHER = torch.tensor([[0.0, math.log(3.0)]])
STUDENT = torch.tensor([[0.0, 0.0]])
FORWARD_KL = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)  # KL(P‖Q) ≈ 0.130812
REVERSE_KL = 0.5 * math.log(2.0) + 0.5 * math.log(0.5 / 0.75)  # KL(Q‖P) ≈ 0.143841
# M = (0.375, 0.625); JSD(0.5) = ½ KL(P‖M) + ½ KL(Q‖M)
JSD_HALF = 0.5 * (0.25 * math.log(0.25 / 0.375) + 0.75 * math.log(0.75 / 0.625)) + 0.5 * (
    0.5 * math.log(0.5 / 0.375) + 0.5 * math.log(0.5 / 0.625)
)


def test_dpo_loss_by_hand() -> None:
    # margin = β[(−1 − (−2)) − (−3 − (−2))] = 0.5 · 2 = 1; loss = −log σ(1)
    loss = dpo_loss(
        torch.tensor([-1.0]), torch.tensor([-3.0]), torch.tensor([-2.0]), torch.tensor([-2.0]), 0.5
    )
    assert loss.item() == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-6)


def test_dpo_loss_is_log2_when_policy_equals_reference() -> None:
    logps = torch.tensor([-4.0, -1.5, -7.0])
    loss = dpo_loss(logps, logps - 1.0, logps, logps - 1.0, 0.1)
    assert loss.item() == pytest.approx(math.log(2.0), rel=1e-6)


def test_dpo_loss_falls_as_chosen_gains_over_rejected() -> None:
    ref = torch.tensor([-5.0])
    losses = [dpo_loss(ref + d, ref - d, ref, ref, 0.1).item() for d in (0.0, 1.0, 5.0)]
    assert losses[0] > losses[1] > losses[2] > 0.0


def test_dpo_margins_are_per_pair_rewards() -> None:
    margins = dpo_margins(
        torch.tensor([-1.0, -2.0]),
        torch.tensor([-3.0, -1.0]),
        torch.tensor([-2.0, -2.0]),
        torch.tensor([-2.0, -2.0]),
        0.1,
    )
    assert margins.tolist() == pytest.approx([0.2, -0.1])


def test_jsd_endpoints_are_the_two_kls_as_in_trl() -> None:
    assert generalized_jsd(STUDENT, TEACHER, beta=0.0).item() == pytest.approx(FORWARD_KL, rel=1e-5)
    assert generalized_jsd(STUDENT, TEACHER, beta=1.0).item() == pytest.approx(REVERSE_KL, rel=1e-5)


def test_jsd_half_by_hand_symmetric_and_below_log2() -> None:
    value = generalized_jsd(STUDENT, TEACHER, beta=0.5).item()
    assert value == pytest.approx(JSD_HALF, rel=1e-5)
    assert generalized_jsd(TEACHER, STUDENT, beta=0.5).item() == pytest.approx(value, rel=1e-6)
    far = generalized_jsd(torch.tensor([[30.0, 0.0]]), torch.tensor([[0.0, 30.0]]), beta=0.5)
    assert far.item() <= math.log(2.0) + 1e-6
    assert far.item() == pytest.approx(math.log(2.0), rel=1e-3)


def test_jsd_near_the_endpoints_approaches_the_kls_scaled() -> None:
    # JSD(β) ≈ β·KL(P‖Q) for small β and ≈ (1−β)·KL(Q‖P) near 1 (Agarwal et al. 2024).
    eps = 1e-4
    assert generalized_jsd(STUDENT, TEACHER, beta=eps).item() / eps == pytest.approx(
        FORWARD_KL, rel=1e-2
    )
    assert generalized_jsd(STUDENT, TEACHER, beta=1 - eps).item() / eps == pytest.approx(
        REVERSE_KL, rel=1e-2
    )


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.5, 1.0])
def test_jsd_is_zero_for_equal_distributions(beta: float) -> None:
    logits = torch.randn(3, 5, 7, generator=torch.Generator().manual_seed(0))
    assert generalized_jsd(logits, logits.clone(), beta=beta).item() == pytest.approx(0.0, abs=1e-6)


def test_jsd_temperature_divides_the_logits() -> None:
    g = torch.Generator().manual_seed(1)
    student, teacher = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    hot = generalized_jsd(student, teacher, beta=0.3, T=2.0)
    assert hot.item() == pytest.approx(generalized_jsd(student / 2, teacher / 2, beta=0.3).item())


def test_masked_positions_do_not_count() -> None:
    student = torch.cat([STUDENT, torch.tensor([[9.0, -9.0]])]).unsqueeze(0)  # (1, 2, 2)
    teacher = torch.cat([TEACHER, torch.tensor([[-9.0, 9.0]])]).unsqueeze(0)
    mask = torch.tensor([[1.0, 0.0]])
    assert generalized_jsd(student, teacher, beta=0.0, mask=mask).item() == pytest.approx(
        FORWARD_KL, rel=1e-5
    )


def test_token_kd_with_alpha_zero_is_cross_entropy() -> None:
    g = torch.Generator().manual_seed(2)
    student, teacher = torch.randn(2, 3, 5, generator=g), torch.randn(2, 3, 5, generator=g)
    targets = torch.randint(0, 5, (2, 3), generator=g)
    loss = token_kd_loss(student, teacher, targets, T=4.0, alpha=0.0)
    expected = torch.nn.functional.cross_entropy(student.reshape(-1, 5), targets.reshape(-1))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_token_kd_soft_term_is_t_squared_kl_at_t() -> None:
    # At T = 2 the teacher (0, 2·ln 3) softens to P = (0.25, 0.75); the student stays uniform.
    teacher = torch.tensor([[0.0, 2 * math.log(3.0)]])
    loss = token_kd_loss(STUDENT, teacher, torch.tensor([0]), T=2.0, alpha=1.0)
    assert loss.item() == pytest.approx(4.0 * FORWARD_KL, rel=1e-5)
