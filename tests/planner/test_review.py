"""Plans a practitioner would act on, from a review with realistic scenarios: the verdict's
reason, the prices it rests on, the student's languages and its latency."""

from __future__ import annotations

from dataclasses import replace

from bot.core.planner import build_plan, render_summary
from bot.core.planner.alternatives import Option
from bot.core.planner.plan import Verdict
from tests.planner import learners


def test_a_student_that_never_pays_back_but_alone_meets_the_latency_target_says_so() -> None:
    # 500 calls a day: Sonnet costs ~$1.77 a day and takes ~2.7 s; Haiku ~1.6 s; only the
    # student meets 1,500 ms, on an L4 of its own ($19.20 a day, more than the teacher).
    plan = build_plan(learners.bilingual_summaries())
    assert plan.cost.payback_days is None
    assert plan.weighing.row(Option.KEEP).misses == ("the 1,500 ms latency target",)
    assert plan.weighing.chosen.option is Option.DISTILL
    assert plan.verdict is Verdict.DISTILL
    assert "Pays back" not in plan.verdict_reason
    assert "never pays back" in plan.verdict_reason
    assert "1,500 ms latency target" in plan.verdict_reason
    assert "never pays back" in render_summary(plan)


def test_a_student_paying_back_past_the_horizon_is_not_said_to_pay_back_within_it() -> None:
    # A 1,700 ms target only the student meets, and an engineering bill that takes years to
    # earn back: the verdict may still be to distill, but not "within your horizon".
    profile = replace(
        learners.code_review(), latency_ms=1_700, engineering_usd=1_000_000, horizon_days=365
    )
    plan = build_plan(profile)
    payback = plan.cost.payback_days
    assert payback is not None and payback > 365
    assert plan.weighing.chosen.option is Option.DISTILL
    assert "within your horizon" not in plan.verdict_reason
    assert "past your horizon of 365 days" in plan.verdict_reason
    assert "1,700 ms latency target" in plan.verdict_reason
