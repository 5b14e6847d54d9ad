"""The on-policy mode's task: follow the arrows of a map, from wherever you are.

A map gives each digit 0–9 one arrow to a digit. The problem is the map and a start;
the answer is the route: ``hops`` digits, each the one the arrow of the digit written
just before it points to (the start's arrow for the first). Written as text::

    1234567890,3:4567890   (map: 0→1, 1→2, …, 9→0; start 3; route 4 5 6 7 8 9 0)

The rule refers to what has been written so far, so it says what comes next after any
prefix, a wrong digit included: after ``45`` then a wrong ``1``, the route goes on with
the arrow of 1. On every map drawn here the start's arrows climb by one for ``hops``
steps (the main road) and every other arrow points anywhere but one up. So on a correct
prefix "one more than the last digit" is always right; a student that only ever saw
correct routes can get them all right without reading the map, and after a wrong
digit of its own that shortcut leaves the map's route for good. This is exposure bias
in miniature: only a student that has practised on its own mistakes (and been told
what to do there) learns to look at the map.

Pure Python, so the bot process may import it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DIGITS = 10


@dataclass(frozen=True)
class RouteMap:
    """One problem: where each digit's arrow points, and the start."""

    arrows: tuple[int, ...]
    start: int

    @property
    def prompt(self) -> str:
        return "".join(str(d) for d in self.arrows) + f",{self.start}:"

    def continuation(self, written: list[int], hops: int) -> list[int]:
        """The correct rest of a ``hops``-digit route after the digits ``written``
        (right or wrong): the arrows followed on from the last digit written."""
        here = written[-1] if written else self.start
        rest = []
        for _ in range(hops - len(written)):
            here = self.arrows[here]
            rest.append(here)
        return rest

    def route(self, hops: int) -> list[int]:
        return self.continuation([], hops)


def route_text(digits: list[int]) -> str:
    return "".join(str(d) for d in digits)


def random_map(rng: random.Random, hops: int) -> RouteMap:
    """A map whose arrows climb by one for ``hops`` steps from the start, and nowhere else."""
    start = rng.randrange(DIGITS)
    arrows: list[int | None] = [None] * DIGITS
    for step in range(hops):
        arrows[(start + step) % DIGITS] = (start + step + 1) % DIGITS
    for digit, arrow in enumerate(arrows):
        if arrow is None:
            arrows[digit] = rng.choice([d for d in range(DIGITS) if d != (digit + 1) % DIGITS])
    return RouteMap(arrows=tuple(a for a in arrows if a is not None), start=start)


def split_maps(
    n_train: int, n_heldout: int, hops: int, seed: int
) -> tuple[list[RouteMap], list[RouteMap]]:
    """Distinct training and held-out maps; no held-out map is in training."""
    rng = random.Random(seed)
    seen: set[RouteMap] = set()
    maps: list[RouteMap] = []
    for _ in range(50 * (n_train + n_heldout)):
        if len(maps) == n_train + n_heldout:
            return maps[:n_train], maps[n_train:]
        drawn = random_map(rng, hops)
        if drawn not in seen:
            seen.add(drawn)
            maps.append(drawn)
    raise ValueError(f"maps of {hops} hops are too few for this split")


def wrong_turn(rng: random.Random, right: int) -> int:
    """A digit other than ``right``, uniformly."""
    return rng.choice([d for d in range(DIGITS) if d != right])


def route_with_wrong_turns(
    rng: random.Random, route_map: RouteMap, hops: int, rate: float
) -> list[int]:
    """A route that takes a wrong turn at each hop with probability ``rate`` and follows
    the arrows on from wherever it got to."""
    written: list[int] = []
    for _ in range(hops):
        right = route_map.continuation(written, len(written) + 1)[0]
        written.append(wrong_turn(rng, right) if rng.random() < rate else right)
    return written
