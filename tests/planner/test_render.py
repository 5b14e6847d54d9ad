"""The plan as a Telegram message, as a Markdown document and as an HTML page."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegramify_markdown import convert

from bot.core.planner import (
    SUMMARY_LIMIT,
    PlanProfile,
    build_plan,
    render_document,
    render_html,
    render_summary,
)
from bot.core.planner.alternatives import Option
from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    PreferenceData,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.costs import days_text
from bot.core.planner.plan import Verdict
from bot.core.planner.questions import PROMPT_MAX_CHARS
from tests.planner import learners

DOCUMENT_SECTIONS = (
    "## Your prompt", "### What I read from it", "## Your answers", "## Verdict",
    "## Options side by side", "## Regime", "## Teacher and student", "## Data", "## Loss",
    "## Evaluation", "## Cost", "### The teacher today", "### Serving the student",
    "### One-off costs", "### Payback", "### Assumptions and sources", "## Latency",
    "## Risks", "## Terms of use",
)  # fmt: skip

# The longest texts a learner can give, full of Markdown that must stay literal.
LONGEST_PROMPT = ("*_[`" * PROMPT_MAX_CHARS)[:PROMPT_MAX_CHARS]
LONGEST_TEACHER = "<b>" + "_" * 57


@pytest.mark.parametrize("name", list(learners.EIGHT))
def test_each_learner_gets_a_summary_that_fits_one_message(name: str) -> None:
    summary = render_summary(build_plan(learners.EIGHT[name]()))
    assert len(summary) <= SUMMARY_LIMIT
    assert "/faq" in summary and "**Payback:**" in summary
    plain, _entities = convert(summary, latex_escape=False)
    assert len(plain.encode("utf-16-le")) // 2 <= 4096


@pytest.mark.parametrize("latency_ms", [1, None])  # None: a slow student is a risk of its own
def test_every_kind_of_answer_fits_the_summary_limit(latency_ms: int | None) -> None:
    worst = 0
    for kind, quality, logits, privacy, teacher in itertools.product(
        OutputKind, QualityBar, LogitsAccess, Privacy,
        # GPT-5 and its cheaper tier both reason: two cost lines say so.
        ("llama-3.3-70b", "gpt-4o", "gpt-5", LONGEST_TEACHER),
    ):  # fmt: skip
        profile = PlanProfile(
            prompt=LONGEST_PROMPT,
            output_kind=kind,
            calls_per_day=200,
            latency_ms=latency_ms,
            max_usd_per_1k_calls=0.0001,
            quality=quality,
            trace_access=TraceAccess.VISIBLE,
            logits_access=logits,
            preference_data=PreferenceData.CAN_MAKE,
            privacy=privacy,
            teacher=teacher,
        )
        worst = max(worst, len(render_summary(build_plan(profile))))
    assert worst <= SUMMARY_LIMIT


@pytest.mark.parametrize("name", list(learners.EIGHT))
def test_the_document_has_every_section_in_reading_order(name: str) -> None:
    profile = learners.EIGHT[name]()
    document = render_document(build_plan(profile), profile)
    positions = [document.index(heading) for heading in DOCUMENT_SECTIONS]
    assert positions == sorted(positions)
    assert profile.prompt in document
    assert "Not legal advice" in document
    # The alternatives table is in every plan, with all five rows.
    table = document.split("## Options side by side")[1].split("**Recommended:")[0]
    assert table.count("\n|") == 7  # header, separator and five options


def test_the_document_shows_the_arithmetic_with_the_learners_numbers() -> None:
    profile = learners.support_classifier()
    document = render_document(build_plan(profile), profile)
    # 30 prompt tokens (⌈119 characters ÷ 4⌉), 300 input, 4 output (one label):
    # (30 + 300) × $2 + 4 × $8 = $692 per 1M calls.
    for line in (
        "Teacher per call = (30 prompt + 300 input) tokens × $2.00/1M + 4 output tokens × "
        "$8.00/1M = $0.000692.",
        "Teacher per day = 50,000 × $0.000692 = $34.6.",
        "Data set = 10,000 calls × $0.000692 × 0.5 (batch API) = $3.46.",
        "Machines = ⌈50,000 calls × 0.1 s × 2 (peak) ÷ 86,400 s⌉ = 1 (at least one), so 1 × "
        "24 h × $0.18 = $4.32 a day.",
        "Daily savings = teacher $34.6 − student $4.32 = $30.28.",
        "Calls a day: 50,000",
        "Engineering, once: $10,000",
    ):
        assert line in document, line


def test_the_summary_states_verdict_payback_options_and_risks() -> None:
    summary = render_summary(build_plan(learners.contract_review()))
    assert "**Don't distill (yet).** Keep GPT-4.1" in summary
    assert "distilling saves nothing" in summary  # a dedicated 7B GPU costs more a day
    assert "- ✅ Keep GPT-4.1: $7.93 · $0 · $579" in summary
    assert "Evaluation data leaking into training" in summary


@pytest.mark.parametrize(
    ("days", "shown"),
    [("14.05", "15 days"), ("365.1", "366 days"), ("9.91", "10.0 days"), ("3", "3.0 days"),
     ("800", "2.2 years"), ("4000", "11 years")],
)  # fmt: skip
def test_a_payback_is_shown_rounded_up_so_it_holds_on_the_day_it_names(
    days: str, shown: str
) -> None:
    assert days_text(Decimal(days)) == shown


def test_learner_text_cannot_inject_formatting() -> None:
    profile = replace(
        learners.support_classifier(),
        prompt="**Classify** the [ticket](http://x) ``` and `reply` with _one_ label",
        teacher="**my** [model]",
    )
    plan = build_plan(profile)
    summary = render_summary(plan)
    _plain, entities = convert(summary, latex_escape=False)
    assert not any(entity.type in {"text_link", "url"} for entity in entities)

    document = render_document(plan, profile)
    plain_document, _ = convert(document, latex_escape=False)
    assert profile.prompt in plain_document
    assert "Teacher today: **my** [model]" in plain_document


def test_the_html_page_has_the_same_content_and_no_raw_html_from_the_learner() -> None:
    profile = replace(
        learners.ticket_triage(), prompt=learners.TRIAGE_PROMPT + " <script>x</script>"
    )
    plan = build_plan(profile)
    page = render_html(render_document(plan, profile), plan.title)
    assert page.startswith("<!doctype html>") and 'name="viewport"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<div class="table"><table>' in page and "<th>Option</th>" in page
    assert "Switch to GPT-4.1 mini ✅" in page
    assert "<h3>Payback</h3>" in page


@settings(max_examples=60, deadline=None)
@given(
    calls=st.integers(min_value=1, max_value=10**9),
    tokens=st.integers(min_value=1, max_value=2_000_000),
    engineering=st.integers(min_value=0, max_value=10_000_000),
    horizon=st.integers(min_value=1, max_value=3_650),
    target=st.one_of(st.none(), st.floats(min_value=0.0001, max_value=100_000)),
    name=st.sampled_from(list(learners.EIGHT)),
)
def test_any_numbers_give_a_plan_that_renders(
    calls: int, tokens: int, engineering: int, horizon: int, target: float | None, name: str
) -> None:
    profile = replace(
        learners.EIGHT[name](),
        calls_per_day=calls,
        input_tokens=tokens,
        engineering_usd=engineering,
        horizon_days=horizon,
        max_usd_per_1k_calls=target,
    )
    plan = build_plan(profile)
    assert len(render_summary(plan)) <= SUMMARY_LIMIT
    assert plan.weighing.chosen.available
    assert (plan.verdict is Verdict.KEEP_TEACHER) == (
        plan.weighing.chosen.option is not Option.DISTILL
    )
    render_html(render_document(plan, profile), plan.title)
