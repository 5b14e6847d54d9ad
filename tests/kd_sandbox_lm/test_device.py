"""The LM modes run where they are told: on the CPU here, on a GPU where there is one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.kd_sandbox_lm.conftest import run_tiny

TINY_RUNS = [
    "mode=traces steps=10",
    "mode=tokens steps=10",
    "mode=preference steps=10",
    "mode=onpolicy steps=10",
]


def plain_numbers(value: Any) -> bool:
    """True when ``value`` is JSON-ready Python data all the way down (no tensors)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_numbers(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain_numbers(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str)


NO_GPU = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU; torch sees none"
)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=NO_GPU)])
@pytest.mark.parametrize("settings", TINY_RUNS)
def test_each_mode_runs_on_the_device_it_is_given(
    tiny_cache: Path, settings: str, device: str
) -> None:
    """On a GPU the cached teachers (trained on the CPU) load onto it; the run names the
    device it ran on and hands back plain numbers."""
    result = run_tiny(settings, tiny_cache, device=torch.device(device))
    assert f"Ran on {device.upper()}." in result.caption
    assert result.metrics["device"] == device
    assert plain_numbers(result.metrics)
    json.dumps(result.metrics)  # what the worker sends back to the bot


@NO_GPU
@pytest.mark.parametrize("settings", ["mode=tokens steps=10", "mode=onpolicy steps=10"])
def test_a_first_run_on_a_gpu_trains_its_teacher_there(tmp_path: Path, settings: str) -> None:
    """Both teachers train on the GPU, are saved, and load back onto it."""
    first = run_tiny(settings, tmp_path, device=torch.device("cuda"))
    assert "teacher was trained now" in first.caption and "Ran on CUDA." in first.caption
    again = run_tiny(settings, tmp_path, device=torch.device("cuda"))
    assert "teacher was trained now" not in again.caption
    assert again.metrics["device"] == "cuda"


def test_a_run_on_the_cpu_repeats_exactly(tiny_cache: Path) -> None:
    """Sampling (onpolicy's own routes) and row draws are seeded on the device they run
    on, so the same seed gives the same numbers."""
    first = run_tiny("mode=onpolicy steps=10", tiny_cache, device=torch.device("cpu"))
    again = run_tiny("mode=onpolicy steps=10", tiny_cache, device=torch.device("cpu"))
    assert first.metrics == again.metrics


def test_worker_device_cpu_hides_the_gpu_from_the_lm_runs() -> None:
    """``distillbot worker --device cpu`` hides the GPUs before any run; the device the LM
    runs then pick (the same ``pick_device`` as the digits runs) is the CPU."""
    script = (
        "from kd_sandbox.celery_worker import _choose_device\n"
        "_choose_device('cpu')\n"
        "from kd_sandbox.kd.device import pick_device\n"
        "print(pick_device().type)\n"
    )
    picked = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert picked.stdout.strip() == "cpu"
