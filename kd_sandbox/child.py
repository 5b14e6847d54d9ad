"""The worker's child process: imports torch, warms up, then runs specs until told to stop.

Only ``main`` is referenced by the parent (to start the process), so this module keeps
torch and the runner out of its top-level imports.

Messages to the parent: ``Ready``, ``WarmFailed``, ``Progress``, ``Done``, ``Failed``;
from the parent: ``Run`` and ``Stop`` (see ``kd_sandbox.protocol``).
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from kd_sandbox.protocol import Done, Failed, Progress, Ready, Run, WarmFailed
from kd_sandbox.teacher_config import TeacherConfig

TRACEBACK_FRAMES = 6  # enough to locate a failure without flooding the bot's log
PARENT_CHECK_S = 0.5


def main(
    conn: Connection,
    cache_dir: Path,
    torch_threads: int,
    teacher: TeacherConfig | None,
    max_memory_mb: int | None,
) -> None:
    """Entry point of the child process (multiprocessing target)."""
    exit_with_parent(os.getppid())
    if max_memory_mb is not None:
        _limit_memory(max_memory_mb)
    try:
        import torch

        from kd_sandbox.digits import runner

        torch.set_num_threads(torch_threads)
        runner.warm_up(cache_dir, teacher)
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

        try:
            result = runner.run(message.spec, cache_dir, progress, teacher=teacher)
        except Exception:
            conn.send(Failed(run_id, traceback.format_exc(limit=TRACEBACK_FRAMES)))
        else:
            conn.send(Done(run_id, result))


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
    pushing the host into swap. (Unix only; silently skipped elsewhere.)"""
    try:
        import resource
    except ImportError:
        return
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
