"""Routes as token batches, and how right a model's routes are.

One sequence is ``<bos> map , start : route <eos>``; every map has ten arrows and every
route ``hops`` digits, so all rows of a batch have the same length.
"""

from __future__ import annotations

import random

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import generate
from kd_sandbox.lm.routes import RouteMap, route_text, wrong_turn
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.training import Batch, batch_from_sequences, decode_completions, prompt_ids


def sampled_routes(
    model: GPT2LMHeadModel,
    tokenizer: CharTokenizer,
    maps: list[RouteMap],
    hops: int,
    generator: torch.Generator,
) -> Batch:
    """The model's own routes for ``maps``, sampled at T = 1 (wrong turns and all)."""
    prompts = prompt_ids(tokenizer, maps)
    ids = generate(model, prompts, hops + 1, temperature=1.0, generator=generator)
    return batch_from_sequences(tokenizer, ids, prompts.shape[1])


@torch.no_grad()
def greedy_routes(
    model: GPT2LMHeadModel, tokenizer: CharTokenizer, maps: list[RouteMap], hops: int
) -> list[str]:
    """The model's greedy route text for each map, up to its ``<eos>``."""
    prompts = prompt_ids(tokenizer, maps)
    return decode_completions(tokenizer, generate(model, prompts, hops + 1), prompts.shape[1])


def route_exact_match(
    model: GPT2LMHeadModel, tokenizer: CharTokenizer, maps: list[RouteMap], hops: int
) -> float:
    """Share of ``maps`` whose greedy route is the right one, digit for digit."""
    routes = greedy_routes(model, tokenizer, maps, hops)
    return sum(r == route_text(m.route(hops)) for r, m in zip(routes, maps, strict=True)) / len(
        maps
    )


@torch.no_grad()
def recovery_after_wrong_turn(
    model: GPT2LMHeadModel,
    tokenizer: CharTokenizer,
    maps: list[RouteMap],
    hops: int,
    seed: int = 0,
) -> float:
    """Share of ``maps`` on which the model, handed the right route up to one wrong digit
    (at a random hop before the last), writes the correct rest after it.

    Correct is what the map says from the wrong digit on (``RouteMap.continuation``).
    The wrong digits depend on ``seed`` only, so every model meets the same ones.
    """
    rng = random.Random(seed)
    prefixes: dict[int, list[tuple[list[int], str]]] = {}
    for route_map in maps:
        right = route_map.route(hops)
        at = rng.randrange(hops - 1)
        written = [*right[:at], wrong_turn(rng, right[at])]
        prefix = tokenizer.encode(route_map.prompt + route_text(written), bos=True)
        expected = route_text(route_map.continuation(written, hops))
        prefixes.setdefault(at, []).append((prefix, expected))
    correct = 0
    for at, rows in prefixes.items():
        ids = torch.tensor([prefix for prefix, _ in rows])
        written_len = ids.shape[1]
        out = generate(model, ids, hops - at)  # the rest of the route and its <eos>
        texts = decode_completions(tokenizer, out, written_len)
        correct += sum(text == expected for text, (_, expected) in zip(texts, rows, strict=True))
    return correct / len(maps)
