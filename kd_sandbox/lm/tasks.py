"""The synthetic task: a chain of operations on one digit that never leaves 0–9.

``3+4*2-5`` means: start at 3, add 4 (7)… no: 7×2 = 14 leaves the digits, so such a
chain is never drawn. A drawn chain, ``2+3-4*6``: 2+3 = 5, 5−4 = 1, 1×6 = 6; answer 6.
Each step is a small lookup on the previous value, but the bare answer needs all of
them composed in one go (and × makes the composition non-linear), which is what makes
the worked trace worth distilling.

Two ways to write the completion after the problem's ``:``:

* with a trace:   ``2+3-4*6:5,1,6=6`` (the running value after each step, then ``=``)
* answer only:    ``2+3-4*6:=6``

Pure Python, so the bot process may import it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

OPERATORS = "+-*"


def _apply(value: int, operator: str, operand: int) -> int:
    if operator == "+":
        return value + operand
    if operator == "-":
        return value - operand
    return value * operand


def _valid_operands(value: int, operator: str) -> range:
    """Operands that keep the result a digit (and make the step do something)."""
    if operator == "+":
        return range(1, 10 - value)
    if operator == "-":
        return range(1, value + 1)
    return range(2, 9 // value + 1) if value > 0 else range(0)


@dataclass(frozen=True)
class Chain:
    """One problem: a start digit and a sequence of (operator, operand) steps."""

    start: int
    steps: tuple[tuple[str, int], ...]

    def running_values(self) -> list[int]:
        values, value = [], self.start
        for operator, operand in self.steps:
            value = _apply(value, operator, operand)
            values.append(value)
        return values

    @property
    def answer(self) -> int:
        return self.running_values()[-1]

    @property
    def prompt(self) -> str:
        return str(self.start) + "".join(f"{op}{d}" for op, d in self.steps) + ":"

    def completion(self, *, with_trace: bool) -> str:
        worked = ",".join(str(v) for v in self.running_values()) if with_trace else ""
        return f"{worked}={self.answer}"


def completion_length(n_steps: int, *, with_trace: bool) -> int:
    """Characters after the prompt, without the end-of-sequence token."""
    return (2 * n_steps - 1 if with_trace else 0) + 2


def parse_answer(completion: str) -> int | None:
    """The digit after the last ``=``, or None when the completion has no clean answer."""
    _, sep, tail = completion.rpartition("=")
    return int(tail) if sep and len(tail) == 1 and tail.isdigit() else None


def random_chain(rng: random.Random, n_steps: int) -> Chain:
    """A uniformly chosen operator among those that can act, then a uniform valid operand."""
    value = start = rng.randrange(10)
    steps = []
    for _ in range(n_steps):
        operator = rng.choice([op for op in OPERATORS if _valid_operands(value, op)])
        operand = rng.choice(_valid_operands(value, operator))
        steps.append((operator, operand))
        value = _apply(value, operator, operand)
    return Chain(start=start, steps=tuple(steps))


def split_chains(
    n_train: int, n_heldout: int, n_steps: int, seed: int
) -> tuple[list[Chain], list[Chain]]:
    """Distinct training and held-out problems; no held-out problem is in training."""
    rng = random.Random(seed)
    seen: set[Chain] = set()
    chains: list[Chain] = []
    for _ in range(50 * (n_train + n_heldout)):
        if len(chains) == n_train + n_heldout:
            return chains[:n_train], chains[n_train:]
        chain = random_chain(rng, n_steps)
        if chain not in seen:
            seen.add(chain)
            chains.append(chain)
    raise ValueError(f"chains of {n_steps} steps are too few for this split")


def majority_baseline(chains: list[Chain]) -> float:
    """Accuracy of always answering the most common answer: the floor a model must beat."""
    counts = [0] * 10
    for chain in chains:
        counts[chain.answer] += 1
    return max(counts) / len(chains)
