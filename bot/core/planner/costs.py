"""The cost estimate: what the data set costs and what switching saves, with its assumptions.

teacher_cost_per_call = (prompt + input tokens) × input price + output tokens × output price
student_cost_per_call = (input + output tokens) × student price   (no instruction prompt:
                        the fine-tuned student has learned the task)
dataset_cost          = examples × teacher_cost_per_call
daily_savings         = calls_per_day × (teacher_cost_per_call − student_cost_per_call)
break_even_days       = dataset_cost / daily_savings            (None if nothing is saved)
payback_with_project  = (dataset_cost + project_cost) / daily_savings
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from bot.core.planner.plan import CostEstimate
from bot.core.planner.students import (
    CHARS_PER_TOKEN,
    STUDENT_PRICE_BASIS,
    STUDENTS,
    StudentSize,
    Workload,
)
from bot.core.planner.teachers import TeacherInfo

MILLION = Decimal(1_000_000)

# Engineering time, fine-tuning runs and evaluation labour: roughly two to three
# engineer-weeks. A switch has to save at least this much in a year to be worth it.
PROJECT_COST_USD = Decimal(10_000)


def prompt_tokens(prompt: str) -> int:
    return math.ceil(len(prompt) / CHARS_PER_TOKEN)


def estimate_costs(
    *,
    prompt: str,
    workload: Workload,
    teacher: TeacherInfo,
    student: StudentSize,
    examples: int,
    judge_calls: int = 0,
    calls_per_day: int,
    max_usd_per_1k_calls: float | None,
) -> CostEstimate:
    instruction_tokens = prompt_tokens(prompt)
    student_info = STUDENTS[student]
    teacher_per_call = (
        (instruction_tokens + workload.input_tokens) * teacher.input_usd_per_m
        + workload.output_tokens * teacher.output_usd_per_m
    ) / MILLION
    student_per_call = (
        (workload.input_tokens + workload.output_tokens) * student_info.usd_per_m_tokens / MILLION
    )
    dataset_cost = examples * teacher_per_call
    daily_savings = calls_per_day * (teacher_per_call - student_per_call)
    saving = daily_savings > 0
    assumptions = (
        f"Teacher priced at ${teacher.input_usd_per_m} per 1M input and "
        f"${teacher.output_usd_per_m} per 1M output tokens ({teacher.price_basis}).",
        f"Each call: {instruction_tokens:,} prompt tokens (your prompt, "
        f"{len(prompt):,} characters ÷ {CHARS_PER_TOKEN}) + {workload.input_tokens:,} input + "
        f"{workload.output_tokens:,} output tokens ({workload.describes}).",
        f"Student ({student_info.size}) served at ${student_info.usd_per_m_tokens} per 1M "
        f"tokens ({STUDENT_PRICE_BASIS}), without the instruction prompt.",
        *(
            (f"{judge_calls:,} of the examples are judging calls, priced like generating calls.",)
            if judge_calls
            else ()
        ),
        f"Not in the data-set cost: engineering, fine-tuning and evaluation, assumed "
        f"${PROJECT_COST_USD:,} once.",
    )
    return CostEstimate(
        prompt_tokens=instruction_tokens,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        teacher_input_usd_per_m=teacher.input_usd_per_m,
        teacher_output_usd_per_m=teacher.output_usd_per_m,
        student_usd_per_m=student_info.usd_per_m_tokens,
        teacher_cost_per_call=teacher_per_call,
        student_cost_per_call=student_per_call,
        examples=examples,
        dataset_cost=dataset_cost,
        calls_per_day=calls_per_day,
        daily_savings=daily_savings,
        break_even_days=dataset_cost / daily_savings if saving else None,
        project_cost=PROJECT_COST_USD,
        payback_days_with_project=(
            (dataset_cost + PROJECT_COST_USD) / daily_savings if saving else None
        ),
        assumptions=assumptions,
        target_notes=_target_notes(teacher_per_call, student_per_call, max_usd_per_1k_calls),
    )


def _target_notes(
    teacher_per_call: Decimal, student_per_call: Decimal, max_usd_per_1k_calls: float | None
) -> tuple[str, ...]:
    if max_usd_per_1k_calls is None:
        return ()
    target = Decimal(str(max_usd_per_1k_calls))
    teacher_1k, student_1k = teacher_per_call * 1000, student_per_call * 1000
    notes = [
        f"Your target: {usd(target)} per 1,000 calls. The teacher costs about "
        f"{usd(teacher_1k)} ({'over' if teacher_1k > target else 'within'} it), "
        f"the student about {usd(student_1k)} ({'over' if student_1k > target else 'within'} it)."
    ]
    if student_1k > target:
        notes.append(
            "Even the student misses the target: shorten the output, batch requests, or pick "
            "a smaller student."
        )
    return tuple(notes)


def teacher_over_cost_target(cost: CostEstimate, max_usd_per_1k_calls: float | None) -> bool:
    if max_usd_per_1k_calls is None:
        return False
    return cost.teacher_cost_per_call * 1000 > Decimal(str(max_usd_per_1k_calls))


def usd(amount: Decimal, significant: int = 2) -> str:
    """Dollars for people: cents from $1 up, whole dollars from $100, else `significant` digits."""
    if amount < 0:
        return "−" + usd(-amount, significant)
    if amount == 0:
        return "$0"
    if amount >= 100:
        return f"${amount.quantize(Decimal(1), ROUND_HALF_UP):,}"
    places = 2 if amount >= 1 else max(2, significant - 1 - amount.adjusted())
    rounded = amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    digits = f"{rounded:f}"
    # Trailing zeros past the cents say nothing: $0.0050 → $0.005, but $0.50 stays.
    while digits.endswith("0") and len(digits.split(".")[1]) > 2:
        digits = digits[:-1]
    return f"${digits}"
