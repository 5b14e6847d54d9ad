"""The sandbox's child process ends when its parent is killed, even in a long warm-up.

Mid-run the child would notice a dead parent at its next progress report; while it
imports torch or trains a teacher it sends nothing, so only its parent watch ends it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes import REPO_ROOT, clean_env, cpu_seconds, is_running, wait_until

# A parent that starts the worker with a teacher that would train for hours, prints the
# child's pid, and waits to be killed.
PARENT = """
import asyncio, sys
from pathlib import Path
from kd_sandbox.teacher_config import TeacherConfig
from kd_sandbox.worker import SandboxWorker

async def main() -> None:
    endless = TeacherConfig(hidden=(512, 512), epochs=100_000)
    worker = SandboxWorker(Path(sys.argv[1]), teacher=endless)
    await worker.start()
    print(worker.child_pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_the_worker_child_ends_with_its_killed_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "cache")],
        cwd=REPO_ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    child_pid = 0
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        wait_until(lambda: cpu_seconds(child_pid) > 2.0, timeout=60, what="the warm-up")
        parent.kill()
        parent.wait(timeout=10)
        wait_until(lambda: not is_running(child_pid), timeout=20, what="the orphan to end")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
        if parent.stdout is not None:
            parent.stdout.close()
        if child_pid and is_running(child_pid):
            subprocess.run(["kill", "-9", str(child_pid)], check=False)
