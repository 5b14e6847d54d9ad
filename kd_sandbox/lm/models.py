"""Tiny GPT-2 language models built from a config, and the few operations the modes need.

Every model here is created from ``GPT2Config`` (no download) or loaded with
``from_pretrained`` from a directory we saved ourselves. Sequences in one batch always
have the same length (the chain format is fixed per number of steps), so no padding
or attention mask is needed.

Each model lives on one device; ``generate`` and ``seeded_generator`` put what they
make there, so a run moves only its models and its data.
"""

from __future__ import annotations

import copy

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from kd_sandbox.lm.tokenizer import CharTokenizer


def heads_for(hidden: int) -> int:
    """The most attention heads (up to 4) that divide the width evenly."""
    return next(h for h in (4, 2, 1) if hidden % h == 0)


CPU = torch.device("cpu")


def build_lm(
    tokenizer: CharTokenizer,
    *,
    hidden: int,
    layers: int,
    max_len: int,
    seed: int,
    device: torch.device = CPU,
) -> GPT2LMHeadModel:
    """A freshly initialised GPT-2 with ``layers`` blocks of width ``hidden`` and no dropout.

    Dropout is off because these models are trained for seconds on clean synthetic data,
    and a teacher with dropout on would give noisy soft targets.
    The weights are drawn on the CPU, then moved to ``device``: a seed gives the same
    start on every device.
    """
    config = GPT2Config(
        vocab_size=tokenizer.vocab_size,
        n_positions=max_len,
        n_embd=hidden,
        n_layer=layers,
        n_head=heads_for(hidden),
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tokenizer.bos_id,
        eos_token_id=tokenizer.eos_id,
        # No pad_token_id: batches are padded only after <eos>, where nothing is read, and
        # naming one makes GPT-2 warn that an attention mask is missing.
        # GPT-2's 0.02 suits width 768; at width 16 it leaves a tiny model on a loss
        # plateau for hundreds of steps. ~0.4/sqrt(width) (0.1 at 16) starts it moving.
        initializer_range=0.4 / hidden**0.5,
    )
    torch.manual_seed(seed)
    return moved_to(GPT2LMHeadModel(config), device)


def moved_to(model: GPT2LMHeadModel, device: torch.device) -> GPT2LMHeadModel:
    """``model`` with its weights on ``device`` (moved in place)."""
    # transformers decorates ``.to`` with functools.wraps(Module.to), which mypy reads as
    # the unbound function: the call is right, the stub is not.
    model.to(device)  # type: ignore[arg-type]
    return model


def frozen_copy(model: GPT2LMHeadModel) -> GPT2LMHeadModel:
    """A detached copy in eval mode with gradients off (a DPO reference, for example)."""
    twin: GPT2LMHeadModel = copy.deepcopy(model)
    twin.train(False)
    twin.requires_grad_(False)
    return twin


def device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def seeded_generator(model: torch.nn.Module, seed: int) -> torch.Generator:
    """A random generator on ``model``'s device, for sampling from it: ``multinomial``
    on a GPU's probabilities needs a generator on that GPU."""
    return torch.Generator(device=device_of(model)).manual_seed(seed)


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def next_token_logits(model: GPT2LMHeadModel, ids: torch.Tensor) -> torch.Tensor:
    """Logits predicting ``ids[:, 1:]`` from each prefix: (B, L) → (B, L-1, V)."""
    logits: torch.Tensor = model(input_ids=ids, use_cache=False).logits
    return logits[:, :-1]


def token_logprobs(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Log-probability of each actual next token: logits (B, L-1, V), ids (B, L) → (B, L-1)."""
    logprobs = torch.log_softmax(logits, dim=-1)
    return logprobs.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)


@torch.no_grad()
def logits_in_chunks(model: GPT2LMHeadModel, ids: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """``next_token_logits`` for many rows at once, without gradients: (B, L) → (B, L-1, V)."""
    return torch.cat(
        [next_token_logits(model, ids[i : i + chunk]) for i in range(0, len(ids), chunk)]
    )


@torch.no_grad()
def generate(
    model: GPT2LMHeadModel,
    prompt_ids: torch.Tensor,
    n_new: int,
    *,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Extend (B, P) prompts by ``n_new`` tokens: greedy at temperature 0, else sampled.

    A plain loop over the model's KV cache rather than ``generate``: every row has the
    same length and runs to ``n_new`` tokens, and sampling stays under our generator.
    """
    was_training = model.training
    model.train(False)
    prompt_ids = prompt_ids.to(device_of(model))
    output = model(input_ids=prompt_ids, use_cache=True)
    pieces = [prompt_ids]
    for i in range(n_new):
        logits = output.logits[:, -1]
        if temperature <= 0.0:
            token = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
        pieces.append(token)
        if i + 1 < n_new:
            output = model(input_ids=token, cache=output.cache, use_cache=True)
    model.train(was_training)
    return torch.cat(pieces, dim=1)
