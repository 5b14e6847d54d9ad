"""A plan as Markdown: a summary that fits one Telegram message, and the full document."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.core.planner.costs import usd
from bot.core.planner.plan import CostEstimate, Plan, Regime, Verdict
from bot.core.planner.profile import PlanProfile
from bot.core.planner.questions import QUESTIONS, QUESTIONS_BY_KEY, AnswerValue, QuestionKind
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
    Verdict.KEEP_TEACHER: "Keep the teacher for now",
}
_ANSWER_TITLES = {
    "prompt": "Prompt",
    "output": "Output",
    "volume": "Calls a day",
    "latency": "Latency target",
    "cost": "Cost target",
    "quality": "Quality bar",
    "reasoning": "Teacher's reasoning",
    "logprobs": "Log-probabilities",
    "prefs": "Preference judgments",
    "privacy": "Data leaving the company",
    "teacher": "Teacher today",
}


def render_summary(plan: Plan) -> str:
    """The chat message: every decision in a line or two, at most `SUMMARY_LIMIT` characters."""
    cost = plan.cost
    lines = [
        f"**Distillation plan** for: {escape_markdown(plan.prompt_excerpt)}",
        "",
        f"**{VERDICT_TITLES[plan.verdict]}.** {plan.verdict_reason}",
        "",
        f"**Regime:** {REGIME_TITLES[plan.regime]}, {plan.mode.value}.",
        *(f"- {reason}" for reason in plan.reasons),
        "",
        f"**Teacher → student:** {plan.teacher_name}, {plan.teacher_size} → "
        f"{plan.student_size}, e.g. {plan.student_candidates}.",
        f"**Data:** {plan.examples:,} teacher calls on {plan.real_inputs:,} real inputs. "
        f"{plan.generation_headline}",
        f"**Loss:** {' '.join(plan.loss)}",
        f"**Evaluate:** {plan.evaluation_summary}",
        f"**Cost:** {_cost_line(cost)}",
        f"**Risks:** {'; '.join(risk.title for risk in plan.risks)}.",
        f"**Terms:** {plan.terms} {DISCLAIMER}",
        "",
        "The full plan, with the arithmetic and every assumption, is in the document.",
    ]
    return _fit("\n".join(lines), SUMMARY_LIMIT)


def render_document(plan: Plan, profile: PlanProfile) -> str:
    """The full plan as a Markdown document, sections in the order a practitioner reads them."""
    sections = [
        "# Distillation plan",
        "Built by explicit rules from your answers (no model involved). Every number rests on "
        "the assumptions listed under Cost; replace them with your own.",
        "## Your prompt",
        code_block(profile.prompt),
        "## Your answers",
        _bullets(_answer_lines(profile)),
        "## Verdict",
        f"**{VERDICT_TITLES[plan.verdict]}.** {plan.verdict_reason}",
        f"## Regime: {REGIME_TITLES[plan.regime]}, {plan.mode.value}",
        _bullets(plan.reasons),
        "## Teacher and student",
        _bullets(
            (
                f"Teacher: {plan.teacher_name}, {plan.teacher_size}.",
                *plan.teacher_notes,
                f"Student: {plan.student_size}, e.g. {plan.student_candidates}.",
                *plan.student_notes,
            )
        ),
        f"## Data: {plan.examples:,} teacher calls",
        _numbered(plan.generation),
        "## Loss",
        _bullets(plan.loss),
        "## Evaluation",
        _bullets(plan.evaluation),
        "## Cost estimate",
        _bullets(_cost_summary(plan.cost)),
        "### Arithmetic",
        _bullets(arithmetic_lines(plan.cost)),
        "### Assumptions",
        _bullets(plan.cost.assumptions),
        "## Latency",
        _bullets(_latency_lines(plan)),
        "## Risks",
        _bullets(f"**{risk.title}.** {risk.advice}" for risk in plan.risks),
        "## Terms of use",
        f"{plan.terms}\n\n{DISCLAIMER}",
    ]
    return "\n\n".join(sections) + "\n"


def arithmetic_lines(cost: CostEstimate) -> tuple[str, ...]:
    """Each formula with the numbers put in, so a reader can redo it on a calculator."""
    teacher, student = _exact(cost.teacher_cost_per_call), _exact(cost.student_cost_per_call)
    lines = [
        f"Teacher per call = ({cost.prompt_tokens:,} + {cost.input_tokens:,}) tokens × "
        f"${cost.teacher_input_usd_per_m}/1M + {cost.output_tokens:,} tokens × "
        f"${cost.teacher_output_usd_per_m}/1M = {teacher}.",
        f"Student per call = ({cost.input_tokens:,} + {cost.output_tokens:,}) tokens × "
        f"${cost.student_usd_per_m}/1M = {student}.",
        f"Data set = {cost.examples:,} examples × {teacher} = {_exact(cost.dataset_cost)}.",
        f"Daily savings = {cost.calls_per_day:,} calls × ({teacher} − {student}) = "
        f"{_exact(cost.daily_savings)}.",
    ]
    if cost.break_even_days is None or cost.payback_days_with_project is None:
        lines.append("Break-even: never, because the student saves nothing per call.")
    else:
        lines += [
            f"Break-even = {_exact(cost.dataset_cost)} ÷ {_exact(cost.daily_savings)} = "
            f"{_days(cost.break_even_days)}.",
            f"With the project cost = ({_exact(cost.dataset_cost)} + {usd(cost.project_cost)}) ÷ "
            f"{_exact(cost.daily_savings)} = {_days(cost.payback_days_with_project)}.",
        ]
    return tuple(lines)


def _cost_line(cost: CostEstimate) -> str:
    line = (
        f"data set {usd(cost.dataset_cost)} ({cost.examples:,} × "
        f"{usd(cost.teacher_cost_per_call, 3)}); "
    )
    if cost.break_even_days is None or cost.payback_days_with_project is None:
        return line + "the student saves nothing per call at these prices."
    return line + (
        f"saves {usd(cost.daily_savings)} a day; break-even in {_days(cost.break_even_days)} "
        f"({_days(cost.payback_days_with_project)} counting the assumed "
        f"{usd(cost.project_cost)} project cost)."
    )


def _cost_summary(cost: CostEstimate) -> tuple[str, ...]:
    return (
        f"Teacher: {usd(cost.teacher_cost_per_call * 1000)} per 1,000 calls; student: "
        f"{usd(cost.student_cost_per_call * 1000)} per 1,000 calls.",
        f"Data set: {usd(cost.dataset_cost)}; savings: {usd(cost.daily_savings)} a day, "
        f"{usd(cost.annual_savings)} a year.",
        *cost.target_notes,
    )


def _latency_lines(plan: Plan) -> tuple[str, ...]:
    latency = plan.latency
    target = "none given" if latency.target_ms is None else f"{latency.target_ms:,} ms"
    return (
        f"Rough time per call: teacher ~{latency.teacher_ms:,} ms, student "
        f"~{latency.student_ms:,} ms, for ~{plan.cost.output_tokens} output tokens "
        "(teacher: 0.5 s to first token, then ~50 tokens/s; student speed by size).",
        f"Your target: {target}.",
        *latency.notes,
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
    if key == "cost":
        return f"{usd(Decimal(str(value)))} per 1,000 calls"
    for option in QUESTIONS_BY_KEY[key].options:
        if option.value == value:
            return option.label
    return escape_markdown(str(value))


def _exact(amount: Decimal) -> str:
    """Dollars with every digit the arithmetic produced, rounded only past 8 places."""
    rounded = amount.quantize(Decimal("0.00000001")).normalize()
    sign = "−" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,f}"


def _days(days: Decimal) -> str:
    if days < 10:
        return f"{days:.1f} days"
    if days <= 730:
        return f"{days:,.0f} days"
    years = days / 365
    return f"{years:.1f} years" if years < 10 else f"{years:,.0f} years"


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
