"""The plan the rules produce: plain values, ready to render."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.planner.alternatives import Weighing
    from bot.core.planner.costs import CostEstimate
    from bot.core.planner.reading import PromptFacts


class Verdict(StrEnum):
    DISTILL = "distill"
    DISTILL_WITH_FALLBACK = "distill_with_fallback"
    # Another row of the alternatives table wins: don't distill (yet).
    KEEP_TEACHER = "keep_teacher"


class Regime(StrEnum):
    """The three distillations of Phase 3."""

    OUTPUTS = "outputs"
    TRACES = "traces"
    PREFERENCES = "preferences"


class Mode(StrEnum):
    """Drop 3.4: train on cached teacher outputs, or on the student's own samples."""

    OFFLINE = "offline"
    ON_POLICY = "on-policy"


@dataclass(frozen=True)
class LatencyEstimate:
    """Rough per-call time in milliseconds, from the input and output lengths."""

    teacher_ms: int
    student_ms: int
    target_ms: int | None
    notes: tuple[str, ...]

    @property
    def teacher_too_slow(self) -> bool:
        return self.target_ms is not None and self.teacher_ms > self.target_ms


@dataclass(frozen=True)
class Risk:
    title: str
    advice: str


@dataclass(frozen=True)
class Plan:
    title: str
    prompt_excerpt: str
    facts: PromptFacts
    verdict: Verdict
    verdict_reason: str
    regime: Regime
    mode: Mode
    reasons: tuple[str, ...]
    teacher_name: str
    teacher_size: str
    teacher_notes: tuple[str, ...]
    # Set where the teacher's price is a stand-in or unconfirmed (see `Teacher.price_caveat`).
    teacher_price_caveat: str | None
    student_size: str
    student_candidates: str
    student_notes: tuple[str, ...]
    examples: int
    real_inputs: int
    # The step that says how the examples are made; `generation` holds all of them.
    generation_headline: str
    generation: tuple[str, ...]
    loss: tuple[str, ...]
    evaluation: tuple[str, ...]
    evaluation_summary: str
    cost: CostEstimate
    weighing: Weighing
    latency: LatencyEstimate
    risks: tuple[Risk, ...]
    terms: str
