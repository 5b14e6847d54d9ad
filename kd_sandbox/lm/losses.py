"""The losses of the language-model modes, as pure functions of tensors.

Shapes: logits are (..., V) over the shared vocabulary; a ``mask`` has the logits'
shape without V and marks the positions that count (1.0) or not (0.0). Every
per-position divergence is summed over the vocabulary and then averaged over the
counted positions.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _mean_over(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None:
        return values.mean()
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def kl_per_position(target_logprobs: torch.Tensor, input_logprobs: torch.Tensor) -> torch.Tensor:
    """KL(target ‖ input) = Σ_v p_target(v) (log p_target(v) − log p_input(v)), per position."""
    return F.kl_div(input_logprobs, target_logprobs, reduction="none", log_target=True).sum(-1)


def token_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    temperature: float,
    alpha: float,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Token-level knowledge distillation (Hinton, Vinyals & Dean 2015, applied per token).

    L = alpha · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − alpha) · CE(z_s, y)

    averaged over the counted positions. The T² keeps the soft term's gradients on the
    scale of the hard term's as T changes. ``targets`` (the data's next tokens) has the
    logits' shape without V.
    """
    soft = kl_per_position(
        F.log_softmax(teacher_logits / temperature, dim=-1),
        F.log_softmax(student_logits / temperature, dim=-1),
    )
    hard = F.cross_entropy(student_logits.flatten(0, -2), targets.flatten(), reduction="none")
    per_position = alpha * temperature**2 * soft + (1.0 - alpha) * hard.view_as(soft)
    return _mean_over(per_position, mask)


def generalized_jsd(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    *,
    beta: float,
    temperature: float = 1.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Generalised Jensen–Shannon divergence of GKD (Agarwal et al. 2024, Eq. 1).

    With P = teacher, Q = student (both softmax(logits / T)) and M = β·P + (1 − β)·Q:

        JSD(β) = β · KL(P ‖ M) + (1 − β) · KL(Q ‖ M)

    following TRL's ``generalized_jsd_loss``: β = 0 is taken as the forward KL(P ‖ Q)
    and β = 1 as the reverse KL(Q ‖ P) (the limits the two endpoints stand for; the
    formula itself vanishes there). β = 0.5 is the symmetric JSD, at most log 2.
    """
    student = F.log_softmax(student_logits / temperature, dim=-1)
    teacher = F.log_softmax(teacher_logits / temperature, dim=-1)
    if beta == 0.0:
        per_position = kl_per_position(teacher, student)
    elif beta == 1.0:
        per_position = kl_per_position(student, teacher)
    else:
        mixture = torch.logsumexp(
            torch.stack([teacher + math.log(beta), student + math.log1p(-beta)]), dim=0
        )
        per_position = beta * kl_per_position(teacher, mixture) + (1.0 - beta) * kl_per_position(
            student, mixture
        )
    return _mean_over(per_position, mask)


def dpo_margins(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Implicit reward margins r(x, y_w) − r(x, y_l): (B,).

    r(x, y) = β · log(π(y|x) / π_ref(y|x)) is the reward DPO's policy implies.
    """
    chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - ref_rejected_logps)
    return chosen_rewards - rejected_rewards


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Direct Preference Optimization (Rafailov et al. 2023, Eq. 7), averaged over pairs.

    L = −log σ( β · [ (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x)) ] )

    Inputs are (B,) sums of completion-token log-probabilities under the trained policy π
    and the frozen reference π_ref, for the chosen y_w and the rejected y_l.
    """
    margins = dpo_margins(
        policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta
    )
    return -F.logsigmoid(margins).mean()
