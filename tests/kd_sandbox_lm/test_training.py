"""Batches and generation: which tokens are learned from, and what the models write."""

from __future__ import annotations

import torch

from kd_sandbox.lm.models import build_lm, generate
from kd_sandbox.lm.tasks import Chain
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.training import encode_chains, encode_completions

TOKENIZER = CharTokenizer()
CHAIN = Chain(start=2, steps=(("+", 3), ("-", 4)))


def learned_text(ids: torch.Tensor, mask: torch.Tensor) -> str:
    targets = [int(t) for t, m in zip(ids[1:], mask, strict=True) if m]
    return "".join(TOKENIZER.decode([t]) or "<eos>" for t in targets)


def test_only_the_completion_is_learned() -> None:
    batch = encode_chains(TOKENIZER, [CHAIN], with_trace=True)
    assert learned_text(batch.ids[0], batch.target_mask[0]) == "5,1=1<eos>"
    bare = encode_chains(TOKENIZER, [CHAIN], with_trace=False)
    assert learned_text(bare.ids[0], bare.target_mask[0]) == "=1<eos>"


def test_short_completions_are_padded_after_eos_and_not_learned() -> None:
    batch = encode_completions(TOKENIZER, [CHAIN, CHAIN], ["5,1=1", "=1"])
    assert batch.ids.shape[0] == 2
    assert learned_text(batch.ids[1], batch.target_mask[1]) == "=1<eos>"
    assert batch.ids[1, -1].item() == TOKENIZER.pad_id


def test_cached_generation_matches_recomputing_the_prefix() -> None:
    model = build_lm(TOKENIZER, hidden=16, layers=2, max_len=24, seed=3)
    prompts = torch.tensor([TOKENIZER.encode(CHAIN.prompt, bos=True)] * 3)
    fast = generate(model, prompts, 6)
    slow = prompts
    with torch.no_grad():
        for _ in range(6):
            logits = model(input_ids=slow, use_cache=False).logits[:, -1]
            slow = torch.cat([slow, logits.argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(fast, slow)


def test_sampling_is_repeatable_under_a_seed() -> None:
    model = build_lm(TOKENIZER, hidden=16, layers=1, max_len=24, seed=0)
    prompts = torch.tensor([TOKENIZER.encode(CHAIN.prompt, bos=True)] * 8)

    def sample(seed: int) -> torch.Tensor:
        return generate(
            model, prompts, 5, temperature=1.0, generator=torch.Generator().manual_seed(seed)
        )

    assert torch.equal(sample(1), sample(1))
    assert not torch.equal(sample(1), sample(2))
