"""Eight learners get the plan a practitioner would act on, checked against hand arithmetic.

Every expected number below is worked out by hand from the printed assumptions and the
price table (bot/core/planner/prices.yaml, read here so an update moves both sides):
prompt tokens = ⌈characters ÷ 4⌉; teacher per call = (prompt + input) × input price +
output × output price; a self-hosted teacher costs node-seconds × its hourly rate; the
student costs the cheaper of serverless per-token serving (offered only for a 7–8B adapter)
and whole machines a day.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.core.planner import build_plan
from bot.core.planner.alternatives import Option, QualityRisk
from bot.core.planner.choices import OutputKind, QualityBar
from bot.core.planner.plan import Mode, Plan, Regime, Verdict
from bot.core.planner.prices import PRICES
from bot.core.planner.reading import FieldKind
from bot.core.planner.teachers import resolve_teacher
from tests.planner import learners

M = Decimal(1_000_000)
H100 = PRICES.machines["h100"].usd_per_hour  # training, and the self-hosted teachers
L4 = PRICES.machines["l4"].usd_per_hour
CPU = PRICES.machines["cpu"].usd_per_hour
ENGINEERING = Decimal(10_000)


def price(model_id: str) -> tuple[Decimal, Decimal]:
    model = PRICES.model(model_id)
    return model.input, model.output


def titles(plan: Plan) -> str:
    return " | ".join(risk.title for risk in plan.risks)


def hours(value: Decimal) -> Decimal:
    """GPU-hours as the planner bills them: rounded up to a tenth, at least one."""
    return max(Decimal(1), Decimal(math.ceil(value * 10)) / 10)


def test_1_multilingual_ticket_triage_switches_to_the_mini_tier_that_meets_the_target() -> None:
    profile = learners.ticket_triage()
    facts = profile.facts
    assert facts.languages == ("English", "German", "French")
    assert facts.json_output and facts.output_kind is OutputKind.LABEL
    assert [(f.name, f.kind) for f in facts.fields] == [
        ("category", FieldKind.LABEL), ("priority", FieldKind.LABEL), ("language", FieldKind.LABEL)
    ]  # fmt: skip
    assert facts.fields[0].labels[:2] == ("billing_refund", "billing_invoice_error")
    assert facts.input_tokens is None  # a ticket's length isn't in the prompt: it is asked
    assert facts.output_tokens == 3 * (4 + 4)  # three label values with their keys

    plan = build_plan(profile)
    cost = plan.cost
    assert cost.prompt_tokens == math.ceil(290 / 4) == 73
    gpt4o_in, gpt4o_out = price("gpt-4o")
    teacher = ((73 + 300) * gpt4o_in + 24 * gpt4o_out) / M
    assert cost.teacher.per_call == teacher == Decimal("0.0011725")
    assert cost.teacher.daily_usd == 20_000 * teacher == Decimal("23.45")
    # Multilingual data: 10,000 × 1.5 examples through the batch API (half price).
    assert cost.examples == 15_000
    assert cost.data_usd == 15_000 * teacher * Decimal("0.5") == Decimal("8.79375")
    # A multilingual encoder on one CPU instance: 300 tokens ÷ 3,000/s = 0.1 s a call.
    assert cost.hosting.daily_usd == 24 * CPU == Decimal("4.32")
    assert cost.training_usd == H100  # 15,000 × 324 × 9 tokens ÷ 40,000/s < 1 h
    one_off = cost.data_usd + H100 + ENGINEERING
    assert cost.payback_days == one_off / (Decimal("23.45") - Decimal("4.32"))
    assert round(cost.payback_days) == 523  # past the 365-day horizon

    mini_in, mini_out = price("gpt-4.1-mini")
    mini = ((73 + 300) * mini_in + 24 * mini_out) / M
    cheaper = plan.weighing.row(Option.CHEAPER)
    assert cheaper.per_1k == mini * 1000 == Decimal("0.1876")  # within the $0.20 target
    assert cheaper.horizon_total == 2_000 + mini * 20_000 * 365
    assert cheaper.misses == ()
    assert plan.weighing.row(Option.KEEP).misses == ("the $0.20 per 1,000 calls target",)
    assert plan.weighing.chosen is cheaper
    assert plan.verdict is Verdict.KEEP_TEACHER
    assert plan.verdict_reason.startswith("Switch to GPT-4.1 mini")
    assert "524 days" in plan.verdict_reason  # 523.4 days, rounded up

    # The plan, for when volume grows: three heads on a multilingual encoder, codes per label.
    assert plan.student_candidates.startswith("mDeBERTa-v3-base")
    assert any("3 classification heads" in note for note in plan.student_notes)
    assert any("`billing_refund`, `billing_invoice_error`" in s for s in plan.generation)
    assert any("Single-token label codes" in step for step in plan.generation)
    assert any("Per language" in line for line in plan.evaluation)
    for expected in ("Rare classes", "Language coverage", "Drift"):
        assert expected in titles(plan)
    coverage = next(risk for risk in plan.risks if risk.title == "Language coverage")
    assert "answers in the input's language" not in coverage.advice  # a classifier writes none
    assert "classify or organize data" in plan.terms
    assert plan.title == "Support ticket classifier (3 fields, EN/DE/FR)"


def test_2_long_call_summaries_are_costed_on_8000_input_tokens_and_a_3b_student() -> None:
    profile = learners.call_summaries()
    facts = profile.facts
    assert facts.output_kind is OutputKind.STYLE
    assert facts.input_tokens == 8_000  # 6,000 words ÷ 0.75 words a token
    assert facts.output_tokens == 200  # "a summary of at most 150 words"

    plan = build_plan(profile)
    cost = plan.cost
    sonnet_in, sonnet_out = price("claude-sonnet")
    teacher = ((46 + 8_000) * sonnet_in + 200 * sonnet_out) / M
    assert cost.teacher.per_call == teacher == Decimal("0.027138")
    assert plan.student_size == "3–4B decoder"  # raised from 0.5–1.5B for long inputs
    assert any("8,000-token inputs" in note for note in plan.latency.notes)
    # No host serves a 3–4B adapter per token, so it gets an L4 all day: 2,000 calls ×
    # (8,000 ÷ 8,000/s + 200 ÷ 38/s) × 2 ÷ 86,400 s is well under one machine (38 tokens/s:
    # only 3 calls' 8,200-token KV cache fit beside the weights).
    assert cost.hosting.daily_usd == 24 * L4 == Decimal("19.2")
    assert "no serverless host serves" in cost.hosting.lines[-1]
    assert cost.data_usd == 6_000 * teacher / 2
    assert cost.training_usd == hours(Decimal(6_000 * 8_200 * 9) / 7_000 / 3600) * H100
    assert round(cost.payback_days or 0) == 289  # $10,152 ÷ ($54.28 − $19.20)

    haiku_in, haiku_out = price("claude-haiku")
    haiku = ((46 + 8_000) * haiku_in + 200 * haiku_out) / M
    cheaper = plan.weighing.row(Option.CHEAPER)
    assert cheaper.name == "Switch to Claude Haiku 4.5"
    assert cheaper.horizon_total == 2_000 + haiku * 2_000 * 365  # $8,604
    distill = plan.weighing.row(Option.DISTILL)
    assert distill.horizon_total == cost.one_off_usd + Decimal("19.2") * 365  # $17,160
    assert not plan.weighing.row(Option.PROVIDER_TUNING).available  # no Anthropic offer
    assert plan.weighing.chosen is cheaper and plan.verdict is Verdict.KEEP_TEACHER


def test_3_a_self_hosted_deepseek_r1_teacher_is_priced_by_the_gpu_hour() -> None:
    plan = build_plan(learners.math_tutor())
    cost = plan.cost
    assert (plan.regime, plan.mode) == (Regime.TRACES, Mode.OFFLINE)
    node = PRICES.self_host["r1-node"]
    # ~700 GB of FP8 weights don't fit 8 × 80 GB: two 8-GPU H100 nodes (SGLang's 2 × 8× H100).
    assert node.usd_per_hour == 16 * H100
    # Prefill, then decode: R1 writes its reasoning (an estimate by task kind) before the
    # 600-token solution, and the node spends the time on both.
    thinking = PRICES.reasoning_tokens[OutputKind.REASONING]
    seconds = Decimal(37 + 200) / 8_000 + Decimal(600 + thinking) / 1_200
    assert cost.teacher.per_call == seconds * node.usd_per_hour / 3600
    # One node pair is enough for 3,000 calls a day, but it runs all day.
    assert cost.teacher.daily_usd == 24 * node.usd_per_hour == Decimal("1532.16")
    assert cost.data_usd == hours(20_000 * seconds / 3600) * node.usd_per_hour
    assert cost.hosting.daily_usd == 24 * L4  # in-house: no serverless option
    assert "may not go to another provider" in " ".join(cost.hosting.lines)
    assert round(cost.payback_days or 0) == 7  # ~$10,800 ÷ ($1,532.16 − $19.20)
    assert not plan.weighing.row(Option.CHEAPER).available
    assert plan.weighing.chosen.option is Option.DISTILL and plan.verdict is Verdict.DISTILL
    assert any("GPU-hour" in note for note in plan.teacher_notes)
    assert "MIT" in plan.terms


def test_4_a_high_volume_writing_assistant_distils_preferences() -> None:
    plan = build_plan(learners.writing_assistant())
    cost = plan.cost
    assert (plan.regime, plan.mode) == (Regime.PREFERENCES, Mode.ON_POLICY)
    sonnet_in, sonnet_out = price("claude-sonnet")
    teacher = ((49 + 300) * sonnet_in + 400 * sonnet_out) / M
    assert teacher == Decimal("0.007047")
    assert cost.examples == 6_000 + 3_000  # outputs + judgments of student pairs
    # 50,000 × (300 ÷ 8,000/s + 400 ÷ 605/s) × 2 ÷ 86,400 s = 0.81: one L4 all day.
    assert cost.hosting.daily_usd == 24 * L4 == Decimal("19.2")
    assert round(cost.payback_days or 0) == 30  # $10,041 ÷ ($352.35 − $19.20)
    haiku = plan.weighing.row(Option.CHEAPER)
    assert haiku.horizon_total > plan.weighing.row(Option.DISTILL).horizon_total
    assert plan.verdict is Verdict.DISTILL
    assert any("no log-probabilities" in note for note in plan.teacher_notes)
    assert "Length and position bias" in titles(plan)


def test_5_private_extraction_runs_a_self_hosted_teacher_and_reads_nine_fields() -> None:
    profile = learners.private_extraction()
    facts = profile.facts
    assert facts.output_kind is OutputKind.FIELDS and len(facts.fields) == 9
    kinds = {field.name: field.kind for field in facts.fields}
    assert kinds["vat_number"] is FieldKind.SHORT_TEXT  # an identifier, not a quantity
    assert kinds["gross_total"] is FieldKind.NUMBER
    assert facts.output_tokens == 6 * (12 + 4) + 3 * (5 + 4) == 123

    plan = build_plan(profile)
    cost = plan.cost
    assert "Qwen2.5-72B" in plan.teacher_name and "GPT" not in plan.teacher_name
    node = PRICES.self_host["70b-node"]
    seconds = Decimal(59 + 1_000) / 10_000 + Decimal(123) / 1_500
    assert cost.teacher.per_call == seconds * node.usd_per_hour / 3600
    assert cost.teacher.daily_usd == 24 * 2 * H100 == Decimal("191.52")
    assert cost.data_usd == node.usd_per_hour  # 5,000 × 0.19 s is under the 1-hour minimum
    assert cost.hosting.daily_usd == 24 * L4
    assert round(cost.payback_days or 0) == 58  # $10,011.97 ÷ ($191.52 − $19.20)
    assert plan.student_candidates.startswith("Qwen2.5-0.5B/1.5B-Instruct (shares")
    assert any("token-level KL" in line for line in plan.loss)
    assert plan.verdict is Verdict.DISTILL
    assert not plan.weighing.row(Option.PROVIDER_TUNING).available
    assert "Personal data" in titles(plan)
    # No cascade in this plan, so the gate doesn't lean on one.
    assert "cascade" not in plan.evaluation[0] and "least confident" in plan.evaluation[0]


def test_6_low_volume_high_stakes_keeps_the_teacher() -> None:
    plan = build_plan(learners.contract_review())
    cost = plan.cost
    gpt41_in, gpt41_out = price("gpt-4.1")
    teacher = ((63 + 1_500) * gpt41_in + 600 * gpt41_out) / M
    assert cost.teacher.per_call == teacher == Decimal("0.007926")
    assert plan.weighing.row(Option.KEEP).horizon_total == teacher * 200 * 365  # $579
    # Under the contract no serverless host may see the data: a 7–8B student needs a GPU of
    # its own all day. Its 16 GB of weights fit an L4 ($19.20 a day, a fifth of an H100's
    # $95.76), still far more than the teacher costs ($1.59 a day).
    assert cost.hosting.daily_usd == 24 * L4
    assert cost.payback_days is None
    assert plan.weighing.row(Option.CHEAPER).risk is QualityRisk.HIGH
    assert plan.weighing.row(Option.CHEAPER).misses == ("your quality bar",)
    assert plan.weighing.chosen.option is Option.KEEP
    assert plan.verdict is Verdict.KEEP_TEACHER
    assert "distilling saves nothing" in plan.verdict_reason


def test_7_a_chat_assistant_switches_to_a_cheaper_tier_before_distilling() -> None:
    plan = build_plan(learners.budgeting_chat())
    cost = plan.cost
    gpt4o_in, gpt4o_out = price("gpt-4o")
    assert cost.teacher.per_call == ((25 + 1_200) * gpt4o_in + 250 * gpt4o_out) / M
    # "Close enough" allows the high risk of a tier two down: GPT-4.1 nano, not mini.
    nano_in, nano_out = price("gpt-4.1-nano")
    nano = ((25 + 1_200) * nano_in + 250 * nano_out) / M
    cheaper = plan.weighing.row(Option.CHEAPER)
    assert cheaper.name == "Switch to GPT-4.1 nano"
    assert cheaper.horizon_total == Decimal(15_000) / 5 + nano * 30_000 * 365
    assert cost.engineering_usd == 15_000
    # Distilling pays back within the year, yet the nano tier costs less over it.
    assert cost.pays_back_in_horizon
    assert plan.weighing.chosen is cheaper
    assert "costs less over your 365 days" in plan.verdict_reason
    tuning = plan.weighing.row(Option.PROVIDER_TUNING)
    assert tuning.available and "fine-tuned GPT-4.1 mini" in tuning.name
    # The instructions are too short to cache, but a chat's history is a cached prefix.
    assert "earlier turns are a repeated prefix" in plan.weighing.row(Option.CACHE).note


def test_8_a_code_review_student_needs_an_h100_so_a_cheaper_tier_costs_less() -> None:
    profile = learners.code_review()
    facts = profile.facts
    assert [f.name for f in facts.fields] == ["severity", "file", "line", "comment"]
    assert facts.output_tokens == (4 + 4) + (12 + 4) + (5 + 4) + (80 + 4)

    plan = build_plan(profile)
    cost = plan.cost
    gpt41_in, gpt41_out = price("gpt-4.1")
    teacher = ((42 + 1_500) * gpt41_in + 117 * gpt41_out) / M
    assert cost.teacher.per_call == teacher == Decimal("0.00402")
    assert plan.latency.teacher_ms == 500 + 1_542 * 1000 // 20_000 + 20 * 117 == 2_917
    assert plan.weighing.row(Option.KEEP).misses == ("the 2,000 ms latency target",)
    # The free-text comment raises the student to 3–4B, which no host serves per token. On
    # an L4 a call alone writes ~38 ms a token (9 GB of weights read at 240 GB/s), but the 2
    # L4s the peak needs run ~9 calls each, and a step reads their KV cache too: (9 GB + 9 ×
    # 1,559 tokens × 384 KiB) ÷ 240 GB/s = 60.5 ms, so 50 + 1,500 ÷ 8 + 117 × 60.5 = 7,314
    # ms, over the 2,000 ms target; on an H100, 50 + 1,500 ÷ 35 + 117 × 10 = 1,262 ms.
    # 100,000 × (1,500 ÷ 35,000/s + 117 ÷ 3,808/s) × 2 ÷ 86,400 s = 0.17: one H100 all day.
    assert plan.student_size == "3–4B decoder"
    assert cost.hosting.choice == "1 × H100 80GB"
    assert cost.hosting.daily_usd == 24 * H100
    assert plan.latency.student_ms == 50 + 1_500 * 1000 // 35_000 + 117 * 10 == 1_262
    assert "L4 24GB misses your 2,000 ms target (~7,314 ms a call)" in " ".join(cost.hosting.lines)
    assert round(cost.payback_days or 0) == 33  # $10,022 ÷ ($402 − $95.76)
    assert "comment judged pairwise" in plan.evaluation[0]
    # Distilling pays back, but GPT-4.1 mini meets the target too (~1,750 ms) for less over
    # the year: $0.804 per 1,000 calls against the H100's $0.9576 plus the one-off.
    distill = plan.weighing.row(Option.DISTILL)
    assert distill.horizon_total == cost.one_off_usd + 24 * H100 * 365
    assert plan.weighing.chosen.name == "Switch to GPT-4.1 mini"
    assert plan.weighing.chosen.horizon_total < distill.horizon_total
    assert plan.verdict is Verdict.KEEP_TEACHER


def test_a_typed_teacher_name_is_matched_and_typed_prices_override_the_table() -> None:
    assert resolve_teacher("GPT 4o mini").model == PRICES.model("gpt-4o-mini")
    assert resolve_teacher("claude-haiku-4.5").model == PRICES.model("claude-haiku")
    own = resolve_teacher("our-llm $1/$4")
    assert own.model is None and own.name == "our-llm"
    assert (own.input_usd_per_m, own.output_usd_per_m) == (Decimal(1), Decimal(4))
    for per_million in ("per 1M", "/1M tokens", "per million", "per 1M input/output tokens"):
        typed = resolve_teacher(f"our-llm $1/$4 {per_million}")
        assert (typed.name, typed.input_usd_per_m, typed.output_usd_per_m) == ("our-llm", 1, 4)
    unknown = resolve_teacher("our-llm")
    assert "not in our price table" in unknown.price_basis

    plan = build_plan(replace(learners.support_classifier(), teacher="our-llm $1/$4"))
    assert plan.cost.teacher.per_call == ((30 + 300) * 1 + 4 * 4) / M
    assert "Other (type its name)" not in plan.teacher_name


@pytest.mark.parametrize(
    ("typed", "model_id", "prices"),
    [
        ("o3", "o3", ("2.00", "8.00")),
        ("o3-mini", "o3-mini", ("1.10", "4.40")),
        ("O4 mini", "o4-mini", ("1.10", "4.40")),
        ("o1", "o1", ("15.00", "60.00")),
    ],
)
def test_each_reasoning_model_is_priced_as_itself_not_as_o3(
    typed: str, model_id: str, prices: tuple[str, str]
) -> None:
    teacher = resolve_teacher(typed)
    assert teacher.model == PRICES.model(model_id)
    assert (teacher.input_usd_per_m, teacher.output_usd_per_m) == tuple(map(Decimal, prices))
    assert "(as o3)" not in teacher.name


def test_prompt_caching_is_offered_only_past_the_providers_minimum() -> None:
    long_prompt = "Follow our style guide. " * 200  # 4,800 characters → 1,200 tokens
    profile = replace(learners.budgeting_chat(), prompt=long_prompt[:2000])
    short = build_plan(learners.budgeting_chat())
    assert not short.weighing.row(Option.CACHE).available
    assert "1,024-token caching minimum" in short.weighing.row(Option.CACHE).note
    # 2,000 characters → 500 tokens, still under OpenAI's 1,024.
    assert not build_plan(profile).weighing.row(Option.CACHE).available


def test_prompt_caching_is_priced_where_the_prompt_passes_the_providers_minimum() -> None:
    # DeepSeek caches prefixes from 64 tokens: a 400-character prompt (100 tokens) qualifies.
    prompt = "Answer the customer's question about our API in two sentences. " * 7
    profile = replace(
        learners.budgeting_chat(), prompt=prompt[:400], teacher="deepseek-chat", engineering_usd=0
    )
    plan = build_plan(profile)
    cache = plan.weighing.row(Option.CACHE)
    assert cache.available and plan.cost.prompt_tokens == 100
    chat_in, chat_out = price("deepseek-chat")
    cached_in = PRICES.model("deepseek-chat").cached_input
    assert cached_in is not None
    assert cache.per_1k == (100 * cached_in + 1_200 * chat_in + 250 * chat_out) / M * 1000


def test_gates_are_sized_to_the_student_and_a_slow_fallback_is_called_out() -> None:
    profile = replace(learners.code_review(), quality=QualityBar.CRITICAL, latency_ms=1_500)
    plan = build_plan(profile)
    assert plan.verdict is Verdict.DISTILL_WITH_FALLBACK
    gate = plan.evaluation[0]
    assert "at least 93%" in gate and "98% is more than a 3–4B student" in gate
    assert any("The fallback is slower than your target" in line for line in plan.evaluation)


def test_a_sub_second_target_serves_the_student_on_its_own_machines() -> None:
    # No 3–4B meets 900 ms; a 0.5–1.5B does on an H100 (50 + 1,500 ÷ 100 + 117 × 5 = 650
    # ms), not on an L4 (50 + 1,500 ÷ 20 + 117 × 13 = 1,646 ms).
    fast = build_plan(replace(learners.code_review(), latency_ms=900))
    assert fast.student_size == "0.5–1.5B decoder"
    assert fast.cost.hosting.choice == "1 × H100 80GB"
    assert fast.cost.hosting.daily_usd == 24 * H100
    assert fast.latency.student_ms == 650
    assert "cold starts" in fast.cost.hosting.lines[-1]


def test_titles_are_short_and_say_what_the_prompt_does() -> None:
    titles = {name: build_plan(make()).title for name, make in learners.EIGHT.items()}
    assert titles == {
        "triage": "Support ticket classifier (3 fields, EN/DE/FR)",
        "summaries": "Sales call summariser",
        "tutor": "Patient math tutor",
        "writing": "Product update rewriter",
        "extraction": "Invoice extraction (9 fields)",
        "contract": "Contract clause review",
        "chat": "In-app assistant",
        "code": "Pull request reviewer (4 fields)",
    }
