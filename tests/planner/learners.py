"""Six learners and their prompts, as a distillation practitioner would meet them."""

from __future__ import annotations

from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    PreferenceData,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.profile import PlanProfile

# The planner counts a prompt token per 4 characters, rounded up; each prompt's length
# is pinned by a test so the cost arithmetic below stays checkable by hand.
SUPPORT_PROMPT = (
    "Classify this support ticket as billing, bug, account, feature_request or other. "
    "Reply with the label only. Ticket: {t}"
)
TUTOR_PROMPT = (
    "You are a patient math tutor. Solve the student's problem step by step, explain each "
    "step briefly, then give the final answer as: Answer: <number>"
)
WRITING_PROMPT = (
    "Rewrite the user's draft as a friendly, concise product update for our newsletter. "
    "Keep their facts, use short sentences, no jargon, no exclamation marks, and end with "
    "one clear call to action."
)
EXTRACTION_PROMPT = (
    "Extract from the attached invoice: supplier name, VAT number, invoice number, issue date "
    "(ISO 8601), due date, currency, net total, VAT total and gross total. Return JSON that "
    "matches the schema; use null for anything that is missing."
)
CONTRACT_PROMPT = (
    "Read the contract clause below and decide whether it exposes us to unlimited liability. "
    "Reason through the indemnity, limitation-of-liability and carve-out language step by "
    "step, then answer YES or NO with the sentence that decides it. Clause: {clause}"
)
CHAT_PROMPT = (
    "You are the in-app assistant of a budgeting app. Help users with the app's features in "
    "plain words."
)


def support_classifier() -> PlanProfile:
    return PlanProfile(
        prompt=SUPPORT_PROMPT,
        output_kind=OutputKind.LABEL,
        calls_per_day=50_000,
        latency_ms=None,
        max_usd_per_1k_calls=None,
        quality=QualityBar.MATCH,
        trace_access=TraceAccess.HIDDEN,
        logits_access=LogitsAccess.TOP_K,
        preference_data=PreferenceData.NONE,
        privacy=Privacy.HOSTED_OK,
        teacher="openai",
    )


def math_tutor() -> PlanProfile:
    return PlanProfile(
        prompt=TUTOR_PROMPT,
        output_kind=OutputKind.REASONING,
        calls_per_day=50_000,
        latency_ms=None,
        max_usd_per_1k_calls=None,
        quality=QualityBar.MATCH,
        trace_access=TraceAccess.VISIBLE,
        logits_access=LogitsAccess.NONE,
        preference_data=PreferenceData.NONE,
        privacy=Privacy.HOSTED_OK,
        teacher="deepseek",
    )


def writing_assistant() -> PlanProfile:
    return PlanProfile(
        prompt=WRITING_PROMPT,
        output_kind=OutputKind.STYLE,
        calls_per_day=5_000,
        latency_ms=None,
        max_usd_per_1k_calls=None,
        quality=QualityBar.MATCH,
        trace_access=TraceAccess.HIDDEN,
        logits_access=LogitsAccess.TOP_K,
        preference_data=PreferenceData.CAN_MAKE,
        privacy=Privacy.HOSTED_OK,
        teacher="anthropic",
    )


def private_extraction() -> PlanProfile:
    return PlanProfile(
        prompt=EXTRACTION_PROMPT,
        output_kind=OutputKind.FIELDS,
        calls_per_day=40_000,
        latency_ms=None,
        max_usd_per_1k_calls=None,
        quality=QualityBar.MATCH,
        trace_access=TraceAccess.HIDDEN,
        logits_access=LogitsAccess.NONE,
        preference_data=PreferenceData.NONE,
        privacy=Privacy.IN_HOUSE,
        teacher="gpt-4o",
    )


def contract_review(calls_per_day: int = 200) -> PlanProfile:
    return PlanProfile(
        prompt=CONTRACT_PROMPT,
        output_kind=OutputKind.REASONING,
        calls_per_day=calls_per_day,
        latency_ms=None,
        max_usd_per_1k_calls=None,
        quality=QualityBar.CRITICAL,
        trace_access=TraceAccess.VISIBLE,
        logits_access=LogitsAccess.NONE,
        preference_data=PreferenceData.NONE,
        privacy=Privacy.CONTRACT,
        teacher="anthropic",
    )


def chat_assistant() -> PlanProfile:
    return PlanProfile(
        prompt=CHAT_PROMPT,
        output_kind=OutputKind.CHAT,
        calls_per_day=100_000,
        latency_ms=2_000,
        max_usd_per_1k_calls=None,
        quality=QualityBar.MATCH,
        trace_access=TraceAccess.HIDDEN,
        logits_access=LogitsAccess.FULL,
        preference_data=PreferenceData.NONE,
        privacy=Privacy.HOSTED_OK,
        teacher="llama",
    )


ALL_LEARNERS = {
    "support classifier": support_classifier(),
    "math tutor": math_tutor(),
    "writing assistant": writing_assistant(),
    "private extraction": private_extraction(),
    "contract review": contract_review(),
    "chat assistant": chat_assistant(),
}
