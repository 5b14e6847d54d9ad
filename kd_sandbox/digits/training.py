"""Train several students ("arms") from the same initial weights on the same batches.

Every arm sees identical batches in identical order, so the only difference between two
curves is the loss (or the bug) they were trained with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from kd_sandbox.digits.data import NUM_CLASSES
from kd_sandbox.digits.models import mlp
from kd_sandbox.digits.outcome import ArmCurves
from kd_sandbox.kd.bugs import REGISTRY, TeacherView
from kd_sandbox.kd.losses import KDLoss, hard_label_loss

BATCH_SIZE = 256
"""Transfer sets of up to 256 images (the default is 100) train full-batch."""
EVAL_POINTS = 50
PROGRESS_REPORTS = 20


@dataclass(frozen=True)
class Arm:
    """One student to train: hard labels only, or the KD loss (optionally with a bug)."""

    key: str
    label: str
    distill: bool
    bug: str = "none"


@dataclass(frozen=True)
class Recipe:
    """How every arm is trained. ``T`` keeps the name the user typed."""

    hidden: int
    steps: int
    lr: float
    T: float
    alpha: float
    seed: int
    optimizer: str = "adam"
    """``adam`` or ``sgd`` (momentum 0.9). Adam divides each update by the gradient's own
    size, which hides a loss that is a constant factor too small; SGD does not."""


@dataclass(frozen=True)
class TransferTask:
    """The labelled transfer set, the test set and the frozen teacher, all on one device.

    x_*: (N, 64), y_*: (N,). ``teacher_logits`` (N, 10) are the teacher's eval-mode
    outputs on ``x_transfer``, computed once — the usual "cached teacher outputs".
    """

    x_transfer: torch.Tensor
    y_transfer: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    teacher: nn.Module
    teacher_logits: torch.Tensor


class Evaluation(NamedTuple):
    """Test accuracy at one point of training."""

    per_class: list[float]
    overall: float
    teacher: float | None
    """The teacher's accuracy, for arms whose bug changes the teacher; else None."""


def batch_plan(count: int, steps: int, seed: int, device: torch.device) -> list[torch.Tensor]:
    """Index tensors, one per step: shuffled epochs cut into batches of ``BATCH_SIZE``."""
    generator = torch.Generator().manual_seed(seed)
    batches: list[torch.Tensor] = []
    while len(batches) < steps:
        order = torch.randperm(count, generator=generator)
        batches += list(torch.split(order, BATCH_SIZE))
    return [batch.to(device) for batch in batches[:steps]]


def train_arms(
    arms: list[Arm],
    task: TransferTask,
    recipe: Recipe,
    progress: Callable[[float], None] | None = None,
) -> list[tuple[ArmCurves, nn.Module]]:
    """Train each arm; return its curves and its final student (in eval mode)."""
    device = task.x_transfer.device
    torch.manual_seed(recipe.seed)
    initial = mlp([recipe.hidden]).to(device)
    batches = batch_plan(len(task.y_transfer), recipe.steps, recipe.seed, device)
    report_every = max(1, recipe.steps // PROGRESS_REPORTS)
    results = []
    for number, arm in enumerate(arms):

        def on_step(step: int, arm_number: int = number) -> None:
            if progress is not None and step % report_every == 0:
                progress((arm_number + step / recipe.steps) / len(arms))

        results.append(_train_arm(arm, task, recipe, initial, batches, on_step))
    if progress is not None:
        progress(1.0)
    return results


def _train_arm(
    arm: Arm,
    task: TransferTask,
    recipe: Recipe,
    initial: nn.Module,
    batches: list[torch.Tensor],
    on_step: Callable[[int], None],
) -> tuple[ArmCurves, nn.Module]:
    torch.manual_seed(recipe.seed + 1)  # dropout masks of a train-mode teacher's cache
    student = copy.deepcopy(initial)
    bug = REGISTRY[arm.bug]
    model = bug.teacher(task.teacher)
    teacher = TeacherView(model, bug.cache(model, task.x_transfer, task.teacher_logits))
    parameters = list(student.parameters())
    if bug.teacher_learns:
        parameters += list(teacher.model.parameters())  # the bug: the teacher is optimised too
    optimizer = _optimizer(recipe, parameters, task.x_transfer)
    eval_every = max(1, recipe.steps // EVAL_POINTS)
    losses: list[torch.Tensor] = []
    evaluations = [_evaluate(student, teacher, arm, task)]
    eval_steps = [0]
    for step, batch in enumerate(batches, start=1):
        parts = _loss(arm, student, teacher, task, recipe, batch)
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(parts.total)
        optimizer.step()
        losses.append(torch.stack(parts).detach())
        if step % eval_every == 0 or step == recipe.steps:
            evaluations.append(_evaluate(student, teacher, arm, task))
            eval_steps.append(step)
        on_step(step)
    student.eval()
    loss_table = torch.stack(losses).cpu().T.tolist()  # (3, steps): total, soft, hard
    curves = ArmCurves(
        key=arm.key,
        label=arm.label,
        loss_total=loss_table[0],
        loss_soft=loss_table[1],
        loss_hard=loss_table[2],
        eval_steps=eval_steps,
        test_accuracy=[e.overall for e in evaluations],
        class_accuracy=[e.per_class for e in evaluations],
        teacher_accuracy=[e.teacher for e in evaluations if e.teacher is not None],
    )
    return curves, student


def _optimizer(
    recipe: Recipe, parameters: list[nn.Parameter], example: torch.Tensor
) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=recipe.lr, momentum=0.9)
    return torch.optim.Adam(parameters, lr=recipe.lr, fused=_fused(example))


def _fused(example: torch.Tensor) -> bool | None:
    # The fused kernel updates all parameters in one pass: the fastest choice for tiny
    # models on CPU and CUDA (same update rule as the default). None = PyTorch's choice.
    return True if example.device.type in ("cpu", "cuda") else None


def _loss(
    arm: Arm,
    student: nn.Module,
    teacher: TeacherView,
    task: TransferTask,
    recipe: Recipe,
    batch: torch.Tensor,
) -> KDLoss:
    """The arm's loss on one batch; the arm's bug supplies the teacher logits and the loss."""
    x, y = task.x_transfer[batch], task.y_transfer[batch]
    logits = student(x)  # (B, 10)
    if not arm.distill:
        return hard_label_loss(logits, y)
    bug = REGISTRY[arm.bug]
    return bug.loss(logits, bug.logits(teacher, x, batch), y, T=recipe.T, alpha=recipe.alpha)


def _evaluate(student: nn.Module, teacher: TeacherView, arm: Arm, task: TransferTask) -> Evaluation:
    """Per-digit and overall test accuracy; the teacher's too if this arm changes it."""
    with torch.no_grad():
        correct = (student(task.x_test).argmax(dim=-1) == task.y_test).float()
        per_class = _per_class_mean(correct, task.y_test)
        teacher_accuracy = None
        if REGISTRY[arm.bug].changes_teacher:
            teacher_predictions = teacher.model(task.x_test).argmax(dim=-1)
            teacher_accuracy = (teacher_predictions == task.y_test).float().mean().item()
    return Evaluation(per_class.tolist(), correct.mean().item(), teacher_accuracy)


def _per_class_mean(correct: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    hits = torch.bincount(labels, weights=correct, minlength=NUM_CLASSES)
    counts = torch.bincount(labels, minlength=NUM_CLASSES).clamp(min=1)
    return hits / counts
