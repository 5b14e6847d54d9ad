"""The silent failures of drop 2.5, as a registry the training loop asks, never branches on.

Each ``Bug`` supplies the things a distillation step takes from outside the student:
the teacher it runs, the cache of its outputs, the teacher logits of a batch, and the
loss. The correct recipe is ``REGISTRY["none"]``; every other entry changes one of them
(a live teacher: its model and its logits), the way the mistake happens in real code.
None of them crashes: each trains, and only the curves (or a missing gain) give it away.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from kd_sandbox.kd.losses import KDLoss, kd_loss


class LossFn(Protocol):
    """(student logits (B, C), teacher logits (B, C), labels (B,), T, alpha) → KDLoss;
    called with ``T`` and ``alpha`` by name, so ``T`` keeps its name into the loss."""

    def __call__(
        self,
        student: torch.Tensor,
        teacher: torch.Tensor,
        labels: torch.Tensor,
        T: float,
        alpha: float,
    ) -> KDLoss: ...


@dataclass(frozen=True)
class TeacherView:
    """What an arm knows of the teacher: its model and its cached eval-mode logits on the
    transfer set (N, C), computed once (the usual "cached teacher outputs")."""

    model: nn.Module
    cached_logits: torch.Tensor


def _shared(teacher: nn.Module) -> nn.Module:
    return teacher


def _cached(view: TeacherView, x: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    return view.cached_logits[batch]


def _eval_mode_cache(
    teacher: nn.Module, x_transfer: torch.Tensor, eval_cache: torch.Tensor
) -> torch.Tensor:
    return eval_cache


def _correct_loss(
    student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, T: float, alpha: float
) -> KDLoss:
    return kd_loss(student, teacher, labels, T=T, alpha=alpha)


@dataclass(frozen=True)
class Bug:
    """One way of wiring the teacher into the loss (the correct one included)."""

    name: str
    teacher: Callable[[nn.Module], nn.Module] = _shared
    """The teacher model this arm runs, from the shared frozen one."""
    cache: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor] = _eval_mode_cache
    """(teacher this arm runs, transfer images (N, 64), the eval-mode cache (N, C)) → the
    cached teacher outputs this arm reads (N, C)."""
    logits: Callable[[TeacherView, torch.Tensor, torch.Tensor], torch.Tensor] = _cached
    """(teacher, x (B, 64), batch indices (B,)) → the teacher logits the loss gets (B, C)."""
    loss: LossFn = _correct_loss
    teacher_learns: bool = False
    """The optimiser also updates the teacher's weights."""

    @property
    def changes_teacher(self) -> bool:
        """Whether the teacher this arm sees differs from the shared one (so plot it)."""
        return self.teacher is not _shared


def _cached_in_train_mode(
    teacher: nn.Module, x_transfer: torch.Tensor, eval_cache: torch.Tensor
) -> torch.Tensor:
    """The bug: no ``teacher.eval()`` before the one pass that caches the outputs, so each
    image keeps one random dropout draw as its soft targets for the whole run. (Run live
    each step instead, the draws would change and the student would fit their average.)"""
    with torch.no_grad():
        return copy.deepcopy(teacher).train()(x_transfer)  # type: ignore[no-any-return]


def _unfrozen(teacher: nn.Module) -> nn.Module:
    return copy.deepcopy(teacher).requires_grad_(True)


def _live_with_grad(view: TeacherView, x: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    return view.model(x)  # type: ignore[no-any-return]  # the bug: no torch.no_grad()


def _misaligned(view: TeacherView, x: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    # The bug: cached outputs in another order than the batch (here off by one).
    return view.cached_logits[batch].roll(1, dims=0)


def _no_t2_loss(
    student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, T: float, alpha: float
) -> KDLoss:
    """The soft term lacks T², so it is T² times too small (its gradient ~1/T²)."""
    return kd_loss(student, teacher, labels, T=T, alpha=alpha, t_squared=False)


def _mean_loss(
    student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, T: float, alpha: float
) -> KDLoss:
    """``reduction="mean"`` also averages over the C classes: the soft term is C times
    too small."""
    return kd_loss(student, teacher, labels, T=T, alpha=alpha, reduction="mean")


def _probs_loss(
    student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, T: float, alpha: float
) -> KDLoss:
    """``F.kl_div`` given probabilities where it expects log-probabilities: the "KL"
    becomes Σ p_t(log p_t − p_s) = −H(p_t) − Σ p_t·p_s, which is negative."""
    student_p = F.softmax(student / T, dim=-1)
    teacher_p = F.softmax(teacher / T, dim=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        kl = F.kl_div(student_p, teacher_p, reduction="batchmean")
    soft = alpha * T**2 * kl
    hard = (1.0 - alpha) * F.cross_entropy(student, labels)
    return KDLoss(soft + hard, soft, hard)


REGISTRY: dict[str, Bug] = {
    bug.name: bug
    for bug in (
        Bug("none"),
        Bug("no_t2", loss=_no_t2_loss),
        Bug("probs", loss=_probs_loss),
        Bug("mean", loss=_mean_loss),
        Bug("train_teacher", cache=_cached_in_train_mode),
        Bug("unfrozen_teacher", teacher=_unfrozen, logits=_live_with_grad, teacher_learns=True),
        Bug("swapped", logits=_misaligned),
    )
}
LOSS_BUGS = frozenset(name for name, bug in REGISTRY.items() if bug.loss is not _correct_loss)
TEACHER_BUGS = frozenset(name for name in REGISTRY if name != "none") - LOSS_BUGS


def buggy_kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    T: float,
    alpha: float,
    bug: str,
) -> KDLoss:
    """The loss of loss bug ``bug`` (``no_t2``, ``probs``, ``mean``); same arguments as
    ``hinton_kd_loss`` plus ``bug``."""
    if bug not in LOSS_BUGS:
        raise ValueError(f"not a loss bug: {bug!r} (loss bugs: {sorted(LOSS_BUGS)})")
    return REGISTRY[bug].loss(student_logits, teacher_logits, labels, T=T, alpha=alpha)
