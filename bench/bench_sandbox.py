"""Benchmark of the /distill digits sandbox. Prints numbers; asserts nothing.

1. The bot's side first (this process has not imported torch yet): cold start of a
   fresh SandboxWorker with the teacher cached, warm end-to-end runs (settings text →
   PNG bytes), and this process's resident memory before and after.
2. Accuracy over 5 seeds, each seed's paired gain and wall time: KD vs hard labels; the
   omitted digit, raw and bias-corrected; each bug of drop 2.5 against the correct loss
   (at the bug's own default settings).
3. The training loop's speed against a bare PyTorch loop of the same model and batches.

Goals for the default run on 2 cores: warm ≤ 3 s, cold ≤ 10 s, loop ≥ 0.9 of bare.
Usage: python bench/bench_sandbox.py [--cache-dir DIR] [--seeds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kd_sandbox.spec import BUGS, CompareRun, parse_settings, run_config
from kd_sandbox.teacher_config import BUG_TEACHER_DROPOUT
from kd_sandbox.worker import SandboxWorker

WARM_REPEATS = 5


def resident_mb() -> float:
    """This process's resident memory (Linux /proc; peak RSS elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mean_sd(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):6.2f} ± {spread:4.2f}"


async def bench_worker(cache_dir: Path) -> None:
    print("-- worker (bot side)")
    rss_before = resident_mb()
    priming = SandboxWorker(cache_dir)
    started = time.perf_counter()
    await priming.start()
    await priming.wait_ready()
    print(f"first start, teacher trained and cached:  {time.perf_counter() - started:6.2f} s")
    await priming.close()

    worker = SandboxWorker(cache_dir)
    started = time.perf_counter()
    await worker.start()
    await worker.wait_ready()
    ready_s = time.perf_counter() - started
    await worker.run(parse_settings(""), None, timeout_s=300)
    cold_s = time.perf_counter() - started
    print(f"cold start → ready (teacher cached):       {ready_s:6.2f} s")
    print(f"cold start → first default PNG:           {cold_s:6.2f} s   (goal ≤ 10 s)")
    warm = []
    size = 0
    for _ in range(WARM_REPEATS):
        started = time.perf_counter()
        result = await worker.run(parse_settings(""), None, timeout_s=300)
        warm.append(time.perf_counter() - started)
        size = len(result.png)
    print(
        f"warm default run, settings → PNG bytes:   {statistics.median(warm):6.2f} s median "
        f"(min {min(warm):.2f}, max {max(warm):.2f})   (goal ≤ 3 s); PNG {size / 1024:.0f} KiB"
    )
    rss_after = resident_mb()
    print(
        f"parent resident memory: {rss_before:.0f} MB before, {rss_after:.0f} MB after; "
        f"torch imported in parent: {'torch' in sys.modules}"
    )
    await worker.close()


def seed_table(cache_dir: Path, settings: str, seeds: int) -> list[tuple[dict[str, Any], float]]:
    """``settings`` run once per seed: (metrics, wall seconds) each."""
    from kd_sandbox.digits.runner import run

    rows = []
    for seed in range(seeds):
        started = time.perf_counter()
        metrics = run(parse_settings(f"{settings} seed={seed}".strip()), cache_dir).metrics
        rows.append((metrics, time.perf_counter() - started))
    return rows


def paired(
    label: str, a: list[float], b: list[float], walls: list[float], bar: float | None = None
) -> None:
    """Mean ± sd of both arms, then each seed's paired gain a − b and wall time; with
    ``bar``, whether every seed's gain reaches it (issue 15's thresholds)."""
    gains = [x - y for x, y in zip(a, b, strict=True)]
    print(f"  {label}")
    print(f"    first arm   {mean_sd(a)} %   per seed {[round(x, 1) for x in a]}")
    print(f"    second arm  {mean_sd(b)} %   per seed {[round(x, 1) for x in b]}")
    print(
        f"    paired gain {mean_sd(gains)} points, per seed {[round(g, 1) for g in gains]}, "
        f"smallest {min(gains):.1f}"
    )
    print(f"    wall time   {mean_sd(walls)} s, per seed {[round(w, 1) for w in walls]}")
    if bar is not None:
        verdict = "yes" if min(gains) >= bar else "NO"
        print(f"    gain ≥ {bar:g} points on every seed: {verdict}")


def _effective(settings: str) -> str:
    """The settings a run of ``settings`` reads that set the optimisation, as key=value."""
    used = parse_settings(settings).used()
    text = " ".join(
        f"{k}={used[k]:g}" if isinstance(used[k], float) else f"{k}={used[k]}"
        for k in ("T", "alpha", "optimizer", "lr", "steps")
    )
    dropout = BUG_TEACHER_DROPOUT.get(used.get("bug", "none"))
    return text if dropout is None else f"{text}, a teacher with dropout {dropout:g}"


def bench_accuracy(cache_dir: Path, seeds: int) -> None:
    print(f"-- accuracy over {seeds} seeds (each setting's own defaults)")
    rows = seed_table(cache_dir, "", seeds)
    walls = [wall for _, wall in rows]
    teacher = [100 * m["teacher_acc"] for m, _ in rows]
    print(f"  teacher {mean_sd(teacher)} %")
    paired(
        "mode=compare: KD (first) vs hard labels (second)",
        [100 * m["kd_acc"] for m, _ in rows],
        [100 * m["hard_acc"] for m, _ in rows],
        walls,
        bar=0.0,
    )

    rows = seed_table(cache_dir, "mode=omit digit=3", seeds)
    walls = [wall for _, wall in rows]
    paired(
        "mode=omit digit=3: KD raw on the unseen 3s (first) vs hard labels raw (second)",
        [100 * m["kd_digit_acc"] for m, _ in rows],
        [100 * m["hard_digit_acc"] for m, _ in rows],
        walls,
    )
    raw = [100 * m["kd_digit_acc"] for m, _ in rows]
    verdict = "yes" if min(raw) >= 80 else "NO"
    print(f"    KD raw ≥ 80% of the unseen digit on every seed: {verdict}")
    paired(
        "mode=omit digit=3: KD after the label-free bias shift (first) vs KD raw (second)",
        [100 * m["kd_digit_acc_corrected"] for m, _ in rows],
        [100 * m["kd_digit_acc"] for m, _ in rows],
        walls,
        bar=0.0,
    )

    for bug in BUGS:
        if bug == "none":
            continue
        rows = seed_table(cache_dir, f"bug={bug}", seeds)
        paired(
            f"bug={bug} (runs with {_effective(f'bug={bug}')}): correct KD (first) "
            "vs the broken loss (second)",
            [100 * m["kd_acc"] for m, _ in rows],
            [100 * m["broken_acc"] for m, _ in rows],
            [wall for _, wall in rows],
            bar=3.0,
        )


def bench_loop(cache_dir: Path) -> None:
    import torch

    from kd_sandbox.digits.experiments import transfer_task
    from kd_sandbox.digits.models import mlp
    from kd_sandbox.digits.runner import warm_up
    from kd_sandbox.digits.training import Arm, Recipe, batch_plan, train_arms
    from kd_sandbox.kd.losses import hinton_kd_loss

    spec = parse_settings("")
    context = warm_up(cache_dir)
    config = run_config(spec)
    assert isinstance(config, CompareRun)
    task = transfer_task(config, context, omit_digit=None)
    recipe = Recipe(
        hidden=spec.hidden, steps=spec.steps, lr=spec.lr, T=spec.T, alpha=spec.alpha, seed=spec.seed
    )
    device = task.x_transfer.device

    def bare() -> tuple[float, float]:
        torch.manual_seed(spec.seed)
        student = mlp([spec.hidden]).to(device)
        fused = device.type in ("cpu", "cuda")
        optimizer = torch.optim.Adam(student.parameters(), lr=spec.lr, fused=fused)
        batches = batch_plan(len(task.y_transfer), spec.steps, spec.seed, device)
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            x, y = task.x_transfer[batch], task.y_transfer[batch]
            loss = hinton_kd_loss(
                student(x), task.teacher_logits[batch], y, T=spec.T, alpha=spec.alpha
            )
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(loss.total)
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - wall, time.process_time() - cpu

    def ours() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        train_arms([Arm("kd", "KD", distill=True)], task, recipe)
        return time.perf_counter() - wall, time.process_time() - cpu

    bare_runs, our_runs = [], []
    for _ in range(7):  # interleaved, so machine load hits both alike
        bare_runs.append(bare())
        our_runs.append(ours())
    threads = torch.get_num_threads()
    print(f"-- training loop on {device.type}, {threads} thread(s), {spec.steps} steps")
    for index, clock in ((0, "wall"), (1, "CPU")):
        bare_rate = spec.steps / statistics.median(run[index] for run in bare_runs)
        our_rate = spec.steps / statistics.median(run[index] for run in our_runs)
        print(
            f"{clock:4s} time: bare PyTorch loop {bare_rate:6.0f} steps/s, sandbox loop "
            f"{our_rate:6.0f} steps/s = {our_rate / bare_rate:.2f} of bare   (goal ≥ 0.9)"
        )
    print("(the sandbox loop also records every loss and evaluates the test set 50 times;")
    print(" CPU time is the steadier measure on a shared machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        cache_dir = args.cache_dir or Path(scratch)
        asyncio.run(bench_worker(cache_dir))
        import torch

        torch.set_num_threads(1)
        bench_accuracy(cache_dir, args.seeds)
        bench_loop(cache_dir)


if __name__ == "__main__":
    main()
