"""The dated price table (`prices.yaml`) as typed values: models, tuning offers, machines.

Read once at import from the package's own data; edit the YAML, not this module, when
prices change. Every number keeps its source and date, so a plan can print them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from bot.core.planner.choices import LogitsAccess, OutputKind


@dataclass(frozen=True)
class ModelPrice:
    """A model's list price per 1M tokens and what its API exposes."""

    id: str
    name: str
    provider: str
    match: re.Pattern[str]
    input: Decimal
    cached_input: Decimal | None
    output: Decimal
    logprobs: LogitsAccess
    logprobs_top: int  # how many alternatives per position (0: none)
    reasoning_hidden: bool
    open_weights: bool
    self_host: str | None
    cheaper: str | None
    fine_tune: str | None
    source: str
    checked: str
    verify: bool
    cache_min_tokens: int | None = None  # overrides the provider's minimum
    # Thinks before it answers: billed for reasoning tokens as output (`reasoning_tokens`).
    reasoning: bool = False


@dataclass(frozen=True)
class TuningOffer:
    id: str
    name: str
    training: Decimal
    input: Decimal
    cached_input: Decimal
    output: Decimal
    source: str
    checked: str
    verify: bool


@dataclass(frozen=True)
class Machine:
    id: str
    name: str
    usd_per_hour: Decimal
    source: str
    checked: str
    memory_gb: int | None = None  # a GPU's memory; None for a CPU instance
    verify: bool = False  # a price we could not confirm: printed as an estimate


@dataclass(frozen=True)
class SelfHost:
    id: str
    name: str
    machine: Machine
    count: int
    prefill_tokens_per_s: int
    decode_tokens_per_s: int

    @property
    def usd_per_hour(self) -> Decimal:
        return self.machine.usd_per_hour * self.count


@dataclass(frozen=True)
class CacheWrite:
    """A provider's price for writing a prefix into its cache, and the cache's lifetime."""

    multiplier: Decimal  # × the input price
    lifetime_minutes: int


@dataclass(frozen=True)
class PriceTable:
    checked: str
    models: tuple[ModelPrice, ...]
    tuning: dict[str, TuningOffer]
    batch_discount: dict[str, Decimal]
    cache_min_tokens: dict[str, int]
    cache_write: dict[str, CacheWrite]
    machines: dict[str, Machine]
    self_host: dict[str, SelfHost]
    serverless_small: Decimal
    serverless_large: Decimal
    serverless_source: str
    # Our estimate of a reasoning model's reasoning tokens a call, by what the task asks for.
    reasoning_tokens: dict[OutputKind, int]

    def thinking(self, model: ModelPrice | None, kind: OutputKind) -> int:
        """Reasoning tokens ``model`` spends a call on a task of this kind (an estimate),
        billed at its output price; 0 for a model that doesn't reason or isn't in the table."""
        return self.reasoning_tokens[kind] if model is not None and model.reasoning else 0

    def model(self, model_id: str) -> ModelPrice:
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)

    def find(self, name: str) -> ModelPrice | None:
        """The model a typed name means: the most specific pattern that matches wins."""
        text = name.casefold()
        for model in sorted(self.models, key=lambda m: -len(m.match.pattern)):
            if model.id == text:
                return model
        hits = [(model, match) for model in self.models if (match := model.match.search(text))]
        # A name of the tier ("haiku", "gpt-4.1-mini") beats the family's ("claude", "gpt-4.1").
        specific = [(m, hit) for m, hit in hits if hit.group(0) not in _FAMILY_WORDS] or hits
        return (
            max(specific, key=lambda pair: (len(pair[1].group(0)), len(pair[0].id)))[0]
            if specific
            else None
        )


_FAMILY_WORDS = frozenset(
    {"claude", "anthropic", "openai", "chatgpt", "gpt4", "gpt-4", "google", "gemini", "deepseek",
     "llama", "meta", "mistral", "mixtral", "qwen", "gemma", "r1"}
)  # fmt: skip


_TOP = {"none": (LogitsAccess.NONE, 0), "top5": (LogitsAccess.TOP_K, 5),
        "top20": (LogitsAccess.TOP_K, 20)}  # fmt: skip


def per_m(price: Decimal) -> str:
    """A per-1M-token price as listed: at least cents ($2.50/1M, $0.075/1M)."""
    shown = price.normalize()
    exponent = shown.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        shown = price.quantize(Decimal("0.01"))
    return f"${shown:f}/1M"


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _model(raw: dict[str, Any]) -> ModelPrice:
    logprobs, top = _TOP[str(raw["logprobs"])]
    cached = raw.get("cached_input")
    return ModelPrice(
        id=str(raw["id"]),
        name=str(raw["name"]),
        provider=str(raw["provider"]),
        match=re.compile(str(raw["match"]), re.IGNORECASE),
        input=_d(raw["input"]),
        cached_input=None if cached is None else _d(cached),
        output=_d(raw["output"]),
        logprobs=logprobs,
        logprobs_top=top,
        reasoning_hidden=bool(raw.get("reasoning_hidden", False)),
        open_weights=bool(raw.get("open_weights", False)),
        self_host=raw.get("self_host"),
        cheaper=raw.get("cheaper"),
        fine_tune=raw.get("fine_tune"),
        source=str(raw["source"]),
        checked=str(raw["checked"]),
        verify=bool(raw.get("verify", False)),
        cache_min_tokens=None if raw.get("cache_min_tokens") is None
        else int(raw["cache_min_tokens"]),
        reasoning=bool(raw.get("reasoning", False)),
    )  # fmt: skip


def load_prices(text: str) -> PriceTable:
    data = yaml.safe_load(text)
    machines = {
        key: Machine(key, str(m["name"]), _d(m["usd_per_hour"]), str(m["source"]),
                     str(m["checked"]), m.get("memory_gb"), bool(m.get("verify", False)))
        for key, m in data["machines"].items()
    }  # fmt: skip
    serverless = data["serverless"]
    return PriceTable(
        checked=str(data["checked"]),
        models=tuple(_model(raw) for raw in data["models"]),
        tuning={
            key: TuningOffer(
                key,
                str(t["name"]),
                _d(t["training"]),
                _d(t["input"]),
                _d(t["cached_input"]),
                _d(t["output"]),
                str(t["source"]),
                str(t["checked"]),
                bool(t.get("verify", False)),
            )
            for key, t in data["fine_tuning"].items()
        },
        batch_discount={key: _d(v) for key, v in data["batch_discount"].items()},
        cache_min_tokens={key: int(v) for key, v in data["cache_min_tokens"].items()},
        cache_write={
            key: CacheWrite(_d(w["multiplier"]), int(w["lifetime_minutes"]))
            for key, w in data["cache_write"].items()
        },
        machines=machines,
        self_host={
            key: SelfHost(
                key,
                str(s["name"]),
                machines[s["machine"]],
                int(s["count"]),
                int(s["prefill_tokens_per_s"]),
                int(s["decode_tokens_per_s"]),
            )
            for key, s in data["self_host"].items()
        },
        serverless_small=_d(serverless["up_to_4b"]),
        serverless_large=_d(serverless["up_to_16b"]),
        serverless_source=str(serverless["source"]),
        reasoning_tokens={
            OutputKind(kind): int(tokens) for kind, tokens in data["reasoning_tokens"].items()
        },
    )


PRICES = load_prices(resources.files(__package__).joinpath("prices.yaml").read_text("utf-8"))
