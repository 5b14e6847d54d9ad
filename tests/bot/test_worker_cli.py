"""``distillbot worker``: what it says when it cannot start."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_startup import run_cli


def test_worker_without_a_broker_says_what_to_set(tmp_path: Path) -> None:
    result = run_cli("worker", cwd=tmp_path)
    assert result.returncode == 2
    assert "SANDBOX_BROKER_URL is not set" in result.stderr


def test_worker_refuses_a_concurrency_out_of_range(tmp_path: Path) -> None:
    result = run_cli("worker", "--concurrency", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert "give a number of processes from 1 to 64" in result.stderr


def test_worker_on_cuda_without_a_gpu_says_so(tmp_path: Path) -> None:
    broker = {"SANDBOX_BROKER_URL": "redis://127.0.0.1:1/0", "CUDA_VISIBLE_DEVICES": ""}
    result = run_cli("worker", "--device", "cuda", cwd=tmp_path, env=broker)
    assert result.returncode == 2
    assert "torch sees no CUDA device" in result.stderr
