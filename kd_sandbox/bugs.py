"""The silent failures of drop 2.5, as switches the sandbox can turn on.

Three are mistakes in the loss (``LOSS_BUGS``, implemented here); three are mistakes in
how the teacher's outputs reach the loss (``TEACHER_BUGS``, implemented by the training
loop). None of them crashes: each trains, and only the curves give it away.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from kd_sandbox.losses import KDLoss

LOSS_BUGS = frozenset({"no_t2", "probs", "mean"})
TEACHER_BUGS = frozenset({"train_teacher", "unfrozen_teacher", "swapped"})


def buggy_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
    bug: str,
) -> KDLoss:
    """``hinton_kd_loss`` with one classic mistake; same arguments plus ``bug``.

    - ``no_t2``: the soft term lacks the T² factor, so it is T² times too small.
    - ``probs``: ``F.kl_div`` gets probabilities where it expects log-probabilities; the
      "KL" becomes −H(p_t) − Σ p_t·p_s, which is negative.
    - ``mean``: ``reduction="mean"`` averages over classes as well as the batch, so the
      soft term is C (= 10) times too small.
    """
    student_log_p = F.log_softmax(student_logits / temperature, dim=-1)
    teacher_p = F.softmax(teacher_logits / temperature, dim=-1)
    if bug == "no_t2":
        soft = alpha * F.kl_div(student_log_p, teacher_p, reduction="batchmean")
    elif bug == "probs":
        student_p = F.softmax(student_logits / temperature, dim=-1)
        soft = alpha * temperature**2 * F.kl_div(student_p, teacher_p, reduction="batchmean")
    elif bug == "mean":
        with warnings.catch_warnings():
            # PyTorch warns about exactly this mistake; the demo shows its effect instead.
            warnings.simplefilter("ignore", UserWarning)
            kl = F.kl_div(student_log_p, teacher_p, reduction="mean")
        soft = alpha * temperature**2 * kl
    else:
        raise ValueError(f"not a loss bug: {bug!r} (loss bugs: {sorted(LOSS_BUGS)})")
    hard = (1.0 - alpha) * F.cross_entropy(student_logits, labels)
    return KDLoss(soft + hard, soft, hard)
