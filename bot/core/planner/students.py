"""Student size classes and the workload assumptions that price and time them.

All numbers here are assumptions the plan prints next to its estimates: tokens per
call by output kind, serving price per million tokens by size, generation speed.
"""

from __future__ import annotations

import math
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
class Serving:
    """A machine a student can run on and its speeds there: one figure for reading input,
    used both for a call's latency and for how many calls a machine serves; writing output
    batched across calls (the machine's throughput) and for one call (its latency)."""

    machine: str  # a machine id in prices.yaml
    prefill_tokens_per_s: int
    # Batched, at most: what the machine's compute and scheduling allow at short contexts.
    # The plan uses the lesser of this and the memory bound at your context (costs.py,
    # `batched_tokens_per_s`); 0 for a classifier, which generates nothing.
    decode_tokens_per_s: int
    ms_per_output_token: int  # one call


@dataclass(frozen=True)
class StudentInfo:
    """A size class: example models, where it can run, and what serving and training take.

    Throughputs are planning assumptions for batched serving (vLLM-style for decoders) and
    for fine-tuning on one H100, not measurements; the plan prints them. Memory: weights in
    bf16, and the KV cache a token of context takes in the largest candidate.
    """

    size: str
    candidates: str
    serverless_usd_per_m: Decimal
    first_token_ms: int
    serving: tuple[Serving, ...]  # cheapest machine first
    weights_gb: int
    kv_kib_per_token: int
    train_tokens_per_s: int


# Writing a token reads every weight once, so one call's time a token is at least the
# weights ÷ the GPU's memory bandwidth. An L4 moves 300 GB/s (NVIDIA's datasheet) and decoding
# reaches about 80% of that in practice (240 GB/s): 3 GB of a 1.5B model in bf16 take
# 12.5 ms a token, 9 GB of a 4B model 37.5 ms, 16 GB of an 8B model 66.7 ms (rounded up:
# 13, 38 and 67). The earlier 7, 10 and 55 ms would need 430, 900 and 290 GB/s. An H100
# (3,350 GB/s) is not bound this way: 17 ms for an 8B model is the time a token takes
# batched with other calls. So a latency target an L4 misses puts a 0.5–4B student on an
# H100 too, rather than on a smaller model. Its speeds there scale the 8B figures (20,000
# tokens/s read, 2,500 written batched, 17 ms a token) by weight, as both compute and
# memory traffic do: a 4B model (9 GB) reads 35,000/s, writes 4,000/s batched and ~10 ms a
# token; a 1.5B model (3 GB) 100,000/s, 10,000/s and 5 ms (a decode step of a model that
# small costs ~5 ms in kernel launches and scheduling, whatever its weights).
#
# Batched, a decode step reads the weights once plus the KV cache of every call in flight,
# so a machine writes at most batch ÷ ((weights + batch × context × KV a token) ÷ 80% of its
# bandwidth) tokens a second, at the batch its memory holds (at most 256, vLLM's default
# max_num_seqs). That bound depends on the context: on an L4 a 4B student with
# Phi-3.5-mini's 384 KiB a token writes ~600 tokens/s at 700 tokens a call but ~40 at
# 8,200, and an 8B one ~230 at 2,100 tokens. So the plan derives it for your input and
# output (costs.py, `batched_tokens_per_s`) and takes the lesser of it and the figures
# below, which stand for compute and scheduling at short contexts: on an L4, 700 tokens/s
# for a 4B student holds only below ~600 tokens a call and 300 for an 8B one below ~1,600;
# on an H100 (2,680 GB/s at 80%), 4,000 for a 4B student below ~1,700 and 2,500 for an 8B
# one below ~7,000.
L4_GB_PER_S = 300
H100_GB_PER_S = 3_350  # HBM3, NVIDIA's datasheet (H100 SXM)
MEMORY_GB_PER_S = {"l4": L4_GB_PER_S, "h100": H100_GB_PER_S}
DECODE_BANDWIDTH_SHARE = Decimal("0.8")


def l4_ms_per_token(weights_gb: int) -> int:
    """One call's milliseconds a token on an L4: its weights read once at 80% of 300 GB/s."""
    return math.ceil(Decimal(weights_gb * 1000) / (L4_GB_PER_S * DECODE_BANDWIDTH_SHARE))


STUDENTS: dict[StudentSize, StudentInfo] = {
    # A classifier head answers in one forward pass: no per-token generation time; it is
    # not offered serverless per token, so it runs on a CPU instance of its own. No host
    # serves a LoRA on a 0.5–4B base per token today (prices.yaml, `serverless`), so those
    # run on an L4 of their own (an H100 where an L4 misses your latency target); 7–8B
    # adapters can be served per token, or on an L4 (16 GB of bf16 weights in 24 GB: ~67 ms
    # a token, above; at 2,100 tokens a call ~230 tokens/s batched, a tenth of an H100's) or
    # an H100, whichever costs less at your volume and meets your target.
    # KV cache: Llama-3.2-1B 32 KiB a token; Phi-3.5-mini 384 KiB (no grouped-query
    # attention); Llama-3.1-8B and Mistral-7B 128 KiB.
    StudentSize.ENCODER: StudentInfo(
        "0.1–0.4B encoder classifier",
        "ModernBERT-base, DeBERTa-v3-base (or -large)",
        Decimal(0), 20, (Serving("cpu", 3_000, 0, 0),), 1, 0, 40_000,
    ),
    StudentSize.SMALL: StudentInfo(
        "0.5–1.5B decoder",
        "Qwen2.5-0.5B/1.5B-Instruct, Llama-3.2-1B-Instruct",
        PRICES.serverless_small, 50,
        (Serving("l4", 20_000, 1_500, l4_ms_per_token(3)), Serving("h100", 100_000, 10_000, 5)),
        3, 32, 15_000,
    ),
    StudentSize.MEDIUM: StudentInfo(
        "3–4B decoder",
        "Llama-3.2-3B-Instruct, Phi-3.5-mini-instruct (3.8B)",
        PRICES.serverless_small, 50,
        (Serving("l4", 8_000, 700, l4_ms_per_token(9)), Serving("h100", 35_000, 4_000, 10)),
        9, 384, 7_000,
    ),
    StudentSize.LARGE: StudentInfo(
        "7–8B decoder",
        "Qwen2.5-7B-Instruct, Llama-3.1-8B-Instruct, Mistral-7B-Instruct",
        PRICES.serverless_large, 50,
        (Serving("l4", 3_500, 300, l4_ms_per_token(16)), Serving("h100", 20_000, 2_500, 17)),
        16, 128, 4_000,
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


# Reading the input before the first token: a hosted frontier model (tokens a second). A
# student reads at its machine's figure in `STUDENTS`, the one its hosting is priced at.
TEACHER_PREFILL_TOKENS_PER_S = 20_000


def teacher_latency_ms(output_tokens: int, input_tokens: int = 0) -> int:
    prefill = input_tokens * 1000 // TEACHER_PREFILL_TOKENS_PER_S
    return TEACHER_FIRST_TOKEN_MS + prefill + TEACHER_MS_PER_OUTPUT_TOKEN * output_tokens


def serving_latency_ms(
    size: StudentSize, serving: Serving, output_tokens: int, input_tokens: int = 0
) -> int:
    """One call on ``serving``: first token, reading the input, writing the output."""
    prefill = input_tokens * 1000 // serving.prefill_tokens_per_s
    return STUDENTS[size].first_token_ms + prefill + serving.ms_per_output_token * output_tokens


def student_latency_ms(size: StudentSize, output_tokens: int, input_tokens: int = 0) -> int:
    """One call on the fastest machine the size runs on."""
    return min(
        serving_latency_ms(size, serving, output_tokens, input_tokens)
        for serving in STUDENTS[size].serving
    )


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
