"""Benchmark of /distill on Celery workers over Redis. Prints numbers; asserts nothing.

1. Queue overhead on a warm default run: the bot's in-process warm worker (SandboxWorker)
   against one `distillbot worker` through Redis, end to end (settings text → PNG bytes
   back in the bot's process), taking turns so that a drift in the machine's load hits
   both alike; and the part of each spent outside the run itself. Goal: at most 150 ms
   added.
2. Throughput: runs per minute with 1 and with 2 workers (one process each), a batch of
   runs submitted at once.

Needs `redis-server` (it starts a private one on a free port); without it, it says so.
Usage: python bench/bench_distributed.py [--cache-dir DIR] [--runs 9] [--batch 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.services.distill_remote import CeleryRuns, FollowHooks, RemoteTicket
from kd_sandbox.result import RunResult
from kd_sandbox.spec import parse_settings
from kd_sandbox.worker import SandboxWorker

ROOT = Path(__file__).resolve().parents[1]
SOFT_LIMIT_S = 120.0
DEFAULT = parse_settings("").as_settings()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    return server, f"redis://127.0.0.1:{port}/0"


def start_worker(url: str, cache: Path, name: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SANDBOX_BROKER_URL": url, "CACHE_DIR": str(cache),
           "SANDBOX_TIMEOUT_S": str(SOFT_LIMIT_S), "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    log = (folder / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--concurrency=1", "--device=cpu",
         f"--name={name}@bench"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


class Runs:
    """Publish and follow runs as the bot does (run ids are ours: no database here)."""

    def __init__(self, url: str) -> None:
        self.celery = CeleryRuns(url, soft_limit_s=SOFT_LIMIT_S, queue_size=64)
        self.next_id = 1

    async def run(self, settings: str) -> RunResult:
        run_id, self.next_id = self.next_id, self.next_id + 1
        await asyncio.to_thread(self.celery.publish, run_id, settings)
        ticket = RemoteTicket(0)

        async def nothing(*_: object) -> None:
            return None

        async def none_ahead() -> int:
            return 0

        await self.celery.follow(run_id, ticket, FollowHooks(nothing, nothing, none_ahead))
        return await ticket


async def overhead(cache: Path, runs: Runs, repeats: int) -> dict[str, list[float]]:
    """Default runs, in-process and through Celery in turn (the machine's load drifts)."""
    local = SandboxWorker(cache)
    await local.start()
    await local.wait_ready()
    spec = parse_settings(DEFAULT)
    await local.run(spec, timeout_s=SOFT_LIMIT_S)  # first runs warm the plotting
    await runs.run(DEFAULT)
    times: dict[str, list[float]] = {"local": [], "local_run": [], "celery": [], "celery_run": []}
    for _ in range(repeats):
        started = time.perf_counter()
        result = await local.run(spec, timeout_s=SOFT_LIMIT_S)
        times["local"].append(time.perf_counter() - started)
        times["local_run"].append(result.wall_s)
        started = time.perf_counter()
        result = await runs.run(DEFAULT)
        times["celery"].append(time.perf_counter() - started)
        times["celery_run"].append(result.wall_s)
    await local.close()
    return times


async def runs_per_minute(runs: Runs, batch: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(runs.run(DEFAULT) for _ in range(batch)))
    return batch / (time.perf_counter() - started) * 60


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def paired_median_ms(slower: list[float], faster: list[float]) -> float:
    """The median of the differences of runs taken in turn: robust to the load drifting."""
    return statistics.median(a - b for a, b in zip(slower, faster, strict=True)) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--batch", type=int, default=12)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (make redis installs it): nothing measured")
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    cache = args.cache_dir or folder / "cache"
    redis_server, url = start_redis(folder)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        warming = SandboxWorker(cache)  # trains and caches the teacher once
        await warming.wait_ready()
        await warming.close()
        workers.append(start_worker(url, cache, "w1", folder))
        runs = Runs(url)
        t = await overhead(cache, runs, args.runs)
        print(
            f"default run, in-process warm worker:  {median_ms(t['local']):7.0f} ms end to end, "
            f"{median_ms(t['local_run']):.0f} ms of it in the run (median of {args.runs})"
        )
        print(
            f"default run, Celery worker via Redis: {median_ms(t['celery']):7.0f} ms end to end, "
            f"{median_ms(t['celery_run']):.0f} ms of it in the run"
        )
        added = paired_median_ms(t["celery"], t["local"])
        queue = paired_median_ms(t["celery"], t["celery_run"])
        local_pipe = paired_median_ms(t["local"], t["local_run"])
        in_run = paired_median_ms(t["celery_run"], t["local_run"])
        print(
            f"added end to end: {added:+.0f} ms (goal ≤ +150 ms; median of the pairs); "
            f"outside the run: Celery {queue:.0f} ms, in-process {local_pipe:.0f} ms; "
            f"the run itself {in_run:+.0f} ms in the Celery worker"
        )
        one = await runs_per_minute(runs, args.batch)
        print(f"1 worker:  {one:6.1f} runs/minute ({args.batch} default runs at once)")
        workers.append(start_worker(url, cache, "w2", folder))
        await runs.run("steps=10")  # wait until the second worker is warm enough to take one
        two = await runs_per_minute(runs, args.batch)
        print(f"2 workers: {two:6.1f} runs/minute ({os.cpu_count()} CPU cores on this machine)")
        await runs.celery.close()
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        redis_server.terminate()
        redis_server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
