"""Students: small GPT-2s built beside the cached teacher, and the plain SFT loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import build_lm, device_of, generate
from kd_sandbox.lm.tasks import Chain, completion_length
from kd_sandbox.lm.teacher import Teacher
from kd_sandbox.lm.training import (
    Batch,
    Curve,
    batch_from_sequences,
    encode_completions,
    exact_match,
    prompt_ids,
    random_rows,
    sft_loss,
    train,
)

STUDENT_LAYERS = 2
BATCH_SIZE = 64
WARM_LR = 0.01  # the warm start's SFT learning rate (the traces mode's default)

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Sizes:
    """How much work the preference and on-policy modes do besides the spec's steps.

    The defaults are what /distill uses; tests pass smaller ones to stay fast.
    """

    warm_target: float = 0.5  # warm start stops once this share of a probe is right…
    warm_max_steps: int = 1000  # …or after this many steps
    pair_problems: int = 1024  # training problems turned into preference pairs
    probe_problems: int = 256  # problems a quick check (warm start, divergence) looks at


def build_student(teacher: Teacher, hidden: int, seed: int) -> GPT2LMHeadModel:
    """A fresh 2-block student of width ``hidden`` sharing the teacher's vocabulary and
    device."""
    return build_lm(
        teacher.tokenizer,
        hidden=hidden,
        layers=STUDENT_LAYERS,
        max_len=teacher.settings.max_len,
        seed=seed,
        device=device_of(teacher.model),
    )


def answer_only(completion: str) -> str:
    """The final answer of a worked completion, in the bare format: ``5,1,6=6`` → ``=6``."""
    return "=" + completion.rpartition("=")[2]


def transfer_batch(teacher: Teacher, *, with_trace: bool) -> Batch:
    """The teacher's completions of the training problems, full or reduced to the answer."""
    completions = teacher.transfer if with_trace else [answer_only(t) for t in teacher.transfer]
    return encode_completions(teacher.tokenizer, teacher.train_chains, completions)


def sft(
    model: GPT2LMHeadModel,
    data: Batch,
    *,
    steps: int,
    lr: float,
    seed: int,
    evaluate: Callable[[int], bool | None],
    n_evals: int = 8,
) -> Curve:
    """Plain supervised training on ``data``; the batch order depends on ``seed`` only.

    ``evaluate`` is called as in ``train`` (returning True stops training). ``data``
    is moved to the model's device; the rows are drawn on the CPU, so the order is the
    same on every device.
    """
    data = data.to(device_of(model))
    rows = torch.Generator().manual_seed(seed)

    def loss_at(step: int) -> torch.Tensor:
        return sft_loss(model, data.rows(random_rows(len(data), BATCH_SIZE, rows)))

    return train(model, steps=steps, lr=lr, loss_at=loss_at, evaluate=evaluate, n_evals=n_evals)


def sampled_completions(
    student: GPT2LMHeadModel, teacher: Teacher, chains: list[Chain], generator: torch.Generator
) -> Batch:
    """The student's worked completions of ``chains``, sampled at T = 1."""
    prompts = prompt_ids(teacher.tokenizer, chains)
    n_new = completion_length(teacher.settings.n_steps, with_trace=True) + 1
    ids = generate(student, prompts, n_new, temperature=1.0, generator=generator)
    return batch_from_sequences(teacher.tokenizer, ids, prompts.shape[1])


def within(progress: Progress | None, start: float, end: float) -> Progress:
    """A progress callback that maps 0→1 onto ``start``→``end`` of ``progress``."""

    def report(fraction: float) -> None:
        if progress is not None:
            progress(start + (end - start) * min(1.0, max(0.0, fraction)))

    return report


def warm_start(
    teacher: Teacher, hidden: int, seed: int, sizes: Sizes, data: Batch | None = None
) -> GPT2LMHeadModel:
    """A student given SFT on ``data`` (the teacher's traces unless given) until it gets
    a share of a probe right.

    Preference and on-policy distillation refine a model that already writes the format
    (as they do for real LLMs after SFT); from random weights they would only measure
    how fast each method learns the format. The stop is on accuracy, not on a step
    count, because when a tiny model leaves its loss plateau varies a lot with the seed.
    The probe is training problems: the held-out ones stay unseen.
    """
    student = build_student(teacher, hidden, seed)
    probe = teacher.train_chains[: sizes.probe_problems]

    def reached(step: int) -> bool:
        if step == 0:
            return False
        return exact_match(student, teacher.tokenizer, probe, with_trace=True) >= sizes.warm_target

    if data is None:
        data = transfer_batch(teacher, with_trace=True)
    steps = sizes.warm_max_steps
    sft(student, data, steps=steps, lr=WARM_LR, seed=seed, evaluate=reached, n_evals=steps // 25)
    return student
