"""What the planner assumes about each teacher family: price, size, signals, terms.

Prices are list prices per million tokens as published in 2025 and are shown to the
learner as assumptions (they change; the plan says so). Terms are short pointers,
not legal advice: the plan always sends the learner to /faq and to the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.core.planner.choices import LogitsAccess
from bot.core.planner.students import StudentSize


class TeacherFamily(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    LLAMA = "llama"
    QWEN = "qwen"
    DEEPSEEK = "deepseek"
    MISTRAL = "mistral"
    GEMMA = "gemma"
    OTHER = "other"


@dataclass(frozen=True)
class TeacherInfo:
    family: TeacherFamily
    button_label: str
    name: str
    size: str
    open_weights: bool
    input_usd_per_m: Decimal
    output_usd_per_m: Decimal
    price_basis: str
    # The most a learner can get from this family's usual API (open weights you run
    # yourself give full logits; that case is handled by the rules, not here).
    api_logits: LogitsAccess
    # Smaller models that share the teacher's tokenizer (token-level KL needs one), by size.
    same_tokenizer_students: Mapping[StudentSize, str]
    terms: str


_OPEN_WEIGHT_RATE = (
    "typical hosted-inference rate for a ~70B open model; on your own GPUs it depends on "
    "utilisation"
)

CATALOG: dict[TeacherFamily, TeacherInfo] = {
    TeacherFamily.OPENAI: TeacherInfo(
        TeacherFamily.OPENAI, "GPT-4o / GPT-4.1", "GPT-4o / GPT-4.1 (OpenAI)",
        "size undisclosed (frontier scale)", False, Decimal("2.50"), Decimal("10.00"),
        "GPT-4o list price; GPT-4.1 is $2/$8 and the mini tiers far less",
        LogitsAccess.TOP_K, {},
        "OpenAI's terms forbid using its output to develop models that compete with OpenAI. "
        "Whether a narrow in-house model competes is for your lawyers to judge; OpenAI's own "
        "route (stored completions used to fine-tune a smaller OpenAI model) stays inside them.",
    ),
    TeacherFamily.ANTHROPIC: TeacherInfo(
        TeacherFamily.ANTHROPIC, "Claude", "Claude (Anthropic)",
        "size undisclosed (frontier scale)", False, Decimal("3.00"), Decimal("15.00"),
        "Claude Sonnet list price", LogitsAccess.NONE, {},
        "Anthropic's commercial terms bar using the service to build a competing product or "
        "service, including training competing AI models, without its approval. Ask your "
        "legal team before training a model on Claude's outputs.",
    ),
    TeacherFamily.GOOGLE: TeacherInfo(
        TeacherFamily.GOOGLE, "Gemini", "Gemini (Google)",
        "size undisclosed (frontier scale)", False, Decimal("1.25"), Decimal("10.00"),
        "Gemini 2.5 Pro list price (prompts up to 200k tokens)", LogitsAccess.TOP_K, {},
        "The Gemini API terms say you may not use the services to develop models that compete "
        "with them. Tuning inside Google's own platform is the clearly allowed path; Gemma, "
        "the open-weight family, has separate terms.",
    ),
    TeacherFamily.LLAMA: TeacherInfo(
        TeacherFamily.LLAMA, "Llama", "Llama (Meta, open weights)",
        "70B class (Llama 3.3 70B; 405B for Llama 3.1)", True, Decimal("0.90"), Decimal("0.90"),
        _OPEN_WEIGHT_RATE, LogitsAccess.TOP_K,
        {
            StudentSize.SMALL: "Llama-3.2-1B-Instruct",
            StudentSize.MEDIUM: "Llama-3.2-3B-Instruct",
            StudentSize.LARGE: "Llama-3.1-8B-Instruct",
        },
        "The Llama 3.1+ community licence lets you train other models on Llama outputs, but a "
        "model you distribute must start its name with 'Llama', follow the acceptable-use "
        "policy, and services above 700M monthly users need a separate licence. Llama 2's "
        "licence forbade improving non-Llama models with its outputs.",
    ),
    TeacherFamily.QWEN: TeacherInfo(
        TeacherFamily.QWEN, "Qwen", "Qwen (Alibaba, open weights)",
        "32B–72B class (Qwen2.5-32B/72B-Instruct)", True, Decimal("0.90"), Decimal("0.90"),
        _OPEN_WEIGHT_RATE, LogitsAccess.TOP_K,
        {
            StudentSize.SMALL: "Qwen2.5-0.5B/1.5B-Instruct",
            # Qwen2.5-3B's licence is non-commercial, so the Apache-2.0 neighbours are named.
            StudentSize.MEDIUM: "Qwen2.5-1.5B or -7B-Instruct (the 3B is non-commercial)",
            StudentSize.LARGE: "Qwen2.5-7B-Instruct",
        },
        "Most Qwen2.5 sizes (0.5B, 1.5B, 7B, 14B, 32B) are Apache-2.0; Qwen2.5-3B uses a "
        "non-commercial research licence and Qwen2.5-72B the Qwen licence (extra terms above "
        "100M monthly users). Check the exact checkpoint; Alibaba Cloud's API has its own terms.",
    ),
    TeacherFamily.DEEPSEEK: TeacherInfo(
        TeacherFamily.DEEPSEEK, "DeepSeek", "DeepSeek (open weights)",
        "671B mixture of experts, ~37B active (DeepSeek-R1 / V3)", True,
        Decimal("0.55"), Decimal("2.19"), "DeepSeek-R1 API list price (cache miss)",
        LogitsAccess.TOP_K, {},
        "DeepSeek-R1's weights are MIT-licensed and DeepSeek explicitly allows distillation; "
        "the R1-Distill models inherit their base model's licence (Qwen2.5 → Apache-2.0, "
        "Llama → Llama licence). DeepSeek's hosted API has its own terms and data location.",
    ),
    TeacherFamily.MISTRAL: TeacherInfo(
        TeacherFamily.MISTRAL, "Mistral", "Mistral",
        "7B–123B (Mistral 7B, Small 24B, Large 123B)", True, Decimal("2.00"), Decimal("6.00"),
        "Mistral Large API list price", LogitsAccess.NONE, {},
        "Mistral 7B, Mixtral and Mistral Small 3 are Apache-2.0; larger checkpoints such as "
        "Mistral Large come under the Mistral Research Licence (non-commercial) or commercial "
        "terms, and the hosted API has its own terms. Check the exact model.",
    ),
    TeacherFamily.GEMMA: TeacherInfo(
        TeacherFamily.GEMMA, "Gemma", "Gemma (Google, open weights)",
        "up to 27B (Gemma 2/3 27B)", True, Decimal("0.30"), Decimal("0.30"),
        "typical hosted-inference rate for a ~27B open model", LogitsAccess.NONE,
        {
            StudentSize.SMALL: "Gemma-3-1B-it",
            StudentSize.MEDIUM: "Gemma-3-4B-it",
            StudentSize.LARGE: "Gemma-3-12B-it (or Gemma-2-9B-it under a Gemma 2 teacher)",
        },
        "Gemma's terms count a model trained on Gemma's outputs by distillation as a 'model "
        "derivative': it carries Gemma's use restrictions (the prohibited use policy) with it.",
    ),
    TeacherFamily.OTHER: TeacherInfo(
        TeacherFamily.OTHER, "Other (type its name)", "another model",
        "size unknown", False, Decimal("2.50"), Decimal("10.00"),
        # We can't know what an unnamed model offers, so the learner's answer is trusted.
        "assumed frontier hosted price (GPT-4o list), an upper bound", LogitsAccess.FULL, {},
        "Read the teacher's licence or terms for a clause on using outputs to train other "
        "models: hosted providers often restrict it, and open-weight licences differ.",
    ),
}  # fmt: skip

# Used instead of a hosted teacher when data may not leave the company.
SELF_HOSTED_TEACHER = TeacherInfo(
    TeacherFamily.QWEN,
    "Qwen",
    "a self-hosted open-weight teacher: Qwen2.5-72B-Instruct (or Llama-3.3-70B-Instruct "
    "with a Llama student)",
    "70B class",
    True,
    Decimal("0.90"),
    Decimal("0.90"),
    _OPEN_WEIGHT_RATE,
    LogitsAccess.TOP_K,
    CATALOG[TeacherFamily.QWEN].same_tokenizer_students,
    CATALOG[TeacherFamily.QWEN].terms,
)

_KEYWORDS: tuple[tuple[TeacherFamily, re.Pattern[str]], ...] = (
    (TeacherFamily.OPENAI, re.compile(r"gpt|openai|chatgpt|\bo[134](?:-mini|-pro)?\b", re.I)),
    (TeacherFamily.ANTHROPIC, re.compile(r"claude|anthropic|sonnet|opus|haiku", re.I)),
    (TeacherFamily.GEMMA, re.compile(r"gemma", re.I)),
    (TeacherFamily.GOOGLE, re.compile(r"gemini|google|palm|bard", re.I)),
    (TeacherFamily.LLAMA, re.compile(r"llama|\bmeta\b", re.I)),
    (TeacherFamily.QWEN, re.compile(r"qwen|qwq|alibaba", re.I)),
    (TeacherFamily.DEEPSEEK, re.compile(r"deepseek|\br1\b", re.I)),
    (TeacherFamily.MISTRAL, re.compile(r"mistral|mixtral|codestral|ministral|magistral", re.I)),
)


def identify_teacher(answer: str) -> TeacherInfo:
    """The family behind a button value ("openai") or a typed name ("gpt-4o-mini")."""
    for family in TeacherFamily:
        if answer == family.value:
            return CATALOG[family]
    for family, pattern in _KEYWORDS:
        if pattern.search(answer):
            return CATALOG[family]
    return CATALOG[TeacherFamily.OTHER]
