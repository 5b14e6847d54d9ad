"""The worker's child process: imports torch, warms up, then runs specs until told to stop.

Only ``main`` is referenced by the parent (to start the process), so this module keeps
torch and the runner out of its top-level imports.

Messages to the parent: ``Ready``, ``WarmFailed``, ``Progress``, ``Done``, ``Failed``;
from the parent: ``Run`` and ``Stop`` (see ``kd_sandbox.protocol``).
"""

from __future__ import annotations

import functools
import os
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from kd_sandbox.protocol import (
    Done,
    Failed,
    OutOfMemory,
    Progress,
    Ready,
    Run,
    Started,
    WarmFailed,
)
from kd_sandbox.result import RunResult
from kd_sandbox.teacher_config import TeacherConfig

TRACEBACK_FRAMES = 6  # enough to locate a failure without flooding the bot's log
PARENT_CHECK_S = 0.5
# How running out of address space reads besides MemoryError: torch's CPU allocator
# (RuntimeError), and a module imported during the run that cannot be mapped (ImportError).
OUT_OF_MEMORY_SIGNS = ("can't allocate memory", "failed to map segment")


def main(
    conn: Connection,
    cache_dir: Path,
    torch_threads: int,
    teacher: TeacherConfig | None,
    max_memory_mb: int | None,
) -> None:
    """Entry point of the child process (multiprocessing target)."""
    exit_with_parent(os.getppid())
    try:
        import torch

        from kd_sandbox.digits import runner

        torch.set_num_threads(torch_threads)
        runner.warm_up_every_teacher(cache_dir, teacher)
        # CUDA reserves far more address space than it uses: a cap would fail every run.
        if max_memory_mb is not None and not torch.cuda.is_available():
            _limit_memory(max_memory_mb)
    except BaseException:
        conn.send(WarmFailed(traceback.format_exc(limit=TRACEBACK_FRAMES)))
        return
    conn.send(Ready())
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        if not isinstance(message, Run):
            return  # Stop
        run_id = message.run_id

        def progress(fraction: float, run_id: int = run_id) -> None:
            conn.send(Progress(run_id, fraction))

        def started(run_id: int = run_id) -> None:
            conn.send(Started(run_id))

        run = functools.partial(
            runner.run, message.spec, cache_dir, progress, teacher=teacher, on_started=started
        )
        conn.send(_outcome(run_id, run))


def _outcome(run_id: int, run: Callable[[], RunResult]) -> Done | Failed | OutOfMemory:
    """What to tell the parent about one run.

    Out of memory under the cap shows as Python's ``MemoryError``, or as an error that
    says so (``OUT_OF_MEMORY_SIGNS``); the message is built once the run's frames (and
    the memory they hold) are released.
    """
    try:
        return Done(run_id, run())
    except Exception as error:
        if not isinstance(error, MemoryError) and not any(
            sign in str(error) for sign in OUT_OF_MEMORY_SIGNS
        ):
            return Failed(run_id, traceback.format_exc(limit=TRACEBACK_FRAMES))
    return OutOfMemory(run_id)


def exit_with_parent(parent_pid: int) -> None:
    """End this process soon after the bot dies, however it died.

    A bot killed by SIGKILL or the OOM killer cannot stop its child, and the child only
    notices the closed pipe at its next send or receive: one that is importing torch,
    training a teacher or in a long run would keep the CPU for minutes, beside the new
    child of the restarted bot. When the parent dies the child is re-parented, which
    ``os.getppid()`` shows.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the address space, so a runaway run fails with MemoryError instead of
    pushing the host into swap. Set once warm (torch imported, teacher loaded), so the
    cap bounds the runs, not the imports. (Unix only; skipped elsewhere.)"""
    try:
        import resource
    except ImportError:
        return
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
