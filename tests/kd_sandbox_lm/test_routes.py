"""The on-policy task: the route follows the map from the last digit written, right or wrong."""

from __future__ import annotations

import random

import pytest

from kd_sandbox.lm.routes import (
    DIGITS,
    RouteMap,
    random_map,
    route_with_wrong_turns,
    split_maps,
)

HOPS = 6


def _maps(n: int = 200) -> list[RouteMap]:
    rng = random.Random(0)
    return [random_map(rng, HOPS) for _ in range(n)]


def test_on_the_teachers_routes_one_up_is_always_right() -> None:
    # The shortcut a student of clean routes can learn without reading the map.
    for route_map in _maps():
        route = route_map.route(HOPS)
        previous = [route_map.start, *route[:-1]]
        assert route == [(d + 1) % DIGITS for d in previous]


def test_after_a_wrong_digit_the_route_goes_on_from_it_and_one_up_is_wrong() -> None:
    for route_map in _maps():
        on_road = {(route_map.start + k) % DIGITS for k in range(HOPS)}
        off_road = next(d for d in range(DIGITS) if d not in on_road)
        right = route_map.route(HOPS)
        written = [right[0], off_road]  # the second hop taken wrongly
        rest = route_map.continuation(written, HOPS)
        assert len(rest) == HOPS - 2
        assert rest[0] == route_map.arrows[off_road] != (off_road + 1) % DIGITS
        for before, after in zip([off_road, *rest], rest, strict=False):
            assert after == route_map.arrows[before]


def test_a_small_map_by_hand() -> None:
    # 0→5 1→2 2→3 3→4 4→9 …: from start 1 the road climbs 2, 3, 4; a slip to 0 goes to 5.
    route_map = RouteMap(arrows=(5, 2, 3, 4, 9, 0, 0, 0, 0, 0), start=1)
    assert route_map.prompt == "5234900000,1:"
    assert route_map.route(3) == [2, 3, 4]
    assert route_map.continuation([2, 0], 4) == [5, 0]
    assert route_map.continuation([2, 0], 4) != [1, 2]  # one up from the slip: wrong


def test_wrong_turns_come_at_the_asked_rate_and_the_route_goes_on_from_them() -> None:
    rng = random.Random(1)
    wrong = hops = 0
    for route_map in _maps(400):
        written = route_with_wrong_turns(rng, route_map, HOPS, rate=0.2)
        for i, digit in enumerate(written):
            hops += 1
            wrong += digit != route_map.continuation(written[:i], i + 1)[0]
    assert 0.2 * 0.85 < wrong / hops < 0.2 * 1.15
    clean = route_with_wrong_turns(rng, _maps(1)[0], HOPS, rate=0.0)
    assert clean == _maps(1)[0].route(HOPS)


def test_held_out_maps_are_never_trained_on() -> None:
    train, heldout = split_maps(300, 50, HOPS, seed=3)
    assert len(train) == 300 and len(heldout) == 50
    assert not set(train) & set(heldout) and len(set(train)) == 300
    assert split_maps(300, 50, HOPS, seed=3) == (train, heldout)


def test_too_many_maps_asked_is_refused() -> None:
    with pytest.raises(ValueError, match="too few"):
        split_maps(100, 10, hops=9, seed=0)  # only 90 such maps exist
