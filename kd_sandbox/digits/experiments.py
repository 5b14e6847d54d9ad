"""The digits experiments behind /distill: compare, omit and temperature.

What the KD student sees: the teacher's soft targets on the labelled transfer images
only (``per_class`` per digit), exactly as in Hinton et al. (2015) — no extra
unlabelled images. The hard-label student sees the same images with their labels. So
the gain measures what soft targets add on the same data, not extra data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from kd_sandbox.digits.data import DigitsSplit, transfer_indices
from kd_sandbox.digits.models import describe
from kd_sandbox.digits.outcome import ExperimentOutcome, OmitNumbers, TemperatureOutcome
from kd_sandbox.digits.teacher import Teacher
from kd_sandbox.digits.training import Arm, Recipe, TransferTask, train_arms
from kd_sandbox.spec import CompareRun, OmitRun, TemperatureRun

TEMPERATURES = (1.0, 2.0, 4.0, 8.0)

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Context:
    """What every run reuses: the split and the frozen teacher, on the run's device."""

    data: DigitsSplit
    teacher: Teacher
    device: torch.device


def run_compare(spec: CompareRun, context: Context, progress: Progress | None) -> ExperimentOutcome:
    """Hard labels vs. the KD loss (and, with ``spec.bug``, vs. the broken KD loss).

    With an ``OmitRun`` the transfer set has no images of ``spec.digit``, and the outcome
    also reports accuracy on that digit before and after a label-free bias shift.
    """
    omit_digit = spec.digit if isinstance(spec, OmitRun) else None
    task = transfer_task(spec, context, omit_digit)
    arms = [
        Arm("hard", "hard labels", distill=False),
        Arm("kd", f"KD (T={spec.T:g}, α={spec.alpha:g})", distill=True),
    ]
    if spec.bug != "none":
        arms.append(Arm("broken", f"KD with bug: {spec.bug}", distill=True, bug=spec.bug))
    recipe = Recipe(
        hidden=spec.hidden,
        steps=spec.steps,
        lr=spec.lr,
        T=spec.T,
        alpha=spec.alpha,
        seed=spec.seed,
        optimizer=spec.optimizer,
    )
    trained = train_arms(arms, task, recipe, progress)
    outcome = ExperimentOutcome(
        spec=spec,
        student=describe([spec.hidden]),
        transfer_size=len(task.y_transfer),
        teacher_accuracy=context.teacher.test_accuracy,
        arms=[curves for curves, _student in trained],
        device=context.device.type,
    )
    if spec.bug == "swapped":
        outcome.notes["label_agreement"] = _swapped_label_agreement(task)
    if omit_digit is not None:
        students = {curves.key: student for curves, student in trained}
        outcome.omit = _omit_numbers(omit_digit, students, context)
    return outcome


def test_image_of(context: Context, digit: int, seed: int) -> int:
    """The index of one test image of ``digit``, the same for the same ``seed``."""
    candidates = torch.nonzero(context.data.y_test == digit).flatten()
    return int(candidates[seed % len(candidates)])


def run_temperature(spec: TemperatureRun, context: Context) -> TemperatureOutcome:
    """The teacher's softmax(t/T) for one test image of ``spec.digit`` (picked by seed)."""
    data = context.data
    index = test_image_of(context, spec.digit, spec.seed)
    temperatures = sorted({*TEMPERATURES, spec.T})
    with torch.no_grad():
        logits = context.teacher.model(data.x_test[index : index + 1])[0]  # (10,)
        probabilities = [torch.softmax(logits / t, dim=-1).tolist() for t in temperatures]
    return TemperatureOutcome(
        spec=spec,
        image=data.x_test[index].reshape(8, 8).tolist(),
        label=spec.digit,
        temperatures=temperatures,
        probabilities=probabilities,
        teacher_accuracy=context.teacher.test_accuracy,
        device=context.device.type,
    )


def label_free_shift(logits: torch.Tensor, digit: int, target_share: float) -> float:
    """The smallest raise b ≥ 0 of the ``digit`` logit after which that digit is predicted
    for ``target_share`` of the rows of ``logits`` (N, C). No labels are involved.

    Row i switches to ``digit`` once b exceeds max_{c≠digit} logit_ic − logit_i,digit, so
    the answer is a quantile of those gaps (halfway to the next one, to avoid ties).
    """
    others = logits.clone()
    others[:, digit] = float("-inf")
    gaps = (others.max(dim=-1).values - logits[:, digit]).sort().values
    wanted = round(target_share * len(gaps))
    if wanted <= 0:
        return 0.0
    if wanted >= len(gaps):
        return max(0.0, float(gaps[-1]) + 1e-3)
    return max(0.0, float(gaps[wanted - 1] + gaps[wanted]) / 2)


def transfer_task(spec: CompareRun, context: Context, omit_digit: int | None) -> TransferTask:
    """The seed's transfer set (without ``omit_digit``) and the teacher's logits on it."""
    data = context.data
    indices = transfer_indices(data.y_train, spec.per_class, spec.seed, omit_digit)
    indices = indices.to(context.device)
    x_transfer = data.x_train[indices]
    with torch.no_grad():
        teacher_logits = context.teacher.model(x_transfer)
    return TransferTask(
        x_transfer=x_transfer,
        y_transfer=data.y_train[indices],
        x_test=data.x_test,
        y_test=data.y_test,
        teacher=context.teacher.model,
        teacher_logits=teacher_logits,
    )


def _swapped_label_agreement(task: TransferTask) -> float:
    """How often the misaligned teacher's top class still equals the image's label."""
    rolled = task.teacher_logits.roll(1, dims=0).argmax(dim=-1)
    return (rolled == task.y_transfer).float().mean().item()


def _omit_numbers(digit: int, students: dict[str, nn.Module], context: Context) -> OmitNumbers:
    """Omitted-digit accuracy, raw and shifted so each student predicts the digit as often
    as the teacher does on the (unlabelled) training images."""
    data = context.data
    with torch.no_grad():
        teacher_share = (context.teacher.model(data.x_train).argmax(-1) == digit).float().mean()
        share = float(teacher_share)
        numbers: dict[str, float] = {}
        for key in ("hard", "kd"):
            student = students[key]
            shift = label_free_shift(student(data.x_train), digit, share)
            test_logits = student(data.x_test)
            shifted = test_logits.clone()
            shifted[:, digit] += shift
            is_digit = data.y_test == digit
            numbers[f"{key}_raw"] = _accuracy(test_logits[is_digit], data.y_test[is_digit])
            numbers[f"{key}_corrected"] = _accuracy(shifted[is_digit], data.y_test[is_digit])
            numbers[f"{key}_shift"] = shift
            numbers[f"{key}_overall_corrected"] = _accuracy(shifted, data.y_test)
    return OmitNumbers(
        digit=digit,
        teacher_share=share,
        hard_raw=numbers["hard_raw"],
        hard_corrected=numbers["hard_corrected"],
        hard_shift=numbers["hard_shift"],
        kd_raw=numbers["kd_raw"],
        kd_corrected=numbers["kd_corrected"],
        kd_shift=numbers["kd_shift"],
        kd_overall_corrected=numbers["kd_overall_corrected"],
    )


def _accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return (logits.argmax(dim=-1) == labels).float().mean().item()
