"""Shared fixtures: a tiny teacher trained once per session, torch on one thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from kd_sandbox.lm import run_lm_mode
from kd_sandbox.lm.route_teacher import RouteTeacherSettings, load_or_train_route_teacher
from kd_sandbox.lm.students import Sizes
from kd_sandbox.lm.teacher import TeacherSettings, load_or_train_teacher
from kd_sandbox.result import RunResult
from kd_sandbox.spec import parse_settings

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
# mode=onpolicy's own teacher, as small: three-hop routes, one narrow block.
TINY_ROUTE_TEACHER = RouteTeacherSettings(
    hops=3,
    hidden=16,
    layers=1,
    train_steps=100,
    lr=0.01,
    batch_size=32,
    n_train=256,
    n_heldout=32,
)
# Warm starts stop after 25 steps, preference pairs come from 64 problems.
TINY_SIZES = Sizes(warm_target=0.5, warm_max_steps=25, pair_problems=64, probe_problems=16)


def run_tiny(
    settings: str,
    cache_dir: Path,
    progress: Callable[[float], None] | None = None,
    device: torch.device | None = None,
    on_teacher_ready: Callable[[], None] | None = None,
) -> RunResult:
    """``run_lm_mode`` on ``settings`` with the tiny teachers and workload (on ``device``,
    else where ``pick_device`` says)."""
    return run_lm_mode(
        parse_settings(settings),
        cache_dir,
        progress,
        teacher_settings=TINY_TEACHER,
        route_teacher_settings=TINY_ROUTE_TEACHER,
        sizes=TINY_SIZES,
        device=device,
        on_teacher_ready=on_teacher_ready,
    )


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the tiny teachers (trained once for the session)."""
    cache_dir = tmp_path_factory.mktemp("lm-cache")
    load_or_train_teacher(cache_dir, TINY_TEACHER)
    load_or_train_route_teacher(cache_dir, TINY_ROUTE_TEACHER)
    return cache_dir


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; fails if ``data`` is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
