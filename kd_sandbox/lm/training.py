"""Shared pieces of every LM run: encoding chains into batches, the SFT loss, evaluation.

Layout of one sequence: ``<bos> problem : completion <eos>``. The loss and every
divergence are taken on the completion tokens only (the problem is random digits that
no model can predict), which ``Batch.target_mask`` marks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import generate, next_token_logits, token_logprobs
from kd_sandbox.lm.tasks import Chain, completion_length, parse_answer
from kd_sandbox.lm.tokenizer import CharTokenizer


@dataclass(frozen=True)
class Batch:
    """Token ids (B, L) and a mask (B, L-1) of the next-token positions that are targets."""

    ids: torch.Tensor
    target_mask: torch.Tensor

    def rows(self, index: torch.Tensor) -> Batch:
        index = index.to(self.ids.device)  # row draws come from a CPU generator
        return Batch(self.ids[index], self.target_mask[index])

    def to(self, device: torch.device) -> Batch:
        return Batch(self.ids.to(device), self.target_mask.to(device))

    def __len__(self) -> int:
        return int(self.ids.shape[0])


class Problem(Protocol):
    """Anything with a prompt: a chain, or the on-policy mode's map (``routes.RouteMap``)."""

    @property
    def prompt(self) -> str: ...


def prompt_ids(tokenizer: CharTokenizer, problems: Sequence[Problem]) -> torch.Tensor:
    """``<bos> problem :`` for each problem: (B, P)."""
    return torch.tensor([tokenizer.encode(p.prompt, bos=True) for p in problems])


def encode_chains(tokenizer: CharTokenizer, chains: list[Chain], *, with_trace: bool) -> Batch:
    """The ground-truth sequences, with or without the worked steps."""
    rows = [
        tokenizer.encode(c.prompt + c.completion(with_trace=with_trace), bos=True, eos=True)
        for c in chains
    ]
    ids = torch.tensor(rows)
    prompt_len = len(tokenizer.encode(chains[0].prompt, bos=True))
    return batch_from_sequences(tokenizer, ids, prompt_len)


def encode_completions(
    tokenizer: CharTokenizer, problems: Sequence[Problem], completions: list[str]
) -> Batch:
    """Each problem's prompt followed by the given completion (a teacher's, say) and
    ``<eos>``.

    Rows are padded on the right to the longest one; padding sits after ``<eos>``, where
    nothing is learned, and a causal model never looks ahead at it.
    """
    rows = [
        tokenizer.encode(p.prompt + text, bos=True, eos=True)
        for p, text in zip(problems, completions, strict=True)
    ]
    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [tokenizer.pad_id] * (width - len(r)) for r in rows])
    prompt_len = len(tokenizer.encode(problems[0].prompt, bos=True))
    return batch_from_sequences(tokenizer, ids, prompt_len)


def batch_from_sequences(tokenizer: CharTokenizer, ids: torch.Tensor, prompt_len: int) -> Batch:
    """Targets are the completion tokens up to and including the first ``<eos>``.

    Generated sequences may stop early or run on; tokens after the first ``<eos>`` are
    not learned from.
    """
    targets = ids[:, 1:]
    position = torch.arange(targets.shape[1], device=ids.device)
    in_completion = position >= prompt_len - 1
    is_eos = (targets == tokenizer.eos_id) & in_completion
    # cumsum of the eos flags: 0 before the first eos, ≥1 from it on; keep ≤ the first one.
    before_or_at_eos = (torch.cumsum(is_eos.long(), dim=1) - is_eos.long()) == 0
    mask = (in_completion & before_or_at_eos).float()
    return Batch(ids, mask)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def sft_loss(model: GPT2LMHeadModel, batch: Batch) -> torch.Tensor:
    """Mean cross-entropy of the completion tokens (plain supervised fine-tuning)."""
    logits = next_token_logits(model, batch.ids)
    return -masked_mean(token_logprobs(logits, batch.ids), batch.target_mask)


def sequence_logprob(model: GPT2LMHeadModel, batch: Batch) -> torch.Tensor:
    """Sum of the completion tokens' log-probabilities under ``model``: (B,)."""
    logits = next_token_logits(model, batch.ids)
    return (token_logprobs(logits, batch.ids) * batch.target_mask).sum(dim=1)


@torch.no_grad()
def score_in_chunks(model: GPT2LMHeadModel, batch: Batch, chunk: int = 4096) -> torch.Tensor:
    """``sequence_logprob`` for many rows, a chunk at a time and without gradients: (B,)."""
    parts = [
        sequence_logprob(model, batch.rows(torch.arange(i, min(i + chunk, len(batch)))))
        for i in range(0, len(batch), chunk)
    ]
    return torch.cat(parts)


def decode_completions(tokenizer: CharTokenizer, ids: torch.Tensor, prompt_len: int) -> list[str]:
    """The text after the prompt in each row, up to its first ``<eos>``."""
    return [tokenizer.decode(row[prompt_len:]) for row in ids.tolist()]


@torch.no_grad()
def exact_match(
    model: GPT2LMHeadModel, tokenizer: CharTokenizer, chains: list[Chain], *, with_trace: bool
) -> float:
    """Share of ``chains`` whose greedy completion ends in the right answer."""
    prompts = prompt_ids(tokenizer, chains)
    n_new = completion_length(len(chains[0].steps), with_trace=with_trace) + 1
    ids = generate(model, prompts, n_new)
    answers = [parse_answer(text) for text in decode_completions(tokenizer, ids, prompts.shape[1])]
    return sum(a == c.answer for a, c in zip(answers, chains, strict=True)) / len(chains)


def optimizer_and_schedule(
    model: GPT2LMHeadModel, lr: float, steps: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with a short warm-up and a cosine decay to 10% (fast, stable for tiny LMs)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    warmup = max(1, steps // 20)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def random_rows(n_rows: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """Row indices of one minibatch, drawn with replacement under ``generator``."""
    return torch.randint(0, n_rows, (batch_size,), generator=generator)


@dataclass
class Curve:
    """One line of a plot: values measured at training steps."""

    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, step: int, value: float) -> None:
        self.steps.append(step)
        self.values.append(value)

    @property
    def last(self) -> float:
        return self.values[-1]


def train(
    model: GPT2LMHeadModel,
    *,
    steps: int,
    lr: float,
    loss_at: Callable[[int], torch.Tensor],
    evaluate: Callable[[int], bool | None],
    n_evals: int = 8,
) -> Curve:
    """Run ``steps`` optimiser steps on ``loss_at(step)``; call ``evaluate(step)`` now and then.

    ``evaluate`` runs before the first step and ``n_evals`` times during training (the
    last time after the final step); if it returns True, training stops there. Returns
    the training loss at every step.
    """
    optimizer, schedule = optimizer_and_schedule(model, lr, steps)
    # Evenly spaced, the last one after the final step.
    n_evals = max(1, min(n_evals, steps))
    checkpoints = {round(k * steps / n_evals) for k in range(1, n_evals + 1)}
    losses = Curve()
    model.train(False)
    stop = evaluate(0)
    model.train()
    for step in range(1, steps + 1):
        if stop:
            break
        loss = loss_at(step)
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        # A cheap guard: DPO and reverse-KL gradients can spike on a 16-wide model.
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.add(step, float(loss.detach()))
        if step in checkpoints:
            model.train(False)
            stop = evaluate(step)
            model.train()
    model.train(False)
    return losses
