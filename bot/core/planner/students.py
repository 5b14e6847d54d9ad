"""Student size classes and the workload assumptions that price and time them.

All numbers here are assumptions the plan prints next to its estimates: tokens per
call by output kind, serving price per million tokens by size, generation speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from bot.core.planner.choices import OutputKind, QualityBar
from bot.core.planner.prices import PRICES


class StudentSize(IntEnum):
    """Ordered smallest first, so a step down is `size - 1`."""

    ENCODER = 0
    SMALL = 1
    MEDIUM = 2
    LARGE = 3


@dataclass(frozen=True)
class StudentInfo:
    """A size class: example models, speed per call, and what serving and training it takes.

    Throughputs are planning assumptions for batched serving (vLLM-style for decoders) and
    for fine-tuning on one H100, not measurements; the plan prints them.
    """

    size: str
    candidates: str
    serverless_usd_per_m: Decimal
    first_token_ms: int
    ms_per_output_token: int
    machine: str  # dedicated serving: a machine id in prices.yaml
    prefill_tokens_per_s: int
    decode_tokens_per_s: int
    train_tokens_per_s: int


STUDENTS: dict[StudentSize, StudentInfo] = {
    # A classifier head answers in one forward pass: no per-token generation time; it is
    # not offered serverless per token, so it runs on a CPU instance of its own. No host
    # serves a LoRA on a 0.5–4B base per token today (prices.yaml, `serverless`), so those
    # run on an L4 of their own; 7–8B adapters can be served per token.
    StudentSize.ENCODER: StudentInfo(
        "0.1–0.4B encoder classifier",
        "ModernBERT-base, DeBERTa-v3-base (or -large)",
        Decimal(0), 20, 0, "cpu", 3_000, 0, 40_000,
    ),
    StudentSize.SMALL: StudentInfo(
        "0.5–1.5B decoder",
        "Qwen2.5-0.5B/1.5B-Instruct, Llama-3.2-1B-Instruct",
        PRICES.serverless_small, 50, 7, "l4", 20_000, 1_500, 15_000,
    ),
    StudentSize.MEDIUM: StudentInfo(
        "3–4B decoder",
        "Llama-3.2-3B-Instruct, Phi-3.5-mini-instruct (3.8B)",
        PRICES.serverless_small, 50, 10, "l4", 8_000, 700, 7_000,
    ),
    StudentSize.LARGE: StudentInfo(
        "7–8B decoder",
        "Qwen2.5-7B-Instruct, Llama-3.1-8B-Instruct, Mistral-7B-Instruct",
        PRICES.serverless_large, 50, 17, "h100", 20_000, 2_500, 4_000,
    ),
}  # fmt: skip

# Gemma 3 1B is English-only (its larger sizes cover 140+ languages) and Qwen2.5-3B's
# licence is non-commercial, so neither is offered for a multilingual product.
MULTILINGUAL_CANDIDATES: dict[StudentSize, str] = {
    StudentSize.ENCODER: "mDeBERTa-v3-base or XLM-RoBERTa-base (multilingual, 512-token inputs)",
    StudentSize.SMALL: "Qwen2.5-1.5B-Instruct, Llama-3.2-1B-Instruct (both multilingual)",
    StudentSize.MEDIUM: "Gemma-3-4B-it, Llama-3.2-3B-Instruct (both multilingual)",
    StudentSize.LARGE: "Qwen2.5-7B-Instruct, Llama-3.1-8B-Instruct (both multilingual)",
}
LONG_INPUT_ENCODER = "ModernBERT-base/large (8,192-token context)"
ENCODER_MAX_TOKENS = 512
LONG_INPUT_TOKENS = 4_000  # a generative student below 3B struggles to use this much context


def student_candidates(size: StudentSize, multilingual: bool, input_tokens: int) -> str:
    if size is StudentSize.ENCODER and input_tokens > ENCODER_MAX_TOKENS and not multilingual:
        return LONG_INPUT_ENCODER
    if multilingual:
        return MULTILINGUAL_CANDIDATES[size]
    return STUDENTS[size].candidates


@dataclass(frozen=True)
class Workload:
    """Tokens one call carries besides the instruction prompt itself."""

    input_tokens: int
    output_tokens: int
    describes: str
    output_basis: str = "typical for this output kind"


WORKLOADS: dict[OutputKind, Workload] = {
    OutputKind.LABEL: Workload(300, 5, "a short text in, a label out"),
    OutputKind.FIELDS: Workload(1000, 150, "a document in, a JSON record out"),
    OutputKind.REASONING: Workload(200, 600, "a question in, worked reasoning and an answer out"),
    OutputKind.STYLE: Workload(300, 400, "a brief in, a few paragraphs out"),
    OutputKind.CHAT: Workload(1200, 250, "conversation history in, one reply out"),
}

# Hosted frontier teachers: time to first token plus a steady generation speed.
TEACHER_FIRST_TOKEN_MS = 500
TEACHER_MS_PER_OUTPUT_TOKEN = 20

# A prompt costs about one token per four characters of English text.
CHARS_PER_TOKEN = 4

_BASE_SIZE: dict[OutputKind, dict[QualityBar, StudentSize]] = {
    OutputKind.LABEL: dict.fromkeys(QualityBar, StudentSize.ENCODER),
    OutputKind.FIELDS: {
        QualityBar.RELAXED: StudentSize.SMALL,
        QualityBar.MATCH: StudentSize.SMALL,
        QualityBar.CRITICAL: StudentSize.MEDIUM,
    },
    OutputKind.REASONING: {
        QualityBar.RELAXED: StudentSize.SMALL,
        QualityBar.MATCH: StudentSize.MEDIUM,
        QualityBar.CRITICAL: StudentSize.LARGE,
    },
    OutputKind.STYLE: {
        QualityBar.RELAXED: StudentSize.SMALL,
        QualityBar.MATCH: StudentSize.MEDIUM,
        QualityBar.CRITICAL: StudentSize.LARGE,
    },
    OutputKind.CHAT: {
        QualityBar.RELAXED: StudentSize.MEDIUM,
        QualityBar.MATCH: StudentSize.MEDIUM,
        QualityBar.CRITICAL: StudentSize.LARGE,
    },
}


def base_student_size(kind: OutputKind, quality: QualityBar) -> StudentSize:
    """Harder outputs and a higher bar need more capacity (drop 1.3: compress, not discover)."""
    return _BASE_SIZE[kind][quality]


# Reading the input before the first token: a hosted frontier model and a small student,
# one request at a time (tokens a second).
TEACHER_PREFILL_TOKENS_PER_S = 20_000
STUDENT_PREFILL_TOKENS_PER_S = 10_000


def teacher_latency_ms(output_tokens: int, input_tokens: int = 0) -> int:
    prefill = input_tokens * 1000 // TEACHER_PREFILL_TOKENS_PER_S
    return TEACHER_FIRST_TOKEN_MS + prefill + TEACHER_MS_PER_OUTPUT_TOKEN * output_tokens


def student_latency_ms(size: StudentSize, output_tokens: int, input_tokens: int = 0) -> int:
    info = STUDENTS[size]
    prefill = input_tokens * 1000 // STUDENT_PREFILL_TOKENS_PER_S
    return info.first_token_ms + prefill + info.ms_per_output_token * output_tokens


def fit_to_latency(
    size: StudentSize, output_tokens: int, target_ms: int | None, input_tokens: int = 0
) -> tuple[StudentSize, tuple[str, ...]]:
    """Step a generative student down until it meets the target (never below SMALL), timed
    as the plan shows it: reading the input, then writing the output."""
    if target_ms is None:
        return size, ()
    notes: list[str] = []
    while (
        size > StudentSize.SMALL
        and student_latency_ms(size, output_tokens, input_tokens) > target_ms
    ):
        smaller = StudentSize(size - 1)
        notes.append(
            f"Stepped down from {STUDENTS[size].size} to {STUDENTS[smaller].size} to meet "
            f"the {target_ms:,} ms target."
        )
        size = smaller
    estimate = student_latency_ms(size, output_tokens, input_tokens)
    if estimate > target_ms:
        reading = f"~{input_tokens:,} input and " if input_tokens else ""
        notes.append(
            f"Even a {STUDENTS[size].size} needs about {estimate:,} ms for {reading}"
            f"~{output_tokens} output tokens, over your {target_ms:,} ms target: stream the "
            "reply, shorten the output, or measure time to first token instead."
        )
    return size, tuple(notes)
