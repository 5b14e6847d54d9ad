"""Reasoning models bill their hidden reasoning tokens as output: a plan prices them in.

OpenAI's o-series and GPT-5, Gemini 2.5 with thinking and DeepSeek-R1 think before they
answer; the provider bills those tokens at the output price, and the call takes the time to
write them. The number a call spends is an estimate by task kind (prices.yaml,
`reasoning_tokens`), and the plan says so. Expected numbers are worked by hand from the
price table (read here, so an update moves both sides).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.core.planner import SUMMARY_LIMIT, build_plan, render_document, render_summary
from bot.core.planner.alternatives import Alternative, Option
from bot.core.planner.choices import OutputKind
from bot.core.planner.plan import Plan
from bot.core.planner.prices import PRICES
from bot.core.planner.students import teacher_latency_ms
from tests.planner import learners

M = Decimal(1_000_000)
# The estimate for a step-by-step answer and for a JSON record (prices.yaml).
REASONING = PRICES.reasoning_tokens[OutputKind.REASONING]
FIELDS = PRICES.reasoning_tokens[OutputKind.FIELDS]


def test_the_estimates_are_hundreds_to_thousands_of_tokens_a_call() -> None:
    assert set(PRICES.reasoning_tokens) == set(OutputKind)
    assert all(100 <= tokens <= 10_000 for tokens in PRICES.reasoning_tokens.values())
    thinking = {model.id for model in PRICES.models if model.reasoning}
    assert {"o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"} <= thinking
    assert {"gemini-2.5-pro", "gemini-2.5-flash", "deepseek-r1"} <= thinking
    # Off unless asked for: Claude's extended thinking, Flash-Lite's thinking.
    assert not thinking & {"claude-sonnet", "claude-haiku", "gemini-2.5-flash-lite", "gpt-4.1"}


def test_a_reasoning_teacher_pays_for_its_hidden_reasoning_tokens_at_the_output_price() -> None:
    plan = build_plan(replace(learners.contract_review(), teacher="o3"))
    cost = plan.cost
    o3 = PRICES.model("o3")
    tokens_in = cost.prompt_tokens + cost.input_tokens
    per_call = (tokens_in * o3.input + (cost.output_tokens + REASONING) * o3.output) / M
    assert cost.teacher.per_call == per_call
    assert plan.weighing.row(Option.KEEP).per_1k == per_call * 1000
    # The training set is made of the same calls, at the batch discount.
    assert cost.data_usd == cost.examples * per_call * Decimal("0.5")
    text = " ".join(cost.teacher.lines)
    assert f"+ ({cost.output_tokens:,} output + ~{REASONING:,} reasoning) tokens" in text
    assert "an estimate" in text


def test_the_summary_and_the_document_say_the_reasoning_tokens_are_an_estimate() -> None:
    plan = build_plan(replace(learners.contract_review(), teacher="o3"))
    said = f"incl. ~{REASONING:,} reasoning tokens a call (estimate)"
    summary = render_summary(plan)
    assert said in summary and len(summary) <= SUMMARY_LIMIT
    assert said in render_document(plan, replace(learners.contract_review(), teacher="o3"))
    # A teacher that doesn't reason says nothing of it.
    assert "reasoning tokens" not in render_summary(build_plan(learners.contract_review()))


def cheaper_tier_for(teacher: str) -> tuple[Plan, int, Alternative]:
    """The contract-review plan on ``teacher``, its input tokens a call, its cheaper row."""
    plan = build_plan(replace(learners.contract_review(), teacher=teacher))
    return plan, plan.cost.prompt_tokens + plan.cost.input_tokens, plan.weighing.row(Option.CHEAPER)


def test_a_cheaper_tier_that_reasons_is_priced_with_its_reasoning_tokens() -> None:
    plan, tokens_in, cheaper = cheaper_tier_for("gpt-5")
    cost, mini = plan.cost, PRICES.model("gpt-5-mini")
    assert cheaper.name == "Switch to GPT-5 mini"
    per_call = (tokens_in * mini.input + (cost.output_tokens + REASONING) * mini.output) / M
    assert cheaper.per_1k == per_call * 1000
    line = next(line for line in render_summary(plan).splitlines() if "GPT-5 mini" in line)
    assert f"incl. ~{REASONING:,} reasoning tokens a call (estimate)" in line


def test_a_tier_that_does_not_reason_is_priced_on_its_answer_alone() -> None:
    plan, tokens_in, cheaper = cheaper_tier_for("gpt-5-mini")
    cost, nano = plan.cost, PRICES.model("gpt-4.1-nano")
    assert cheaper.name == "Switch to GPT-4.1 nano"
    assert cheaper.per_1k == (tokens_in * nano.input + cost.output_tokens * nano.output) / M * 1000
    # Nor does it wait for the teacher's reasoning: 60% of the teacher's time without it.
    assert cheaper.latency_ms == int(teacher_latency_ms(cost.output_tokens, tokens_in) * 0.6)


def test_a_cost_target_a_reasoning_tier_only_seemed_to_meet_is_missed() -> None:
    # Code review (JSON findings) on GPT-5: GPT-5 mini's answer alone costs less than the
    # target a call (it was the plan's pick), but with its reasoning it costs more.
    profile = replace(learners.code_review(), teacher="gpt-5", latency_ms=None)
    cost = build_plan(profile).cost
    mini = PRICES.model("gpt-5-mini")
    tokens_in = cost.prompt_tokens + cost.input_tokens
    answer_only = (tokens_in * mini.input + cost.output_tokens * mini.output) / M * 1000
    with_reasoning = (
        (tokens_in * mini.input + (cost.output_tokens + FIELDS) * mini.output) / M * 1000
    )
    target = float((answer_only + with_reasoning) / 2)
    plan = build_plan(replace(profile, max_usd_per_1k_calls=target))
    # The next tier down doesn't reason; it misses the quality bar, so distilling wins.
    assert plan.weighing.row(Option.CHEAPER).name == "Switch to GPT-4.1 nano"
    assert plan.weighing.chosen.option is Option.DISTILL


def test_a_reasoning_teacher_takes_the_time_to_write_its_reasoning() -> None:
    plan = build_plan(replace(learners.contract_review(), teacher="o3"))
    cost = plan.cost
    tokens_in = cost.prompt_tokens + cost.input_tokens
    # 0.5 s to the first token, the input read at 20,000/s, then 20 ms a token written.
    assert plan.latency.teacher_ms == 500 + tokens_in * 1000 // 20_000 + 20 * (
        cost.output_tokens + REASONING
    )
    assert (
        f"~{REASONING:,} reasoning tokens"
        in render_document(plan, replace(learners.contract_review(), teacher="o3")).split(
            "## Latency"
        )[1]
    )
