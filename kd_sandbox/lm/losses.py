"""The losses of the language-model modes, as pure functions of tensors.

Shapes: logits are (..., V) over the shared vocabulary; a ``mask`` has the logits'
shape without V and marks the positions that count (1.0) or not (0.0). Every
per-position divergence is summed over the vocabulary and then averaged over the
counted positions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kd_sandbox.kd.losses import kd_loss, tempered_divergence


def token_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    T: float,
    alpha: float,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Token-level knowledge distillation (Hinton, Vinyals & Dean 2015, applied per token).

    L = alpha · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − alpha) · CE(z_s, y)

    averaged over the counted positions: ``kd_sandbox.kd.losses.kd_loss`` on (B, L, V)
    logits. ``targets`` (the data's next tokens) has the logits' shape without V.
    """
    return kd_loss(student_logits, teacher_logits, targets, T=T, alpha=alpha, mask=mask).total


def generalized_jsd(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    *,
    beta: float,
    T: float = 1.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Generalised Jensen–Shannon divergence of GKD (Agarwal et al. 2024, Eq. 1).

    With P = teacher, Q = student (both softmax(logits / T)) and M = β·P + (1 − β)·Q:

        JSD(β) = β · KL(P ‖ M) + (1 − β) · KL(Q ‖ M)

    following TRL's ``generalized_jsd_loss``: β = 0 is taken as the forward KL(P ‖ Q)
    and β = 1 as the reverse KL(Q ‖ P). β = 0.5 is the symmetric JSD, at most log 2.
    Unscaled (no T²), as in TRL; ``tempered_divergence`` with ``divergence="jsd"``.
    """
    return tempered_divergence(
        student_logits,
        teacher_logits,
        T=T,
        divergence="jsd",
        beta=beta,
        mask=mask,
        t_squared=False,
    )


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
