"""Shared fixtures: a tiny teacher trained once per session, torch on one thread."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kd_sandbox.lm.students import Sizes
from kd_sandbox.lm.teacher import TeacherSettings, load_or_train_teacher

torch.set_num_threads(1)  # the test machine is small and shared

# A teacher that trains in about a second: two-step chains, one narrow block.
TINY_TEACHER = TeacherSettings(
    n_steps=2,
    hidden=16,
    layers=1,
    train_steps=150,
    lr=0.01,
    batch_size=32,
    n_train=256,
    n_heldout=32,
)
# Warm starts stop after 25 steps, preference pairs come from 64 problems.
TINY_SIZES = Sizes(warm_target=0.5, warm_max_steps=25, pair_problems=64, probe_problems=16)


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the tiny teacher (trained once for the session)."""
    cache_dir = tmp_path_factory.mktemp("lm-cache")
    load_or_train_teacher(cache_dir, TINY_TEACHER)
    return cache_dir


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; fails if ``data`` is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
