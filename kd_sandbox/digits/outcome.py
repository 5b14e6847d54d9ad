"""What an experiment measured, as plain Python data: plots and captions read only this.

Torch-free, so pictures and captions can be built and tested without training anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kd_sandbox.spec import CompareRun, TemperatureRun


@dataclass
class ArmCurves:
    """One student's training record ("hard", "kd" or "broken").

    Losses have one value per optimiser step; accuracies one per evaluation point
    (``eval_steps``, starting at step 0, before any update).
    """

    key: str
    label: str
    loss_total: list[float]
    loss_soft: list[float]
    loss_hard: list[float]
    eval_steps: list[int]
    test_accuracy: list[float]
    class_accuracy: list[list[float]]
    """Per evaluation point, the test accuracy on each digit 0-9."""
    teacher_accuracy: list[float] = field(default_factory=list)
    """For arms whose teacher runs live and changes (bug unfrozen_teacher): the
    teacher's test accuracy as this arm saw it, per evaluation point."""

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1]

    def digit_accuracy(self, digit: int) -> list[float]:
        return [per_class[digit] for per_class in self.class_accuracy]


@dataclass
class OmitNumbers:
    """Accuracy on the omitted digit's test images, raw and after the label-free bias shift."""

    digit: int
    teacher_share: float
    """How often the teacher predicts ``digit`` on the unlabelled training images; the
    shift makes each student predict it that often too."""
    hard_raw: float
    hard_corrected: float
    hard_shift: float
    kd_raw: float
    kd_corrected: float
    kd_shift: float
    kd_overall_corrected: float
    """The KD student's accuracy on all test images after the shift."""


@dataclass
class ExperimentOutcome:
    """A compare or omit run: the students' curves beside the teacher."""

    spec: CompareRun
    student: str
    """The student's shape, e.g. '64-16-10'."""
    transfer_size: int
    teacher_accuracy: float
    arms: list[ArmCurves]
    device: str
    omit: OmitNumbers | None = None
    notes: dict[str, float] = field(default_factory=dict)
    """Numbers that explain a bug, e.g. 'label_agreement' for bug=swapped."""
    wall_s: float = 0.0

    def arm(self, key: str) -> ArmCurves:
        for arm in self.arms:
            if arm.key == key:
                return arm
        raise KeyError(key)

    def has_arm(self, key: str) -> bool:
        return any(arm.key == key for arm in self.arms)


@dataclass
class TemperatureOutcome:
    """The teacher's softmax at several temperatures for one test image."""

    spec: TemperatureRun
    image: list[list[float]]
    """8x8 pixels in [0, 1]."""
    label: int
    temperatures: list[float]
    probabilities: list[list[float]]
    """One distribution over the 10 digits per temperature."""
    teacher_accuracy: float
    device: str
    wall_s: float = 0.0
