"""The teacher a learner names, resolved against the price table, and its family's terms.

A button value or a typed name ("gpt-4o-mini", "Claude Haiku 4.5", "our-llm $1/$4") is
matched to a model in `prices.yaml` where possible; prices typed after the name override
the table. Terms are the ones /faq states, kept short; the plan always points to /faq and
to the terms themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.core.planner.choices import LogitsAccess
from bot.core.planner.prices import PRICES, ModelPrice, SelfHost, per_m
from bot.core.planner.students import StudentSize

TYPE_NAME = "other"  # the button that asks for a typed name

TEACHER_BUTTONS: tuple[tuple[str, str], ...] = (
    ("GPT-4.1", "gpt-4.1"),
    ("GPT-4o", "gpt-4o"),
    ("Claude Sonnet", "claude-sonnet"),
    ("Gemini 2.5 Pro", "gemini-2.5-pro"),
    ("Llama 3.3 70B", "llama-3.3-70b"),
    ("Qwen2.5-72B", "qwen2.5-72b"),
    ("DeepSeek-R1", "deepseek-r1"),
    ("Mistral Large", "mistral-large"),
    ("Other (type its name)", TYPE_NAME),
)

# A model we can't find is priced like a frontier hosted model (GPT-4.1's list price) and
# the plan says so; typing prices after the name replaces the assumption.
UNKNOWN_STAND_IN = "gpt-4.1"


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
class FamilyInfo:
    family: TeacherFamily
    size: str
    # Smaller models that share the teacher's tokenizer (token-level KL needs one), by size.
    same_tokenizer_students: Mapping[StudentSize, str]
    terms: str


_OPENAI_TERMS = (
    "OpenAI's terms of use say you may not use output to develop models that compete with "
    "OpenAI. Its business terms (the Services Agreement) allow using output for models mainly "
    "meant to classify or organize data, such as classifiers, as long as they are not "
    "distributed or sold to others. Otherwise whether a narrow in-house model counts as "
    "competing depends on how your agreement is read: ask OpenAI rather than assume. OpenAI's "
    "own fine-tuning of a smaller OpenAI model stays inside the terms."
)

FAMILIES: dict[TeacherFamily, FamilyInfo] = {
    TeacherFamily.OPENAI: FamilyInfo(
        TeacherFamily.OPENAI, "size undisclosed (frontier scale)", {}, _OPENAI_TERMS
    ),
    TeacherFamily.ANTHROPIC: FamilyInfo(
        TeacherFamily.ANTHROPIC, "size undisclosed (frontier scale)", {},
        "Anthropic's terms forbid using its services to build a competing product or service, "
        "including training competing AI models. Whether a narrow in-house model counts is a "
        "question of how your agreement is read: ask Anthropic rather than assume.",
    ),
    TeacherFamily.GOOGLE: FamilyInfo(
        TeacherFamily.GOOGLE, "size undisclosed (frontier scale)", {},
        "The Gemini API terms say you may not use the services to develop models that compete "
        "with them. Tuning inside Google's own platform (Vertex AI) is the clearly allowed "
        "path; Gemma, the open-weight family, has separate terms.",
    ),
    TeacherFamily.LLAMA: FamilyInfo(
        TeacherFamily.LLAMA, "70B class (Llama 3.3 70B)",
        {
            StudentSize.SMALL: "Llama-3.2-1B-Instruct",
            StudentSize.MEDIUM: "Llama-3.2-3B-Instruct",
            StudentSize.LARGE: "Llama-3.1-8B-Instruct",
        },
        "The Llama 3.1+ community licence lets you train other models on Llama outputs, but a "
        "model you distribute must start its name with 'Llama', follow the acceptable-use "
        "policy, and services above 700M monthly users need a separate licence.",
    ),
    TeacherFamily.QWEN: FamilyInfo(
        TeacherFamily.QWEN, "72B (Qwen2.5-72B-Instruct)",
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
    TeacherFamily.DEEPSEEK: FamilyInfo(
        TeacherFamily.DEEPSEEK, "671B mixture of experts, ~37B active", {},
        "DeepSeek-R1's weights are MIT-licensed and DeepSeek explicitly allows distillation; "
        "the R1-Distill models inherit their base model's licence (Qwen2.5 → Apache-2.0, "
        "Llama → Llama licence). DeepSeek's hosted API has its own terms and data location.",
    ),
    TeacherFamily.MISTRAL: FamilyInfo(
        TeacherFamily.MISTRAL, "7B–123B (Mistral Small 24B, Large 123B)", {},
        "Mistral 7B, Mixtral and Mistral Small 3 are Apache-2.0; Mistral Large comes under the "
        "Mistral Research Licence (non-commercial) or commercial terms, and the hosted API has "
        "its own terms. Check the exact model.",
    ),
    TeacherFamily.GEMMA: FamilyInfo(
        TeacherFamily.GEMMA, "up to 27B (Gemma 3 27B)",
        {
            StudentSize.SMALL: "Gemma-3-1B-it",
            StudentSize.MEDIUM: "Gemma-3-4B-it",
            StudentSize.LARGE: "Gemma-3-12B-it",
        },
        "Gemma's terms count a model trained on Gemma's outputs by distillation as a 'model "
        "derivative': it carries Gemma's use restrictions (the prohibited use policy) with it.",
    ),
    TeacherFamily.OTHER: FamilyInfo(
        TeacherFamily.OTHER, "size unknown", {},
        "Read the model's licence or terms for a clause on using outputs to train other "
        "models: hosted providers often restrict it, and open-weight licences differ.",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Teacher:
    """The model behind the learner's answer, with the prices and signals the plan uses."""

    answer: str
    name: str
    model: ModelPrice | None  # None: not in the price table
    family: FamilyInfo
    input_usd_per_m: Decimal
    cached_input_usd_per_m: Decimal | None
    output_usd_per_m: Decimal
    price_basis: str
    # Plain text for the chat message when the verdict rests on a price we guessed or could
    # not confirm; None for a confirmed list price or the learner's own prices.
    price_caveat: str | None
    api_logits: LogitsAccess
    logprobs_top: int
    open_weights: bool
    self_host: SelfHost | None

    @property
    def provider(self) -> str:
        return self.model.provider if self.model else "other"

    @property
    def known(self) -> bool:
        return self.model is not None


# "$1/$4", also as the question asks for them: "$1/$4 per 1M (input/output) tokens".
_PER_MILLION = r"(?:/|\bper\b)\s*(?:1\s*m|one million|a million|million)\b"
_PRICE_PAIR = re.compile(
    r"\s*\(?\$?\s*(?P<input>\d+(?:\.\d+)?)\s*/\s*\$?\s*(?P<output>\d+(?:\.\d+)?)\)?"
    rf"(?:\s*{_PER_MILLION}(?:\s*(?:input\s*/\s*output\s*)?tokens?)?)?\s*$",
    re.IGNORECASE,
)


def resolve_teacher(answer: str) -> Teacher:
    """The teacher a button value or typed name means; typed prices override the table."""
    override = _PRICE_PAIR.search(answer)
    name = answer[: override.start()].strip() if override else answer.strip()
    model = PRICES.find(name) if name else None
    family = FAMILIES[_family(model)]
    if model is not None:
        shown = model.name if name.casefold() == model.id else f"{name} (as {model.name})"
        basis = f"{model.name} list price, {model.source}, checked {model.checked}"
        caveat = None
        if model.verify:
            basis += "; an estimate, verify it"
            caveat = (
                f"{shown}'s list price ({_prices(model.input, model.output)}) is an estimate "
                "we could not confirm on the provider's page: check it"
            )
        inputs, cached, output = model.input, model.cached_input, model.output
        logits, top, open_weights = model.logprobs, model.logprobs_top, model.open_weights
        self_host = PRICES.self_host[model.self_host] if model.self_host else None
    else:
        stand_in = PRICES.model(UNKNOWN_STAND_IN)
        shown = name or "your model"
        basis = (
            f"not in our price table: assumed {stand_in.name}'s list price; type the name "
            "with your prices (e.g. 'my-model $1/$4') to replace it"
        )
        caveat = (
            f"{shown} is not in our price table, so it is priced at {stand_in.name}'s list "
            f"price ({_prices(stand_in.input, stand_in.output)}); type the name with your "
            f"prices (e.g. '{shown} $1/$4') for a plan on them"
        )
        inputs, cached, output = stand_in.input, None, stand_in.output
        logits, top, open_weights, self_host = LogitsAccess.FULL, 0, False, None
    if override:
        inputs, output = Decimal(override["input"]), Decimal(override["output"])
        cached = None
        basis = "your prices"
        caveat = None
    return Teacher(answer, shown, model, family, inputs, cached, output, basis, caveat, logits,
                   top, open_weights, self_host)  # fmt: skip


def _prices(inputs: Decimal, output: Decimal) -> str:
    return f"{per_m(inputs)} in, {per_m(output)} out"


_PROVIDER_FAMILY = {family.value: family for family in TeacherFamily}


def _family(model: ModelPrice | None) -> TeacherFamily:
    if model is None:
        return TeacherFamily.OTHER
    return _PROVIDER_FAMILY.get(model.provider, TeacherFamily.OTHER)
