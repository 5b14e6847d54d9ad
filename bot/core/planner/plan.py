"""The plan the rules produce: plain values, ready to render."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Verdict(StrEnum):
    DISTILL = "distill"
    DISTILL_WITH_FALLBACK = "distill_with_fallback"
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
class CostEstimate:
    """Money in US dollars, exact Decimals, so every line of the arithmetic can be checked.

    dataset_cost = examples × teacher_cost_per_call
    daily_savings = calls_per_day × (teacher_cost_per_call − student_cost_per_call)
    break_even_days = dataset_cost / daily_savings (None when nothing is saved)
    """

    prompt_tokens: int
    input_tokens: int
    output_tokens: int
    teacher_input_usd_per_m: Decimal
    teacher_output_usd_per_m: Decimal
    student_usd_per_m: Decimal
    teacher_cost_per_call: Decimal
    student_cost_per_call: Decimal
    examples: int
    dataset_cost: Decimal
    calls_per_day: int
    daily_savings: Decimal
    break_even_days: Decimal | None
    project_cost: Decimal
    payback_days_with_project: Decimal | None
    assumptions: tuple[str, ...]
    target_notes: tuple[str, ...]

    @property
    def annual_savings(self) -> Decimal:
        return self.daily_savings * 365


@dataclass(frozen=True)
class LatencyEstimate:
    """Rough per-call time in milliseconds, from the output length and a speed per size."""

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
    prompt_excerpt: str
    verdict: Verdict
    verdict_reason: str
    regime: Regime
    mode: Mode
    reasons: tuple[str, ...]
    teacher_name: str
    teacher_size: str
    teacher_notes: tuple[str, ...]
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
    latency: LatencyEstimate
    risks: tuple[Risk, ...]
    terms: str
