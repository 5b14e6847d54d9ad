"""``distillbot worker``: a Celery worker that runs /distill tasks on this machine.

Torch-free until the worker starts: the task module (``kd_sandbox.celery_tasks``) is
loaded here, inside ``main``, and each pool process imports torch as it starts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kd_sandbox.celery_app import QUEUE_NAME, make_app

Device = Literal["auto", "cpu", "cuda"]
WARM_UP_LIMIT_S = 300.0  # a first start trains the teacher


class NoCudaDevice(RuntimeError):
    """``--device cuda`` on a machine where torch sees no GPU."""


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
    app = make_app(options.broker_url, soft_limit_s=options.soft_limit_s)
    # Each pool process imports torch and loads the teacher before it says it is up: far
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
