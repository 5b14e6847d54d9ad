"""Knowledge-distillation losses as pure functions.

Each returns a ``KDLoss``: the total and its two weighted parts, ``soft + hard == total``,
so curves can show which term drives training.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class KDLoss(NamedTuple):
    """Scalar tensors. ``soft`` = alpha·T²·divergence, ``hard`` = (1 − alpha)·CE."""

    total: torch.Tensor
    soft: torch.Tensor
    hard: torch.Tensor


def hinton_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> KDLoss:
    """Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural Network".

    .. math::
        L = \\alpha \\, T^2 \\, \\mathrm{KL}\\big(\\mathrm{softmax}(t/T) \\,\\|\\,
            \\mathrm{softmax}(s/T)\\big) + (1 - \\alpha) \\, \\mathrm{CE}(s, y)

    The KL is computed from log-probabilities on both sides (``log_target=True``, no
    ``log(0)``) and averaged over the batch (``batchmean``: the sum over classes, divided by
    B — the true per-example KL). The T² factor keeps the soft term's gradient the same
    size as T changes: without it the gradient shrinks like 1/T² (section 2 of the paper).

    Args:
        student_logits: (B, C) raw student scores ``s``.
        teacher_logits: (B, C) raw teacher scores ``t``. Compute them under
            ``torch.no_grad()`` with a frozen teacher: a gradient through them moves the
            teacher towards the student (the ``unfrozen_teacher`` bug).
        labels: (B,) class indices ``y`` for the hard term.
        temperature: T > 0; T = 1 is the ordinary softmax, larger T flattens it.
        alpha: weight of the soft term in [0, 1].
    """
    kl = _tempered_kl(teacher_logits, student_logits, temperature)
    return _mix(kl, student_logits, labels, temperature, alpha)


def reverse_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> KDLoss:
    """Reverse-KL distillation, as used for generative students (Gu et al. 2024, MiniLLM).

    .. math::
        L = \\alpha \\, T^2 \\, \\mathrm{KL}\\big(\\mathrm{softmax}(s/T) \\,\\|\\,
            \\mathrm{softmax}(t/T)\\big) + (1 - \\alpha) \\, \\mathrm{CE}(s, y)

    The expectation is under the student's distribution, so the student is punished for
    putting mass where the teacher has little ("mode-seeking"), not for missing some of
    the teacher's modes. Shapes and arguments as in ``hinton_kd_loss``.
    """
    kl = _tempered_kl(student_logits, teacher_logits, temperature)
    return _mix(kl, student_logits, labels, temperature, alpha)


def _tempered_kl(
    p_logits: torch.Tensor, q_logits: torch.Tensor, temperature: float
) -> torch.Tensor:
    """KL(softmax(p/T) ‖ softmax(q/T)), summed over classes and averaged over the batch.

    ``F.kl_div`` takes the second distribution (log q) first and the first (log p) as its
    target: the order that makes ``kl_div(student, teacher)`` the forward KL.
    """
    return F.kl_div(
        F.log_softmax(q_logits / temperature, dim=-1),
        F.log_softmax(p_logits / temperature, dim=-1),
        reduction="batchmean",
        log_target=True,
    )


def _mix(
    kl: torch.Tensor,
    student_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> KDLoss:
    """alpha·T²·KL plus (1 − alpha)·CE on the labels, with both parts kept for plotting."""
    soft = alpha * temperature**2 * kl
    hard = (1.0 - alpha) * F.cross_entropy(student_logits, labels)
    return KDLoss(soft + hard, soft, hard)


def hard_label_loss(student_logits: torch.Tensor, labels: torch.Tensor) -> KDLoss:
    """The baseline: plain cross-entropy on the labels, as a ``KDLoss`` with no soft part."""
    hard = F.cross_entropy(student_logits, labels)
    return KDLoss(hard, torch.zeros_like(hard), hard)
