"""``distillbot worker``: a Celery worker that runs /distill tasks on this machine.

Torch-free until the worker starts: the task module (``kd_sandbox.celery_tasks``) is
loaded here, inside ``main``, and each pool process imports torch as it starts.

Before it joins the queue the worker trains every teacher its cache lacks (in a process
of its own): a run's time limit is Celery's, which counts from when a pool process takes
the run and cannot be moved to when its teacher is ready (as the embedded worker's is),
so a run must never train one. Until then the bots neither see the worker nor lose runs
to it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kd_sandbox.celery_app import QUEUE_NAME, make_app
from kd_sandbox.child import exit_with_parent

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
# A pool process imports torch and loads the cached digits teachers (slow on a busy machine).
WARM_UP_LIMIT_S = 300.0
# Training the missing teachers of a fresh cache: about 25 s on one core of a laptop.
TEACHER_TRAINING_LIMIT_S = 600.0


class NoCudaDevice(RuntimeError):
    """``--device cuda`` on a machine where torch sees no GPU."""


class TeachersNotReady(RuntimeError):
    """Training the cache's missing teachers failed or took past its limit."""


@dataclass(frozen=True)
class WorkerOptions:
    broker_url: str
    cache_dir: Path
    soft_limit_s: float
    concurrency: int = 1
    device: Device = "auto"
    torch_threads: int = 1
    log_level: str = "INFO"
    name: str = ""  # Celery's node name; the host name by default


def main(options: WorkerOptions) -> int:
    """Start the worker; returns when it stops (SIGTERM: finish the running tasks)."""
    _choose_device(options.device)
    train_missing_teachers(options.cache_dir, options.torch_threads)
    app = make_app(options.broker_url, soft_limit_s=options.soft_limit_s)
    # Each pool process imports torch and loads its teachers before it says it is up: far
    # longer than the 4 s Celery waits by default before it replaces the process.
    app.conf.worker_proc_alive_timeout = WARM_UP_LIMIT_S
    from kd_sandbox import celery_tasks

    celery_tasks.register(app, cache_dir=options.cache_dir, torch_threads=options.torch_threads)
    name = options.name or f"distill-{os.getpid()}@{socket.gethostname()}"
    app.worker_main(
        [
            "worker",
            f"--concurrency={options.concurrency}",
            f"--loglevel={options.log_level}",
            f"--queues={QUEUE_NAME}",
            f"--hostname={name}",
            "--pool=prefork",
            "--task-events",  # for Flower and `celery events`
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return 0


def train_missing_teachers(
    cache_dir: Path, torch_threads: int, limit_s: float = TEACHER_TRAINING_LIMIT_S
) -> None:
    """Train every teacher ``cache_dir`` lacks, in a spawned process: this one stays
    torch-free, and CUDA uninitialised for the pool's forks. Raises ``TeachersNotReady``."""
    log.info("checking the teacher cache (a fresh one is trained first)")
    process = multiprocessing.get_context("spawn").Process(
        target=_cache_every_teacher, args=(cache_dir, torch_threads), name="kd-teachers"
    )
    process.start()
    process.join(limit_s)
    if process.is_alive():
        process.kill()
        process.join()
        raise TeachersNotReady(f"training the teachers took longer than {limit_s:g} s")
    if process.exitcode != 0:
        raise TeachersNotReady(f"training the teachers failed (exit code {process.exitcode})")


def _cache_every_teacher(cache_dir: Path, torch_threads: int) -> None:
    exit_with_parent(os.getppid())
    import torch

    from kd_sandbox.digits import runner

    torch.set_num_threads(torch_threads)
    runner.cache_every_teacher(cache_dir)


def _choose_device(device: Device) -> None:
    """``cpu`` hides the GPUs from torch; ``cuda`` insists on one; ``auto`` takes what is
    there. Checked through NVML, which does not initialise CUDA in this parent process
    (the pool's forked processes could not use it afterwards)."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    elif device == "cuda":
        os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"
        import torch

        if not torch.cuda.is_available():
            raise NoCudaDevice("--device cuda: torch sees no CUDA device on this machine")
