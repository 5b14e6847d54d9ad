"""Shared fixtures: a quick teacher cached once per session, torch on one thread."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kd_sandbox.digits import runner
from kd_sandbox.phone_style import ASPECT, WIDTH_PX
from kd_sandbox.teacher_config import QUICK_TEACHER

torch.set_num_threads(1)  # the test machine is small and shared


@pytest.fixture(scope="session")
def quick_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the split and the quick teacher (trained once)."""
    cache_dir = tmp_path_factory.mktemp("quick-cache")
    runner.warm_up(cache_dir, QUICK_TEACHER)
    return cache_dir


@pytest.fixture(scope="session")
def default_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the real default teacher (a few seconds to train)."""
    cache_dir = tmp_path_factory.mktemp("default-cache")
    runner.warm_up(cache_dir)
    return cache_dir


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; fails if ``data`` is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def phone_sized(data: bytes) -> bool:
    """A PNG drawn at the phone width, neither a strip nor a tower (kd_sandbox.phone_style)."""
    width, height = png_size(data)
    return width == WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1]
