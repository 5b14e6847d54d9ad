"""Costs a practitioner acts on, from a second review: the GPU a student is served on, one
speed per machine, judging calls, prompt-cache writes and minimums, per-language gates and
the cheapest hosted tier a quality bar allows. Expected numbers are worked by hand from the
price table (read here) and the planning speeds named in each comment."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import Decimal

from bot.core.planner import build_plan, render_document, render_summary
from bot.core.planner.alternatives import Option
from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.costs import exact
from bot.core.planner.prices import PRICES
from bot.core.planner.students import STUDENTS
from tests.planner import learners

M = Decimal(1_000_000)
H100 = PRICES.machines["h100"].usd_per_hour
L4 = PRICES.machines["l4"].usd_per_hour


def test_a_7_8b_student_at_low_volume_is_served_on_an_l4_and_the_plan_says_why() -> None:
    # 200 calls a day, data kept from serverless hosts: one GPU all day. 8B weights in bf16
    # (~16 GB) and the KV cache of one call fit an L4's 24 GB, at a fifth of an H100's price.
    plan = build_plan(learners.contract_review())
    hosting = plan.cost.hosting
    assert plan.student_size == "7–8B decoder"
    assert hosting.choice == "1 × L4 24GB"
    assert hosting.daily_usd == 24 * L4
    text = " ".join(hosting.lines)
    assert "16 GB of weights" in text
    assert f"H100 80GB would cost {exact(24 * H100)} a day" in text
    assert "an estimate" in text  # the L4 price is marked `verify` in the table
    assert f"student {'$19.20'} a day (1 × L4 24GB)" in render_summary(plan)


def test_a_7_8b_student_at_high_volume_is_served_on_the_gpu_that_costs_less_in_all() -> None:
    # 200,000 calls × (1,500 ÷ 3,500/s + 600 ÷ 231/s) × 2 ÷ 86,400 s → 15 L4s ($288 a day;
    # 231 tokens/s is what an L4's memory allows at 2,100 tokens a call, see below);
    # × (1,500 ÷ 20,000/s + 600 ÷ 2,500/s) → 2 H100s ($191.52): the H100s win.
    plan = build_plan(replace(learners.contract_review(), calls_per_day=200_000))
    hosting = plan.cost.hosting
    assert hosting.choice == "2 × H100 80GB"
    assert hosting.daily_usd == 2 * 24 * H100
    assert f"15 × L4 24GB would cost {exact(15 * 24 * L4)} a day" in " ".join(hosting.lines)


def test_a_latency_target_an_l4_misses_puts_the_student_on_an_h100() -> None:
    # On an L4 an 8B model writes ~67 ms a token: 50 + 1,500 ÷ 3.5 + 600 × 67 = 40,678 ms;
    # on an H100, 50 + 1,500 ÷ 20 + 600 × 17 = 10,325 ms, within 15 s.
    slow = build_plan(learners.contract_review())
    assert slow.latency.student_ms == 50 + 1_500 * 1000 // 3_500 + 600 * 67
    fast = build_plan(replace(learners.contract_review(), latency_ms=15_000))
    assert fast.cost.hosting.choice == "1 × H100 80GB"
    assert fast.latency.student_ms == 50 + 1_500 * 1000 // 20_000 + 600 * 17
    assert "L4 24GB misses your 15,000 ms target" in " ".join(fast.cost.hosting.lines)


def test_an_encoder_reads_its_input_at_the_one_speed_its_cpu_is_priced_at() -> None:
    # The hosting cost assumed 3,000 tokens/s on the CPU instance, the latency 10,000.
    plan = build_plan(learners.support_classifier())
    assert "300 tokens ÷ 3,000/s" in plan.cost.hosting.lines[0]
    assert plan.latency.student_ms == 20 + 300 * 1000 // 3_000  # 120 ms, not 50


def test_a_judgment_is_priced_as_reading_two_answers_and_writing_a_short_verdict() -> None:
    plan = build_plan(learners.writing_assistant())
    cost = plan.cost
    sonnet = PRICES.model("claude-sonnet")
    prompt, read, written = cost.prompt_tokens, cost.input_tokens, cost.output_tokens
    generation = ((prompt + read) * sonnet.input + written * sonnet.output) / M
    # The judge reads the instructions, the input and both drafts, and writes ~100 tokens.
    judgment = ((prompt + read + 2 * written) * sonnet.input + 100 * sonnet.output) / M
    assert cost.data_usd == (6_000 * generation + 3_000 * judgment) * Decimal("0.5")
    assert any("3,000 judgments" in line for line in cost.data_lines)


def test_anthropic_cache_writes_are_counted_where_caching_is_priced() -> None:
    # Instructions past the 1,024-token minimum (built directly: /plan takes 2,000 characters).
    prompt = learners.CALL_SUMMARY_PROMPT + " Follow our style guide." * 200
    plan = build_plan(replace(learners.call_summaries(), prompt=prompt))
    cost = plan.cost
    tokens = cost.prompt_tokens
    assert tokens > 1_024
    sonnet = PRICES.model("claude-sonnet")
    assert sonnet.cached_input is not None
    # The 5-minute cache is written at 1.25× the input price, at most once per 5 minutes:
    # min(2,000 calls, 288 windows) = 288 writes a day, the other calls read it.
    writes, calls = 288, 2_000
    prefix = (
        tokens
        * (writes * Decimal("1.25") * sonnet.input + (calls - writes) * sonnet.cached_input)
        / calls
    )
    per_call = (prefix + cost.input_tokens * sonnet.input + cost.output_tokens * sonnet.output) / M
    cache = plan.weighing.row(Option.CACHE)
    assert cache.available
    assert cache.per_1k == per_call * 1000
    assert "1.25×" in cache.note


def test_a_haiku_teacher_is_held_to_its_own_caching_minimum() -> None:
    # Anthropic's prompt-caching docs: 4,096 tokens for Claude Haiku 4.5 (1,024 for Sonnet).
    plan = build_plan(replace(learners.budgeting_chat(), teacher="claude-haiku"))
    note = plan.weighing.row(Option.CACHE).note
    assert "under the 4,096-token caching minimum" in note
    assert "past 4,096 tokens" in note
    sonnet = build_plan(replace(learners.budgeting_chat(), teacher="claude-sonnet"))
    assert "under the 1,024-token caching minimum" in sonnet.weighing.row(Option.CACHE).note


def test_a_per_language_gate_states_its_margin_of_error() -> None:
    # Three languages, each at least 15% of 1,000 held-out inputs: 150. A 95% gate on 150
    # is ±1.96 × √(0.95 × 0.05 ÷ 150) = ±3.5 points at 95% confidence.
    plan = build_plan(learners.ticket_triage())
    line = next(line for line in plan.evaluation if line.startswith("Per language"))
    margin = 100 * 1.96 * math.sqrt(0.95 * 0.05 / 150)
    assert f"at least 150 inputs each, a 95% gate is ±{margin:.1f} points" in line


def test_a_relaxed_bar_without_a_cost_target_is_offered_the_cheapest_tier_it_allows() -> None:
    # "Close enough" takes a high quality risk, so GPT-4.1 nano (two tiers down) is in play;
    # "must match" takes a medium one, so one tier down (mini) is as far as it goes.
    relaxed = build_plan(replace(learners.support_classifier(), quality=QualityBar.RELAXED))
    assert relaxed.weighing.row(Option.CHEAPER).name == "Switch to GPT-4.1 nano"
    match = build_plan(learners.support_classifier())
    assert match.weighing.row(Option.CHEAPER).name == "Switch to GPT-4.1 mini"


# A third review: what a practitioner reads and would act on.


def test_the_memory_line_prints_gigabytes_to_one_decimal() -> None:
    # 16 GB of weights + one call's 2,100 tokens × 128 KiB of KV cache = 16.275 GB: "16.3 GB",
    # not "16.2753 GB".
    profile = learners.contract_review()
    document = render_document(build_plan(profile), profile)
    memory = next(line for line in document.splitlines() if line.startswith("- Memory:"))
    assert "× 128 KiB = 16.3 GB, within 21.6 GB" in memory
    assert re.search(r"\d\.\d{2,} GB", memory) is None


L4_GB_PER_S = 300  # the L4's memory bandwidth (NVIDIA's datasheet)


def test_a_student_on_an_l4_writes_no_faster_than_its_memory_reads_the_weights() -> None:
    # Writing one token reads every weight once: at 300 GB/s, 3 GB of a 1.5B model in bf16
    # take at least 10 ms a token, 9 GB of a 4B model 30 ms, 16 GB of an 8B model 53 ms.
    for size, info in STUDENTS.items():
        for serving in info.serving:
            if serving.machine == "l4":
                floor = info.weights_gb * 1000 / L4_GB_PER_S
                assert serving.ms_per_output_token >= floor, (size, serving)
    # What the user reads: a 0.5–1.5B extractor writes ~123 tokens; at 10 ms a token at the
    # very least that is 1,230 ms of writing, not the "~961 ms" in all the plan showed.
    plan = build_plan(learners.private_extraction())
    assert plan.student_size == "0.5–1.5B decoder"
    assert plan.latency.student_ms >= 50 + 1_000 * 1000 // 20_000 + 123 * 3 * 1000 // 300


def test_a_reasoning_task_on_a_relaxed_bar_is_offered_one_tier_down_not_the_cheapest() -> None:
    # One tier down is already a high risk for worked reasoning, so the risk column can't tell
    # o3 → GPT-5 mini from o3 → GPT-4.1 nano (a model that doesn't reason): stay one tier down.
    relaxed = replace(learners.budgeting_chat(), output_kind=OutputKind.REASONING)
    o3 = build_plan(replace(relaxed, teacher="o3"))
    assert o3.weighing.row(Option.CHEAPER).name == "Switch to GPT-5 mini"
    gpt41 = build_plan(replace(relaxed, teacher="gpt-4.1"))
    assert gpt41.weighing.row(Option.CHEAPER).name == "Switch to GPT-4.1 mini"
    # Where one tier down is a medium risk, "close enough" still goes on to the cheapest.
    chat = build_plan(replace(learners.budgeting_chat(), teacher="gpt-4.1"))
    assert chat.weighing.row(Option.CHEAPER).name == "Switch to GPT-4.1 nano"


def test_an_opus_teacher_is_held_to_its_own_caching_minimum() -> None:
    # Anthropic raised the minimum to 4,096 tokens for Claude Opus 4.5 and later, as for
    # Haiku 4.5; the table's Opus is 4.5+.
    plan = build_plan(replace(learners.budgeting_chat(), teacher="claude-opus"))
    note = plan.weighing.row(Option.CACHE).note
    assert "under the 4,096-token caching minimum" in note


# A fourth review: batched writing held to memory bandwidth, and a slow student said plainly.

GB_PER_S = {"l4": 300, "h100": 3_350}  # NVIDIA's datasheets: GDDR6 and HBM3
MEMORY_GB = {"l4": 24, "h100": 80}


def memory_bound(info_key: str, machine: str, input_tokens: int, output_tokens: int) -> float:
    """Tokens a second a machine writes at most, batched: as many calls as fit 90% of its
    memory beside the weights (each holding its whole context's KV cache), and a decode step
    that reads the weights once plus every call's KV cache at 80% of the bandwidth."""
    info = next(info for info in STUDENTS.values() if info.size == info_key)
    kv = info.kv_kib_per_token * 1024
    weights = info.weights_gb * 1e9
    batch = int((0.9 * MEMORY_GB[machine] * 1e9 - weights) / ((input_tokens + output_tokens) * kv))
    average_context = input_tokens + output_tokens / 2
    step = (weights + batch * average_context * kv) / (0.8 * GB_PER_S[machine] * 1e9)
    return batch / step


def written_per_s(plan_lines: tuple[str, ...], output_tokens: int) -> int:
    """The batched writing speed the busy-time line divides the output by."""
    busy = next(line for line in plan_lines if "busy time per call" in line)
    match = re.search(rf"\+ {output_tokens:,} ÷ ([\d,]+)/s", busy)
    assert match, busy
    return int(match.group(1).replace(",", ""))


def test_batched_writing_on_an_l4_is_no_faster_than_its_memory_allows() -> None:
    # An 8B student on an L4, 2,100 tokens a call: 20 calls' KV cache fit beside 16 GB of
    # weights, and a step reads 16 GB + 20 × 1,800 × 128 KiB at 240 GB/s: ~232 tokens/s,
    # not 300.
    contract = build_plan(learners.contract_review())
    assert contract.cost.hosting.choice == "1 × L4 24GB"
    bound = memory_bound("7–8B decoder", "l4", 1_500, 600)
    assert 225 < bound < 240
    assert written_per_s(contract.cost.hosting.lines, 600) <= bound
    # A 4B student (Phi-3.5-mini: 384 KiB a token) writing 400 tokens after 300 read.
    writing = build_plan(learners.writing_assistant())
    assert writing.cost.hosting.choice == "1 × L4 24GB"
    assert written_per_s(writing.cost.hosting.lines, 400) <= memory_bound(
        "3–4B decoder", "l4", 300, 400
    )
    # 8,000 tokens read: only 3 calls' KV cache fit, so it writes a few dozen tokens a second.
    summaries = build_plan(learners.call_summaries())
    assert written_per_s(summaries.cost.hosting.lines, 200) <= memory_bound(
        "3–4B decoder", "l4", 8_000, 200
    )
    # What the user reads: at 200,000 calls a day the L4s it would take, at most ~232 tokens/s.
    busy = 1_500 / 3_500 + 600 / bound
    l4s = math.ceil(200_000 * busy * 2 / 86_400)
    assert l4s == 14
    high = build_plan(replace(learners.contract_review(), calls_per_day=200_000))
    match = re.search(r"(\d+) × L4 24GB would cost", " ".join(high.cost.hosting.lines))
    assert match and int(match.group(1)) >= l4s


def test_batched_writing_on_an_h100_is_no_faster_than_its_memory_allows() -> None:
    # A 4B student reviewing 1,500-token diffs on an H100: 99 calls' KV cache (1,617 tokens
    # × 384 KiB) fit beside 9 GB, and a step reads ~70 GB at 2,680 GB/s: ~3,800 tokens/s,
    # not 4,000.
    plan = build_plan(learners.code_review())
    assert plan.cost.hosting.choice == "1 × H100 80GB"
    bound = memory_bound("3–4B decoder", "h100", 1_500, 117)
    assert 3_700 < bound < 3_900
    assert written_per_s(plan.cost.hosting.lines, 117) <= bound


def test_a_student_much_slower_than_the_teacher_is_said_so_with_what_buys_it_back() -> None:
    # No latency target: the 8B contract reviewer goes on the cheapest machine, an L4, where
    # a call takes 50 + 1,500 ÷ 3.5 + 600 × 67 = 40,678 ms, against the teacher's 500 +
    # 1,563 ÷ 20 + 600 × 20 = 12,578 ms: 3.2× slower. An H100 brings it to 10,325 ms.
    profile = learners.contract_review()
    plan = build_plan(profile)
    assert (plan.latency.student_ms, plan.latency.teacher_ms) == (40_678, 12_578)
    summary = render_summary(plan)
    assert "Student 3.2× slower than the teacher" in summary
    document = render_document(plan, profile)
    said = (
        "~40,678 ms a call on 1 × L4 24GB against the teacher's ~12,578 ms (3.2×). "
        "1 × H100 80GB would bring it to ~10,325 ms for $95.76 a day instead of $19.20"
    )
    serving = document.split("### Serving the student")[1].split("### One-off costs")[0]
    assert f"Slower than the teacher: {said}" in serving
    assert said in document.split("## Risks")[1]


def test_a_student_no_slower_than_the_teacher_or_within_your_target_gets_no_warning() -> None:
    # Code review: the student (~1,262 ms on an H100) is faster than the teacher (~2,917 ms).
    assert "slower than the teacher" not in render_summary(build_plan(learners.code_review()))
    # A 60 s target the L4 meets: you said how long a call may take, so no warning.
    within = build_plan(replace(learners.contract_review(), latency_ms=60_000))
    assert within.cost.hosting.choice == "1 × L4 24GB"
    assert "slower than the teacher" not in render_summary(within)


def test_a_student_at_the_peak_load_its_machines_are_sized_for_waits_a_loaded_step() -> None:
    # Worked solutions (200 tokens in, 600 out) from a 3–4B student at 40,000 calls a day:
    # one L4 writes the peak (0.93 calls a second) only with ~40 calls in flight, as many
    # as its memory holds. Each decode step then reads the weights and all their KV caches,
    # 70.3 ms (the batched line), and every call waits a whole step a token: not the 38 ms
    # one call alone takes (9 GB ÷ 240 GB/s), which gave 50 + 25 + 600 × 38 = 22,875 ms.
    profile = replace(
        learners.math_tutor(), teacher="gpt-4.1", privacy=Privacy.HOSTED_OK,
        calls_per_day=40_000, trace_access=TraceAccess.HIDDEN, logits_access=LogitsAccess.TOP_K,
    )  # fmt: skip
    plan = build_plan(profile)
    hosting = plan.cost.hosting
    assert (plan.student_size, hosting.choice) == ("3–4B decoder", "1 × L4 24GB")
    assert "= 70.3 ms" in " ".join(hosting.lines)  # a step with 40 calls in flight
    # Little's law at peak: 0.93 calls a second × ~41 s a call ≈ 39 calls in flight.
    assert 50 + 25 + 600 * 60 <= plan.latency.student_ms <= 50 + 25 + 600 * 71
    assert "At peak 39 calls are in flight on each L4 24GB" in " ".join(hosting.lines)
    # The memory it sizes for holds the calls of that longer time.
    assert "39 calls at once" in " ".join(hosting.lines)
    # A call alone on its machine still takes the one-call figure (200 calls a day).
    quiet = build_plan(replace(profile, calls_per_day=200))
    assert quiet.latency.student_ms == 50 + 25 + 600 * 38
