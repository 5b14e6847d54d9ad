"""Eight learners and their real prompts, as a distillation practitioner would meet them.

The prompts are written the way people paste them; the planner reads them (languages,
fields, lengths), and each profile answers only what its prompt leaves open.
"""

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

TRIAGE_PROMPT = (
    "You triage support tickets for a European SaaS company. Tickets arrive in English, "
    "German or French. Return JSON with category (billing_refund, billing_invoice_error, bug, "
    "account, feature_request or other), priority (low, medium, high or urgent) and language "
    "(en, de, fr). Ticket: {ticket}"
)
CALL_SUMMARY_PROMPT = (
    "Summarise the transcript of a sales call. Calls last about 30 minutes, roughly 6,000 "
    "words. Write a summary of at most 150 words, then list action items and the customer's "
    "objections."
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
CODE_REVIEW_PROMPT = (
    "You review pull requests. Given a unified diff, return JSON with severity (low, medium "
    "or high), file, line and comment, one object per problem you find. Diff: {diff}"
)
# The single-label classifier of the first version of this exercise.
SUPPORT_PROMPT = (
    "Classify this support ticket as billing, bug, account, feature_request or other. "
    "Reply with the label only. Ticket: {t}"
)


def _profile(prompt: str, kind: OutputKind, teacher: str, **answers: object) -> PlanProfile:
    defaults: dict[str, object] = {
        "latency_ms": None,
        "max_usd_per_1k_calls": None,
        "quality": QualityBar.MATCH,
        "trace_access": TraceAccess.HIDDEN,
        "logits_access": LogitsAccess.NONE,
        "preference_data": PreferenceData.NONE,
        "privacy": Privacy.HOSTED_OK,
        "engineering_usd": 10_000,
        "horizon_days": 365,
    }
    defaults.update(answers)
    return PlanProfile(prompt=prompt, output_kind=kind, teacher=teacher, **defaults)  # type: ignore[arg-type]


def ticket_triage() -> PlanProfile:
    """1. Multilingual, three label fields, a $0.20 per 1,000 calls target."""
    return _profile(
        TRIAGE_PROMPT, OutputKind.LABEL, "gpt-4o", calls_per_day=20_000, input_tokens=300,
        max_usd_per_1k_calls=0.20, logits_access=LogitsAccess.TOP_K,
    )  # fmt: skip


def call_summaries() -> PlanProfile:
    """2. 30-minute calls of ~6,000 words: long inputs, a short summary out."""
    return _profile(
        CALL_SUMMARY_PROMPT, OutputKind.STYLE, "claude-sonnet", calls_per_day=2_000,
        input_tokens=8_000, quality=QualityBar.RELAXED,
    )  # fmt: skip


def math_tutor() -> PlanProfile:
    """3. Worked solutions from DeepSeek-R1 on the company's own GPUs."""
    return _profile(
        TUTOR_PROMPT, OutputKind.REASONING, "deepseek-r1", calls_per_day=3_000,
        input_tokens=200, trace_access=TraceAccess.VISIBLE, logits_access=LogitsAccess.FULL,
        privacy=Privacy.IN_HOUSE,
    )  # fmt: skip


def writing_assistant() -> PlanProfile:
    """4. Style matters; preference pairs can be made; high volume."""
    return _profile(
        WRITING_PROMPT, OutputKind.STYLE, "claude-sonnet", calls_per_day=50_000,
        input_tokens=300, preference_data=PreferenceData.CAN_MAKE,
    )  # fmt: skip


def private_extraction() -> PlanProfile:
    """5. Invoices may not leave the company; the team uses GPT-4o today."""
    return _profile(
        EXTRACTION_PROMPT, OutputKind.FIELDS, "gpt-4o", calls_per_day=20_000,
        input_tokens=1_000, privacy=Privacy.IN_HOUSE, logits_access=LogitsAccess.TOP_K,
    )  # fmt: skip


def contract_review() -> PlanProfile:
    """6. Low volume, high stakes."""
    return _profile(
        CONTRACT_PROMPT, OutputKind.REASONING, "gpt-4.1", calls_per_day=200,
        input_tokens=1_500, quality=QualityBar.CRITICAL, logits_access=LogitsAccess.TOP_K,
        privacy=Privacy.CONTRACT,
    )  # fmt: skip


def budgeting_chat() -> PlanProfile:
    """7. A chat assistant with a long history per call."""
    return _profile(
        CHAT_PROMPT, OutputKind.CHAT, "gpt-4o", calls_per_day=30_000, input_tokens=1_200,
        quality=QualityBar.RELAXED, logits_access=LogitsAccess.TOP_K, engineering_usd=15_000,
    )  # fmt: skip


def code_review() -> PlanProfile:
    """8. A code assistant: diffs in, JSON findings out, at high volume."""
    return _profile(
        CODE_REVIEW_PROMPT, OutputKind.FIELDS, "gpt-4.1", calls_per_day=100_000,
        input_tokens=1_500, latency_ms=2_000, logits_access=LogitsAccess.TOP_K,
    )  # fmt: skip


def support_classifier() -> PlanProfile:
    """The single-label classifier (used by the storage tests)."""
    return _profile(
        SUPPORT_PROMPT, OutputKind.LABEL, "gpt-4.1", calls_per_day=50_000, input_tokens=300,
        logits_access=LogitsAccess.TOP_K,
    )  # fmt: skip


EIGHT = {
    "triage": ticket_triage,
    "summaries": call_summaries,
    "tutor": math_tutor,
    "writing": writing_assistant,
    "extraction": private_extraction,
    "contract": contract_review,
    "chat": budgeting_chat,
    "code": code_review,
}


EMAIL_SUMMARY_PROMPT = (
    "Summarise the customer e-mail below in German or English, matching the language of the "
    "e-mail, in at most 80 words. Keep names, amounts and dates. E-mail: {email}"
)


def bilingual_summaries() -> PlanProfile:
    """A German/English summariser at low volume with a latency target the teacher misses."""
    return _profile(
        EMAIL_SUMMARY_PROMPT, OutputKind.STYLE, "claude-sonnet", calls_per_day=500,
        input_tokens=600, latency_ms=1_500, privacy=Privacy.CONTRACT,
    )  # fmt: skip
