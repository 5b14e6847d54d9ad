"""The plan as a Telegram message and as a document."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest
from telegramify_markdown import convert

from bot.core.planner import SUMMARY_LIMIT, PlanProfile, build_plan, render_document, render_summary
from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    PreferenceData,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.costs import estimate_costs
from bot.core.planner.plan import LatencyEstimate, Verdict
from bot.core.planner.questions import PROMPT_MAX_CHARS
from bot.core.planner.render import arithmetic_lines
from bot.core.planner.rules import choose_verdict
from bot.core.planner.students import WORKLOADS, StudentSize
from bot.core.planner.teachers import CATALOG, TeacherFamily
from tests.planner import learners

DOCUMENT_SECTIONS = (
    "## Your prompt", "## Your answers", "## Verdict", "## Regime", "## Teacher and student",
    "## Data", "## Loss", "## Evaluation", "## Cost estimate", "### Arithmetic",
    "### Assumptions", "## Latency", "## Risks", "## Terms of use",
)  # fmt: skip

# The longest texts a learner can give, full of Markdown that must stay literal.
LONGEST_PROMPT = ("*_[`" * PROMPT_MAX_CHARS)[:PROMPT_MAX_CHARS]
LONGEST_TEACHER = "<b>" + "_" * 57


@pytest.mark.parametrize("name", list(learners.ALL_LEARNERS))
def test_each_learner_gets_a_summary_that_fits_one_message(name: str) -> None:
    summary = render_summary(build_plan(learners.ALL_LEARNERS[name]))
    assert len(summary) <= SUMMARY_LIMIT
    assert "/faq" in summary
    plain, _entities = convert(summary, latex_escape=False)
    assert len(plain.encode("utf-16-le")) // 2 <= 4096


def test_every_combination_of_answers_fits_the_summary_limit() -> None:
    worst = 0
    for kind, quality, trace, logits, prefs, privacy, teacher in itertools.product(
        OutputKind, QualityBar, TraceAccess, LogitsAccess, PreferenceData, Privacy,
        ("llama", "other", LONGEST_TEACHER),
    ):  # fmt: skip
        profile = PlanProfile(
            prompt=LONGEST_PROMPT,
            output_kind=kind,
            calls_per_day=200,
            latency_ms=1,
            max_usd_per_1k_calls=0.0001,
            quality=quality,
            trace_access=trace,
            logits_access=logits,
            preference_data=prefs,
            privacy=privacy,
            teacher=teacher,
        )
        worst = max(worst, len(render_summary(build_plan(profile))))
    assert worst <= SUMMARY_LIMIT


@pytest.mark.parametrize("name", list(learners.ALL_LEARNERS))
def test_the_document_has_every_section_in_reading_order(name: str) -> None:
    profile = learners.ALL_LEARNERS[name]
    document = render_document(build_plan(profile), profile)
    positions = [document.index(heading) for heading in DOCUMENT_SECTIONS]
    assert positions == sorted(positions)
    assert profile.prompt in document
    assert "Not legal advice" in document


def test_the_document_shows_the_arithmetic_with_the_learners_numbers() -> None:
    profile = learners.support_classifier()
    document = render_document(build_plan(profile), profile)
    for line in (
        "Teacher per call = (30 + 300) tokens × $2.50/1M + 5 tokens × $10.00/1M = $0.000875.",
        "Student per call = (300 + 5) tokens × $0.02/1M = $0.0000061.",
        "Data set = 10,000 examples × $0.000875 = $8.75.",
        "Daily savings = 50,000 calls × ($0.000875 − $0.0000061) = $43.445.",
        "Break-even = $8.75 ÷ $43.445 = 0.2 days.",
        "With the project cost = ($8.75 + $10,000) ÷ $43.445 = 230 days.",
        "Calls a day: 50,000",
    ):
        assert line in document


def test_the_summary_states_verdict_regime_cost_and_risks() -> None:
    summary = render_summary(build_plan(learners.contract_review(calls_per_day=200)))
    assert "**Keep the teacher for now.**" in summary
    assert "**Regime:** Reasoning-trace distillation, offline." in summary
    assert "data set $392 (40,000 × $0.00979)" in summary
    assert "Evaluation data leaking into training" in summary


def test_learner_text_cannot_inject_formatting() -> None:
    profile = replace(
        learners.support_classifier(),
        prompt="**Classify** the [ticket](http://x) ``` and `reply` with _one_ label",
        teacher="**my** [model]",
    )
    plan = build_plan(profile)
    summary = render_summary(plan)
    plain, entities = convert(summary, latex_escape=False)
    assert "for: **Classify** the [ticket](http://x)" in plain
    assert not any(entity.type in {"text_link", "url"} for entity in entities)

    document = render_document(plan, profile)
    plain_document, _ = convert(document, latex_escape=False)
    assert profile.prompt in plain_document
    assert "Teacher today: **my** [model]" in plain_document


def test_a_student_that_saves_nothing_never_breaks_even() -> None:
    cheap_teacher = replace(
        CATALOG[TeacherFamily.GEMMA],
        input_usd_per_m=Decimal("0.01"),
        output_usd_per_m=Decimal("0.01"),
    )
    cost = estimate_costs(
        prompt="x" * 40,
        workload=WORKLOADS[OutputKind.STYLE],
        teacher=cheap_teacher,
        student=StudentSize.LARGE,
        examples=1_000,
        calls_per_day=10_000,
        max_usd_per_1k_calls=None,
    )
    assert cost.daily_savings < 0
    assert cost.break_even_days is None
    assert (
        arithmetic_lines(cost)[-1]
        == "Break-even: never, because the student saves nothing per call."
    )


def test_no_savings_means_keep_the_teacher_unless_a_target_forces_the_switch() -> None:
    cheap_teacher = replace(
        CATALOG[TeacherFamily.GEMMA],
        input_usd_per_m=Decimal("0.01"),
        output_usd_per_m=Decimal("0.01"),
    )
    profile = learners.writing_assistant()
    cost = estimate_costs(
        prompt=profile.prompt,
        workload=WORKLOADS[OutputKind.STYLE],
        teacher=cheap_teacher,
        student=StudentSize.MEDIUM,
        examples=1_000,
        calls_per_day=profile.calls_per_day,
        max_usd_per_1k_calls=None,
    )
    relaxed = LatencyEstimate(teacher_ms=8_500, student_ms=4_050, target_ms=None, notes=())
    verdict, reason = choose_verdict(profile, cost, relaxed)
    assert verdict is Verdict.KEEP_TEACHER
    assert reason.startswith("The student would not be cheaper than the teacher")

    urgent = replace(relaxed, target_ms=5_000)
    verdict, reason = choose_verdict(profile, cost, urgent)
    assert verdict is Verdict.DISTILL
    assert reason.endswith("misses your 5,000 ms target (it would not be cheaper at these prices).")
