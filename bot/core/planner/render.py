"""A plan as Markdown: a summary that fits one Telegram message, and the full document."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.core.planner.alternatives import RISK_WORDS, Alternative, Weighing
from bot.core.planner.costs import (
    EPOCHS,
    PEAK_FACTOR,
    TRAINING_RUNS,
    CostEstimate,
    days_text,
    exact,
    reasoning_note,
    usd,
)
from bot.core.planner.plan import Plan, Regime, Verdict
from bot.core.planner.prices import PRICES
from bot.core.planner.profile import PlanProfile
from bot.core.planner.questions import QUESTIONS, QUESTIONS_BY_KEY, AnswerValue, QuestionKind
from bot.core.planner.reading import fact_lines
from drops.markdown import code_block, escape_markdown

# Telegram allows 4096 characters a message; the rest is headroom for the conversion of
# our Markdown into entities and for a line the bot may add.
SUMMARY_LIMIT = 3500
DISCLAIMER = "Not legal advice: see /faq and the terms themselves."

REGIME_TITLES = {
    Regime.OUTPUTS: "Output distillation",
    Regime.TRACES: "Reasoning-trace distillation",
    Regime.PREFERENCES: "Preference distillation (SFT, then DPO)",
}
VERDICT_TITLES = {
    Verdict.DISTILL: "Distill",
    Verdict.DISTILL_WITH_FALLBACK: "Distill, with the teacher as fallback",
    Verdict.KEEP_TEACHER: "Don't distill (yet)",
}
_ANSWER_TITLES = {
    "prompt": "Prompt",
    "output": "Output",
    "inputlen": "Input per call",
    "volume": "Calls a day",
    "latency": "Latency target",
    "cost": "Cost target",
    "quality": "Quality bar",
    "teacher": "Teacher today",
    "logprobs": "Log-probabilities",
    "reasoning": "Teacher's reasoning",
    "prefs": "Preference judgments",
    "privacy": "Data leaving the company",
    "engineering": "Engineering, once",
    "horizon": "Payback horizon",
}


def render_summary(plan: Plan) -> str:
    """The chat message: every decision in a line or two, at most `SUMMARY_LIMIT` characters."""
    lines = [
        f"**Distillation plan: {escape_markdown(plan.title)}**",
        "",
        f"**{VERDICT_TITLES[plan.verdict]}.** {plan.verdict_reason}",
        "",
        f"**Payback:** {_payback_line(plan.cost)}",
        *_price_caveat(plan),
        "**Options compared** (per 1,000 calls · one-off · total over "
        f"{plan.cost.horizon_days:,} days):",
        *(_option_line(row, plan.weighing) for row in plan.weighing.rows if row.available),
        "",
        f"**Regime:** {REGIME_TITLES[plan.regime]}, {plan.mode.value}.",
        f"**Teacher → student:** {plan.teacher_name} → {plan.student_size}, e.g. "
        f"{plan.student_candidates}.",
        f"**Data:** {plan.examples:,} teacher calls on {plan.real_inputs:,} real inputs. "
        f"{plan.generation_headline}",
        f"**Evaluate:** {plan.evaluation_summary}",
        f"**Risks:** {'; '.join(risk.title for risk in plan.risks)}.",
        f"**Terms:** {plan.terms} {DISCLAIMER}",
        "",
        "The full plan, with the arithmetic and every assumption, is in the documents "
        "(Markdown, and HTML for a phone).",
    ]
    return _fit("\n".join(lines), SUMMARY_LIMIT)


def render_document(plan: Plan, profile: PlanProfile) -> str:
    """The full plan as a Markdown document, sections in the order a practitioner reads them."""
    cost = plan.cost
    sections = [
        f"# Distillation plan: {escape_markdown(plan.title)}",
        "Built by explicit rules from your prompt and answers (no model involved). Every "
        f"number rests on the prices and assumptions listed under Cost (price table checked "
        f"{PRICES.checked}); replace them with your own.",
        "## Your prompt",
        code_block(profile.prompt),
        "### What I read from it",
        _bullets(escape_markdown(line) for line in fact_lines(plan.facts)),
        "## Your answers",
        _bullets(_answer_lines(profile)),
        "## Verdict",
        f"**{VERDICT_TITLES[plan.verdict]}.** {plan.verdict_reason}",
        f"**Payback:** {_payback_line(cost)}",
        *_price_caveat(plan),
        "## Options side by side",
        alternatives_table(plan.weighing, cost.horizon_days),
        f"**Recommended: {escape_markdown(plan.weighing.chosen.name)}** — {plan.weighing.why}.",
        _bullets(
            f"{escape_markdown(row.name)}: {escape_markdown(row.note)}."
            for row in plan.weighing.rows
        ),
        f"## Regime: {REGIME_TITLES[plan.regime]}, {plan.mode.value}",
        _bullets(plan.reasons),
        "## Teacher and student",
        _bullets(
            (
                f"Teacher: {plan.teacher_name}, {plan.teacher_size}.",
                *plan.teacher_notes,
                f"Student: {plan.student_size}, e.g. {plan.student_candidates}.",
                *plan.latency.notes,
                *plan.student_notes,
            )
        ),
        f"## Data: {plan.examples:,} teacher calls",
        _numbered(plan.generation),
        "## Loss",
        _bullets(plan.loss),
        "## Evaluation",
        _bullets(plan.evaluation),
        "## Cost",
        _bullets(_cost_summary(cost)),
        "### The teacher today",
        _bullets(cost.teacher.lines),
        f"### Serving the student: {cost.hosting.choice}",
        _bullets(cost.hosting.lines),
        "### One-off costs",
        _bullets(
            (
                *cost.data_lines,
                *cost.training_lines,
                f"Engineering (your answer): {usd(cost.engineering_usd)}.",
                f"One-off = {exact(cost.data_usd)} + {exact(cost.training_usd)} + "
                f"{exact(cost.engineering_usd)} = {exact(cost.one_off_usd)}.",
            )
        ),
        "### Payback",
        _bullets(arithmetic_lines(cost)),
        "### Assumptions and sources",
        _bullets(_assumptions(plan)),
        "## Latency",
        _bullets(_latency_lines(plan)),
        "## Risks",
        _bullets(f"**{risk.title}.** {risk.advice}" for risk in plan.risks),
        "## Terms of use",
        f"{plan.terms}\n\n{DISCLAIMER}",
    ]
    return "\n\n".join(sections) + "\n"


def alternatives_table(weighing: Weighing, horizon_days: int) -> str:
    """The options as one Markdown table; unavailable ones stay in it, marked."""
    header = (
        f"| Option | per 1,000 calls | one-off | total over {horizon_days:,} days | latency "
        "| quality risk | effort | meets targets |\n|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for row in weighing.rows:
        chosen = " ✅" if row is weighing.chosen else ""
        if not row.available:
            rows.append(
                f"| {escape_markdown(row.name)} | n/a | n/a | n/a | – | "
                f"{RISK_WORDS[row.risk]} | {row.effort} | not available |"
            )
            continue
        meets = "yes" if not row.misses else "misses " + ", ".join(row.misses)
        rows.append(
            f"| {escape_markdown(row.name)}{chosen} | {usd(row.per_1k, 3)} | {usd(row.one_off)} "
            f"| {usd(row.horizon_total)} | ~{row.latency_ms:,} ms | {RISK_WORDS[row.risk]} "
            f"| {row.effort} | {meets} |"
        )
    return "\n".join([header, *rows])


def arithmetic_lines(cost: CostEstimate) -> tuple[str, ...]:
    """The payback, step by step, so a reader can redo it on a calculator."""
    lines = [
        f"Daily savings = teacher {exact(cost.teacher.daily_usd)} − student "
        f"{exact(cost.hosting.daily_usd)} = {exact(cost.daily_savings)}.",
    ]
    payback = cost.payback_days
    if payback is None:
        lines.append("Payback: never, because serving the student saves nothing per day.")
    else:
        within = "within" if cost.pays_back_in_horizon else "past"
        lines.append(
            f"Payback = {exact(cost.one_off_usd)} ÷ {exact(cost.daily_savings)} = "
            f"{days_text(payback)}, {within} your {cost.horizon_days:,}-day horizon."
        )
    return tuple(lines)


def _payback_line(cost: CostEstimate) -> str:
    parts = (
        f"one-off {usd(cost.one_off_usd)} (data {usd(cost.data_usd)} + training "
        f"{usd(cost.training_usd)} + engineering {usd(cost.engineering_usd)}); teacher "
        f"{usd(cost.teacher.daily_usd)} a day vs student {usd(cost.hosting.daily_usd)} a day "
        f"({cost.hosting.choice})"
    )
    payback = cost.payback_days
    if payback is None:
        return f"never — {parts}."
    return f"{days_text(payback)} — {parts}."


def _price_caveat(plan: Plan) -> tuple[str, ...]:
    """The teacher's price, where the verdict rests on one we guessed or could not confirm."""
    caveat = plan.teacher_price_caveat
    return (f"**Teacher's price:** {escape_markdown(caveat)}.",) if caveat else ()


def _option_line(row: Alternative, weighing: Weighing) -> str:
    mark = "✅ " if row is weighing.chosen else ""
    misses = f" (misses {', '.join(row.misses)})" if row.misses else ""
    thinks = f" ({reasoning_note(row.reasoning_tokens)})" if row.reasoning_tokens else ""
    return (
        f"- {mark}{escape_markdown(row.name)}: {usd(row.per_1k, 3)}{thinks} · "
        f"{usd(row.one_off)} · {usd(row.horizon_total)}{misses}"
    )


def _cost_summary(cost: CostEstimate) -> tuple[str, ...]:
    teacher_1k = cost.teacher.daily_usd / cost.calls_per_day * 1000
    batching = (
        f" (an always-on node; {usd(cost.teacher.per_call * 1000, 3)} if it were kept busy)"
        if cost.teacher.self_hosted
        else ""
    )
    thinks = f", {reasoning_note(cost.reasoning_tokens)}" if cost.reasoning_tokens else ""
    return (
        f"Teacher: {usd(teacher_1k, 3)} per 1,000 calls{thinks}; {usd(cost.teacher.daily_usd)} "
        f"a day{batching}.",
        f"Student: {usd(cost.student_cost_per_call * 1000, 3)} per 1,000 calls, "
        f"{usd(cost.hosting.daily_usd)} a day ({cost.hosting.choice}).",
        f"One-off: {usd(cost.one_off_usd)}; savings {usd(cost.daily_savings)} a day, "
        f"{usd(cost.annual_savings)} a year.",
    )


def _assumptions(plan: Plan) -> tuple[str, ...]:
    cost = plan.cost
    facts = plan.facts
    return (
        f"Tokens per call: {cost.prompt_tokens:,} prompt (estimated from your prompt's text: "
        f"~4 characters a token for English, see the note) + {cost.input_tokens:,} input + "
        f"{cost.output_tokens:,} output.",
        "Token counts are an estimate, not a tokenizer: ~0.75 words or ~4 characters a token "
        "for English prose (±15%), more for other languages; count your own logs' usage "
        "fields to replace it.",
        *((f"Input length: {escape_markdown(facts.input_basis)}.",) if facts.input_basis else ()),
        "The student is trained without the instruction prompt: it has learned the task.",
        f"Machines are sized for peak traffic at {PEAK_FACTOR}× the daily average; training "
        f"runs {EPOCHS} epochs, {TRAINING_RUNS} runs (a sweep and the final one).",
        f"Prices: {PRICES.checked} table in the repository (bot/core/planner/prices.yaml), "
        "each with its source; serving and training speeds are planning assumptions, not "
        "measurements.",
    )


def _latency_lines(plan: Plan) -> tuple[str, ...]:
    latency = plan.latency
    target = "none given" if latency.target_ms is None else f"{latency.target_ms:,} ms"
    thinking = plan.cost.reasoning_tokens
    thinks = (
        f", the teacher writing ~{thinking:,} reasoning tokens first (an estimate)"
        if thinking
        else ""
    )
    return (
        f"Rough time per call: teacher ~{latency.teacher_ms:,} ms, student "
        f"~{latency.student_ms:,} ms, for ~{plan.cost.input_tokens:,} input and "
        f"~{plan.cost.output_tokens:,} output tokens{thinks} (teacher: 0.5 s to first token, "
        "then ~50 tokens/s; student: by size, on the machine under Cost, at the peak it is "
        "sized for).",
        f"Your target: {target}.",
    )


def _answer_lines(profile: PlanProfile) -> list[str]:
    answers = profile.to_dict()
    lines = []
    for question in QUESTIONS:
        if question.kind is QuestionKind.TEXT:
            continue
        lines.append(f"{_ANSWER_TITLES[question.key]}: {_answer_text(question.key, answers)}")
    return lines


def _answer_text(key: str, answers: dict[str, AnswerValue]) -> str:
    value = answers[key]
    if value is None:
        return "no target"
    if key == "volume":
        return f"{value:,}"
    if key == "latency":
        return f"{value:,} ms"
    if key == "inputlen":
        return f"~{value:,} tokens"
    if key == "engineering":
        return usd(Decimal(str(value)))
    if key == "horizon":
        return f"{value:,} days"
    if key == "cost":
        return f"{usd(Decimal(str(value)))} per 1,000 calls"
    for option in QUESTIONS_BY_KEY[key].options:
        if option.value == value:
            return option.label
    return escape_markdown(str(value))


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _numbered(items: Iterable[str]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _fit(text: str, limit: int) -> str:
    """`text`, or its first lines that fit with a pointer to the document (a safety net)."""
    if len(text) <= limit:
        return text
    tail = "\n\n…the rest is in the document."
    cut = text[: limit - len(tail)]
    return cut[: cut.rfind("\n")] + tail
