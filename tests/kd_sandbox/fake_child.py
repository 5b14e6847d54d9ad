"""Stand-ins for the sandbox's child process with a controlled pace, to test the
worker's time limits without real training (the worker's child target, via spawn)."""

from __future__ import annotations

import os
import struct
import time
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from kd_sandbox.protocol import Done, Progress, Ready, Run, Started
from kd_sandbox.result import RunResult

FAKE_CAPTION = "a run of the paced stand-in"


def paced_child(
    conn: Connection,
    cache_dir: Path,
    torch_threads: int,
    teacher: Any,
    max_memory_mb: int | None,
    *,
    warm_up_s: float = 0.0,
    teacher_training_s: float = 0.0,
    students_s: float = 0.0,
    progress_every_s: float | None = None,
) -> None:
    """Warm up for ``warm_up_s``; then per run get the teacher ready for
    ``teacher_training_s`` (saying how far it is every ``progress_every_s``, if given), say
    it started, and train students for ``students_s``."""
    time.sleep(warm_up_s)
    conn.send(Ready())
    while True:
        message = conn.recv()
        if not isinstance(message, Run):
            return
        conn.send(Progress(message.run_id, 0.1))
        training_until = time.monotonic() + teacher_training_s
        while (left := training_until - time.monotonic()) > 0:
            time.sleep(min(left, progress_every_s or left))
            conn.send(Progress(message.run_id, 0.2))
        conn.send(Started(message.run_id))
        time.sleep(students_s)
        result = RunResult(png=b"", caption=FAKE_CAPTION, metrics={}, wall_s=students_s)
        conn.send(Done(message.run_id, result))


def slow_writer_child(
    conn: Connection,
    cache_dir: Path,
    torch_threads: int,
    teacher: Any,
    max_memory_mb: int | None,
    *,
    picture_bytes: int,
    pause_s: float,
) -> None:
    """Answer each run with a picture bigger than the pipe holds, written in two pieces
    with a pause between: the parent sees part of a message before the rest arrives (as
    it does when a busy machine deschedules the child mid-write)."""
    conn.send(Ready())
    while True:
        message = conn.recv()
        if not isinstance(message, Run):
            return
        conn.send(Started(message.run_id))
        result = RunResult(png=b"\x89" * picture_bytes, caption=FAKE_CAPTION)
        payload = ForkingPickler.dumps(Done(message.run_id, result))
        framed = struct.pack("!i", len(payload)) + bytes(payload)
        half = len(framed) // 2
        os.write(conn.fileno(), framed[:half])
        time.sleep(pause_s)
        os.write(conn.fileno(), framed[half:])


def garbled_child(
    conn: Connection, cache_dir: Path, torch_threads: int, teacher: Any, max_memory_mb: int | None
) -> None:
    """Warm, then answer a run with bytes that are no message, and stay alive."""
    conn.send(Ready())
    conn.recv()
    conn.send_bytes(b"not a pickled message")
    time.sleep(60)
