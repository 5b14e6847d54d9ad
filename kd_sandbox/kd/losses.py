"""Knowledge-distillation losses as pure functions, written once for every run.

``tempered_divergence`` is the one divergence between a student's and a teacher's
tempered distributions: the digits runs (Hinton's loss), the bug switches, token-level
KD and on-policy distillation all call it, so what a lesson says about T, T² or the
reduction is what every run does. ``kd_loss`` mixes it with cross-entropy and returns
a ``KDLoss`` with both weighted parts, ``soft + hard == total``, so curves can show
which term drives training.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F

Divergence = Literal["forward", "reverse", "jsd"]
Reduction = Literal["batchmean", "mean"]


class KDLoss(NamedTuple):
    """Scalar tensors. ``soft`` = alpha·T²·divergence, ``hard`` = (1 − alpha)·CE."""

    total: torch.Tensor
    soft: torch.Tensor
    hard: torch.Tensor


def tempered_divergence(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    *,
    T: float = 1.0,
    divergence: Divergence = "forward",
    beta: float = 0.5,
    mask: torch.Tensor | None = None,
    t_squared: bool = True,
    reduction: Reduction = "batchmean",
) -> torch.Tensor:
    """T² · D(p_t, p_s) with p_t = softmax(t/T), p_s = softmax(s/T), averaged over positions.

    .. math::
        \\mathrm{forward} = \\mathrm{KL}(p_t \\| p_s), \\quad
        \\mathrm{reverse} = \\mathrm{KL}(p_s \\| p_t), \\quad
        \\mathrm{JSD}_\\beta = \\beta\\,\\mathrm{KL}(p_t \\| m)
            + (1-\\beta)\\,\\mathrm{KL}(p_s \\| m),
        \\; m = \\beta p_t + (1-\\beta) p_s

    Forward KL is Hinton, Vinyals & Dean (2015); reverse KL is mode-seeking (Gu et al.
    2024, MiniLLM); the generalised JSD is GKD's (Agarwal et al. 2024, Eq. 1), with
    TRL's convention that β = 0 means forward and β = 1 reverse KL (the limits the
    endpoints stand for; the formula itself vanishes there).

    Why T²: the gradient of KL(p_t‖p_s) with respect to the student's logits is
    (p_s − p_t)/T, and for large T, p_s − p_t ≈ (s − t)/(C·T), so it shrinks like 1/T².
    Multiplying by T² keeps the soft term's pull the same size as T changes (section 2
    of Hinton et al.); ``t_squared=False`` is the ``no_t2`` bug.

    Args:
        student_logits: (..., V) raw student scores ``s``; gradients flow into them.
        teacher_logits: (..., V) raw teacher scores ``t``; compute them under
            ``torch.no_grad()`` from a frozen teacher.
        T: T > 0; T = 1 is the ordinary softmax, larger T flattens both.
        divergence: ``forward``, ``reverse`` or ``jsd``; ``beta`` is used by ``jsd`` only.
        mask: (...) the positions that count (1.0) or not (0.0); None counts all.
        t_squared: multiply by T² (the correct loss does).
        reduction: ``batchmean`` sums over V and averages over positions (the true
            per-position divergence); ``mean`` also divides by V, as
            ``F.kl_div(reduction="mean")`` does (the ``mean`` bug).

    Returns: a scalar tensor, ≥ 0, and 0 where the two distributions are equal.
    """
    student = F.log_softmax(student_logits / T, dim=-1)
    teacher = F.log_softmax(teacher_logits / T, dim=-1)
    if divergence == "forward" or (divergence == "jsd" and beta == 0.0):
        per_position = _kl(teacher, student)
    elif divergence == "reverse" or (divergence == "jsd" and beta == 1.0):
        per_position = _kl(student, teacher)
    elif divergence == "jsd":
        mixture = torch.logsumexp(
            torch.stack([teacher + math.log(beta), student + math.log1p(-beta)]), dim=0
        )
        per_position = beta * _kl(teacher, mixture) + (1.0 - beta) * _kl(student, mixture)
    else:
        raise ValueError(f"unknown divergence {divergence!r}")
    if reduction == "mean":
        per_position = per_position / student_logits.shape[-1]
    value = _mean_over(per_position, mask)
    return value * T**2 if t_squared else value


def _kl(p_log: torch.Tensor, q_log: torch.Tensor) -> torch.Tensor:
    """KL(p ‖ q) = Σ_v p(v)(log p(v) − log q(v)) per position, from log-probabilities.

    ``F.kl_div`` takes the second distribution (log q) first and the first (log p) as
    its target; ``log_target=True`` avoids log(0).
    """
    return F.kl_div(q_log, p_log, reduction="none", log_target=True).sum(-1)


def _mean_over(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``values`` over the positions ``mask`` marks (all if None)."""
    if mask is None:
        return values.mean()
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    T: float,
    alpha: float,
    divergence: Divergence = "forward",
    mask: torch.Tensor | None = None,
    t_squared: bool = True,
    reduction: Reduction = "batchmean",
) -> KDLoss:
    """alpha·T²·D(p_t, p_s) + (1 − alpha)·CE(s, y), both averaged over counted positions.

    ``labels`` has the logits' shape without V. ``alpha = 0`` is plain cross-entropy,
    ``alpha = 1`` pure distillation. The keyword arguments after ``alpha`` are those of
    ``tempered_divergence``.
    """
    divergence_value = tempered_divergence(
        student_logits,
        teacher_logits,
        T=T,
        divergence=divergence,
        mask=mask,
        t_squared=t_squared,
        reduction=reduction,
    )
    cross_entropy = F.cross_entropy(
        student_logits.flatten(0, -2), labels.flatten(), reduction="none"
    )
    hard = (1.0 - alpha) * _mean_over(cross_entropy.view(labels.shape), mask)
    soft = alpha * divergence_value
    return KDLoss(soft + hard, soft, hard)


def hinton_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    T: float,
    alpha: float,
) -> KDLoss:
    """Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural Network".

    .. math::
        L = \\alpha \\, T^2 \\, \\mathrm{KL}\\big(\\mathrm{softmax}(t/T) \\,\\|\\,
            \\mathrm{softmax}(s/T)\\big) + (1 - \\alpha) \\, \\mathrm{CE}(s, y)

    ``kd_loss`` with the forward KL. Shapes: logits (B, C), labels (B,).
    """
    return kd_loss(student_logits, teacher_logits, labels, T=T, alpha=alpha)


def reverse_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    T: float,
    alpha: float,
) -> KDLoss:
    """Reverse-KL distillation: alpha·T²·KL(p_s ‖ p_t) + (1 − alpha)·CE(s, y).

    The expectation is under the student's distribution, so the student is punished for
    putting mass where the teacher has little ("mode-seeking"), not for missing some of
    the teacher's modes. Shapes and arguments as in ``hinton_kd_loss``.
    """
    return kd_loss(
        student_logits,
        teacher_logits,
        labels,
        T=T,
        alpha=alpha,
        divergence="reverse",
    )


def hard_label_loss(student_logits: torch.Tensor, labels: torch.Tensor) -> KDLoss:
    """The baseline: plain cross-entropy on the labels, as a ``KDLoss`` with no soft part."""
    hard = F.cross_entropy(student_logits, labels)
    return KDLoss(hard, torch.zeros_like(hard), hard)
