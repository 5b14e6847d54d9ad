"""Six learners get the plan a distillation practitioner would write, down to the cent.

Cost lines are checked against arithmetic done by hand from the printed assumptions:
prompt tokens = ceil(characters / 4); teacher per call = (prompt + input) × input price
+ output × output price; student per call = (input + output) × student price.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.core.planner import build_plan
from bot.core.planner.choices import LogitsAccess, PreferenceData, QualityBar, TraceAccess
from bot.core.planner.plan import Mode, Plan, Regime, Verdict
from bot.core.planner.teachers import TeacherFamily
from tests.planner import learners

M = Decimal(1_000_000)


def risk_titles(plan: Plan) -> str:
    return " | ".join(risk.title for risk in plan.risks)


def test_prompt_lengths_behind_the_hand_arithmetic() -> None:
    lengths = {
        "support": len(learners.SUPPORT_PROMPT),
        "tutor": len(learners.TUTOR_PROMPT),
        "writing": len(learners.WRITING_PROMPT),
        "extraction": len(learners.EXTRACTION_PROMPT),
        "contract": len(learners.CONTRACT_PROMPT),
        "chat": len(learners.CHAT_PROMPT),
    }
    assert lengths == {
        "support": 119,  # → 30 tokens
        "tutor": 146,  # → 37
        "writing": 193,  # → 49
        "extraction": 234,  # → 59
        "contract": 252,  # → 63
        "chat": 99,  # → 25
    }


def test_support_ticket_classifier_distils_soft_labels_offline_into_an_encoder() -> None:
    plan = build_plan(learners.support_classifier())

    assert (plan.verdict, plan.regime, plan.mode) == (Verdict.DISTILL, Regime.OUTPUTS, Mode.OFFLINE)
    assert plan.student_size == "0.1–0.4B encoder classifier"
    assert any("soft labels" in reason for reason in plan.reasons)
    assert plan.loss[0].startswith("L = α·T²·KL(p_teacher,T ‖ p_student,T) + (1−α)·CE")
    assert "Forgetting T²" in risk_titles(plan)
    assert "batchmean" in risk_titles(plan)
    # The teacher is OpenAI's API: its weights never run in our training code.
    assert "Teacher not frozen" not in risk_titles(plan)
    assert "compete with OpenAI" in plan.terms

    cost = plan.cost
    assert cost.prompt_tokens == 30
    teacher = (30 + 300) * Decimal("2.50") / M + 5 * Decimal("10.00") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.000875")
    assert cost.student_cost_per_call == (300 + 5) * Decimal("0.02") / M == Decimal("0.0000061")
    assert cost.examples == 10_000
    assert cost.dataset_cost == Decimal("8.75")
    assert cost.daily_savings == Decimal("43.445")
    assert cost.break_even_days is not None
    assert round(cost.break_even_days, 4) == Decimal("0.2014")
    assert cost.payback_days_with_project is not None
    assert round(cost.payback_days_with_project, 2) == Decimal("230.38")


def test_math_tutor_distils_visible_reasoning_traces_by_sft() -> None:
    plan = build_plan(learners.math_tutor())

    assert (plan.verdict, plan.regime, plan.mode) == (Verdict.DISTILL, Regime.TRACES, Mode.OFFLINE)
    assert plan.student_size == "3–4B decoder"
    assert plan.loss == (
        "Supervised fine-tuning: cross-entropy on the teacher's trace and answer, loss masked "
        "to the response tokens.",
    )
    assert "2 solutions per problem" in plan.generation_headline
    assert any("right" in step and "shorter" in step for step in plan.generation)
    # No logits: no KL term, so none of the KL pitfalls; long offline outputs drift.
    assert "T²" not in risk_titles(plan)
    assert "Exposure bias" in risk_titles(plan)
    assert "MIT" in plan.terms

    cost = plan.cost
    teacher = (37 + 200) * Decimal("0.55") / M + 600 * Decimal("2.19") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.00144435")
    assert cost.student_cost_per_call == Decimal("0.00008")
    assert cost.examples == 20_000  # 10,000 problems × 2 sampled traces
    assert cost.dataset_cost == Decimal("28.887")
    assert cost.daily_savings == Decimal("68.2175")
    assert cost.break_even_days is not None
    assert round(cost.break_even_days, 3) == Decimal("0.423")


def test_math_tutor_with_hidden_reasoning_asks_the_teacher_to_write_its_working() -> None:
    plan = build_plan(replace(learners.math_tutor(), trace_access=TraceAccess.HIDDEN))
    assert plan.regime is Regime.TRACES
    assert any("write its working" in reason for reason in plan.reasons)


def test_writing_assistant_distils_preferences_with_on_policy_pairs() -> None:
    plan = build_plan(learners.writing_assistant())

    assert plan.verdict is Verdict.DISTILL
    assert (plan.regime, plan.mode) == (Regime.PREFERENCES, Mode.ON_POLICY)
    assert plan.loss[0].startswith("Supervised fine-tuning")
    assert plan.loss[-1].startswith("Then DPO on (chosen, rejected) pairs")
    assert "Length and position bias" in risk_titles(plan)
    # Claude's API returns no log-probs: the learner's "top-k" answer is corrected, not used.
    assert any("gives no log-probabilities" in note for note in plan.teacher_notes)
    assert "competing AI models" in plan.terms

    cost = plan.cost
    teacher = (49 + 300) * Decimal("3.00") / M + 400 * Decimal("15.00") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.007047")
    assert cost.student_cost_per_call == (300 + 400) * Decimal("0.10") / M
    assert cost.examples == 6_000 + 3_000  # SFT outputs + judgments of student pairs
    assert cost.dataset_cost == Decimal("63.423")
    assert cost.daily_savings == Decimal("34.885")


def test_writing_assistant_without_preference_data_falls_back_to_imitation() -> None:
    plan = build_plan(replace(learners.writing_assistant(), preference_data=PreferenceData.NONE))
    assert (plan.regime, plan.mode) == (Regime.OUTPUTS, Mode.OFFLINE)
    assert plan.cost.examples == 6_000
    assert not any("DPO" in line for line in plan.loss)


def test_private_extraction_uses_a_self_hosted_open_teacher_not_the_hosted_api() -> None:
    plan = build_plan(learners.private_extraction())

    assert (plan.verdict, plan.regime, plan.mode) == (Verdict.DISTILL, Regime.OUTPUTS, Mode.OFFLINE)
    assert "self-hosted open-weight teacher" in plan.teacher_name
    assert "gpt" not in plan.teacher_name.lower()
    assert any("hosted API" in note for note in plan.teacher_notes)
    assert "nothing leaves the company" in plan.generation[0]
    assert "through the teacher's API" not in " ".join(plan.generation)
    # Owning the teacher's weights gives full logits; a same-family student shares the
    # tokenizer, so token-level KL joins the SFT loss.
    assert plan.student_candidates.startswith("Qwen2.5-0.5B/1.5B-Instruct")
    assert any("token-level KL" in line for line in plan.loss)
    titles = risk_titles(plan)
    for expected in ("Teacher not frozen", "Tokenizer mismatch", "Personal data"):
        assert expected in titles
    assert "Apache-2.0" in plan.terms

    cost = plan.cost
    teacher = (59 + 1000) * Decimal("0.90") / M + 150 * Decimal("0.90") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.0010881")
    assert cost.student_cost_per_call == (1000 + 150) * Decimal("0.05") / M
    assert cost.dataset_cost == Decimal("5.4405")
    assert cost.daily_savings == Decimal("41.224")


def test_low_volume_high_stakes_review_keeps_the_teacher() -> None:
    plan = build_plan(learners.contract_review(calls_per_day=200))

    assert plan.verdict is Verdict.KEEP_TEACHER
    assert "$703 a year" in plan.verdict_reason
    assert "Errors are costly" in plan.verdict_reason
    # The plan for later is still complete: traces into a large student, doubled data.
    assert plan.regime is Regime.TRACES
    assert plan.student_size == "7–8B decoder"
    assert any("synthetic inputs" in step for step in plan.generation)

    cost = plan.cost
    teacher = (63 + 200) * Decimal("3.00") / M + 600 * Decimal("15.00") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.009789")
    assert cost.student_cost_per_call == Decimal("0.00016")
    assert cost.examples == 40_000
    assert cost.dataset_cost == Decimal("391.56")
    assert cost.daily_savings == Decimal("1.9258")
    assert cost.annual_savings < cost.project_cost


def test_high_stakes_review_at_volume_distils_behind_a_teacher_fallback() -> None:
    plan = build_plan(learners.contract_review(calls_per_day=20_000))

    assert plan.verdict is Verdict.DISTILL_WITH_FALLBACK
    assert "cascade" in plan.verdict_reason
    assert any("confidence threshold" in line for line in plan.evaluation)
    assert any("at least 98%" in line for line in plan.evaluation)


def test_chat_assistant_goes_on_policy_with_a_same_tokenizer_student() -> None:
    plan = build_plan(learners.chat_assistant())

    assert (plan.verdict, plan.regime, plan.mode) == (
        Verdict.DISTILL,
        Regime.OUTPUTS,
        Mode.ON_POLICY,
    )
    assert "GKD" in " ".join(plan.loss)
    assert plan.student_candidates.startswith("Llama-3.2-1B-Instruct")
    assert "misses your 2,000 ms target" in plan.verdict_reason
    # The 3–4B default needs ~2,550 ms for 250 tokens, so the plan steps down one size.
    assert plan.student_size == "0.5–1.5B decoder"
    assert any("Stepped down" in note for note in plan.latency.notes)
    assert plan.latency.student_ms == 50 + 7 * 250
    assert "Teacher not frozen" in risk_titles(plan)
    assert "'Llama'" in plan.terms

    cost = plan.cost
    teacher = (25 + 1200) * Decimal("0.90") / M + 250 * Decimal("0.90") / M
    assert cost.teacher_cost_per_call == teacher == Decimal("0.0013275")
    assert cost.daily_savings == Decimal("125.5")


def test_a_latency_target_forces_distillation_even_at_low_volume() -> None:
    profile = replace(learners.support_classifier(), calls_per_day=300, latency_ms=100)
    plan = build_plan(profile)

    assert plan.verdict is Verdict.DISTILL
    assert "misses your 100 ms target" in plan.verdict_reason


def test_a_cost_target_the_teacher_misses_forces_distillation_and_is_reported() -> None:
    profile = replace(learners.contract_review(calls_per_day=200), max_usd_per_1k_calls=1.0)
    plan = build_plan(profile)

    assert plan.verdict is Verdict.DISTILL_WITH_FALLBACK
    assert "costs more than your target" in plan.verdict_reason
    assert plan.cost.target_notes[0] == (
        "Your target: $1.00 per 1,000 calls. The teacher costs about $9.79 (over it), "
        "the student about $0.16 (within it)."
    )


@pytest.mark.parametrize("answer", [LogitsAccess.FULL, LogitsAccess.TOP_K])
def test_a_hosted_api_never_gets_credit_for_logits_it_does_not_return(answer: LogitsAccess) -> None:
    profile = replace(learners.support_classifier(), teacher="anthropic", logits_access=answer)
    plan = build_plan(profile)

    assert plan.loss == ("Cross-entropy on the teacher's labels (hard targets).",)
    assert any("no log-probabilities" in note for note in plan.teacher_notes)


def test_a_typed_teacher_name_is_recognised_and_priced_by_family() -> None:
    plan = build_plan(replace(learners.support_classifier(), teacher="gpt-4o-mini"))

    assert plan.teacher_name == "gpt-4o-mini (GPT-4o / GPT-4.1 (OpenAI))"
    assert plan.cost.teacher_cost_per_call == Decimal("0.000875")


def test_costly_errors_double_the_data_and_raise_the_bar() -> None:
    relaxed = build_plan(replace(learners.support_classifier(), quality=QualityBar.RELAXED))
    critical = build_plan(replace(learners.support_classifier(), quality=QualityBar.CRITICAL))

    assert (relaxed.examples, critical.examples) == (10_000, 20_000)
    assert "at least 90%" in relaxed.evaluation[0]
    assert "at least 98%" in critical.evaluation[0]


@pytest.mark.parametrize("name", list(learners.ALL_LEARNERS))
def test_every_plan_guards_against_leakage_and_names_the_terms(name: str) -> None:
    plan = build_plan(learners.ALL_LEARNERS[name])

    assert "Evaluation data leaking into training" in risk_titles(plan)
    assert plan.terms
    assert len(plan.evaluation) >= 4
    assert any("Regression set" in line for line in plan.evaluation)
    assert TeacherFamily.OTHER.value not in plan.teacher_name
