"""The zone at a shared location."""

import pytest

from bot.core import zone_from_location


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (52.5200, 13.4050, "Europe/Berlin"),
        (40.7128, -74.0060, "America/New_York"),
        (22.5726, 88.3639, "Asia/Kolkata"),
        (-33.8688, 151.2093, "Australia/Sydney"),
    ],
)
def test_finds_the_zone_of_a_city(latitude: float, longitude: float, expected: str) -> None:
    zone = zone_from_location(latitude, longitude)
    assert zone is not None
    assert zone.key == expected


def test_open_sea_gets_a_nautical_zone() -> None:
    zone = zone_from_location(0.0, -30.0)  # mid-Atlantic
    assert zone is not None
    assert zone.key.startswith("Etc/GMT")


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0), (0.0, float("inf"))],
)
def test_impossible_coordinates_give_none(latitude: float, longitude: float) -> None:
    assert zone_from_location(latitude, longitude) is None
