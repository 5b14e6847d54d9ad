"""Runs /distill experiments in one warm child process, off the bot's event loop.

The bot's own process never imports torch: the child does (``kd_sandbox.child``), keeps
the teacher in memory between runs, and is killed and replaced when a run overstays its
time limit or the child dies. Runs are serialised: one child, one run at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import multiprocessing
import threading
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from kd_sandbox import child
from kd_sandbox.protocol import (
    Done,
    Failed,
    FromChild,
    Gone,
    OutOfMemory,
    Ready,
    Run,
    RunMessage,
    Started,
    Stop,
    ToChild,
    WarmFailed,
)
from kd_sandbox.result import RunResult
from kd_sandbox.spec import RunSpec
from kd_sandbox.teacher_config import TeacherConfig

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float], Awaitable[None] | None]
STOP_GRACE_S = 2.0
# How long the child may stay silent while a run waits for its warm-up or its teacher's
# one-time training (a cold cache on a busy machine) before it counts as stuck.
SETUP_LIMIT_S = 300.0


class SandboxError(Exception):
    """A run that produced no result; the message can be shown to the user."""


class RunTimeout(SandboxError):
    """The run took longer than its limit; the child was killed and replaced."""


class WorkerCrashed(SandboxError):
    """The child process died (or failed to start); a fresh one is being started."""


class SetupTimeout(WorkerCrashed):
    """Warming up or training the run's teacher took past ``SETUP_LIMIT_S``; the child
    was replaced. Not the run's fault: the same run can be sent again."""


class RunOutOfMemory(SandboxError):
    """The run needed more memory than the child's cap; the child is fine."""


class RunFailed(SandboxError):
    """The experiment raised an error; the child is fine. ``details`` has the traceback."""

    def __init__(self, details: str) -> None:
        super().__init__("The experiment failed with an internal error.")
        self.details = details


class _Child:
    """One child process and the parent's end of its pipe, read by a thread of its own."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.inbox: asyncio.Queue[RunMessage] = asyncio.Queue()
        self.warm = asyncio.Event()
        self.gone = False
        self.warm_error: str | None = None
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, name="kd-sandbox-reader", daemon=True).start()

    def _read(self) -> None:
        """Whole messages, read blocking, handed to the event loop one by one.

        Not the loop's ``add_reader``: uvloop makes a watched descriptor non-blocking, so a
        result bigger than the pipe holds, read while the child was still writing it,
        failed half-way and was taken for the child's death. The pipe closes here, once
        the child's end is gone (it died or stopped), so no read races a close.
        """
        try:
            while True:
                message = self.conn.recv()
                self._call_in_loop(self._dispatch, message)
        except (EOFError, OSError):
            self._call_in_loop(self._on_gone)
        except Exception:  # a message that cannot be read: the child can no longer be heard
            log.exception("unreadable message from the sandbox child")
            self._call_in_loop(self._on_gone)
        finally:
            self.conn.close()

    def _call_in_loop(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self._loop.call_soon_threadsafe(callback, *args)

    def _dispatch(self, message: FromChild) -> None:
        if isinstance(message, Ready):
            self.warm.set()
        elif isinstance(message, WarmFailed):
            self.warm_error = message.trace
            log.error("sandbox child failed to warm up:\n%s", message.trace)
        else:
            self.inbox.put_nowait(message)

    def _on_gone(self) -> None:
        if self.gone:
            return
        self.gone = True
        self.warm.set()  # wake anyone waiting for warm-up; they check ``gone``
        self.inbox.put_nowait(Gone())

    async def wait_warm(self) -> None:
        await self.warm.wait()
        if self.gone:
            raise WorkerCrashed(self.describe_death())

    def describe_death(self) -> str:
        if self.warm_error is not None:
            return "The sandbox could not start (teacher or data failed to load)."
        self.process.join(0)  # reap without waiting, to learn the exit code if it is known
        code = self.process.exitcode
        detail = f" (exit code {code})" if code is not None else ""
        return f"The sandbox process stopped unexpectedly{detail}."

    def send(self, message: ToChild) -> None:
        self.conn.send(message)

    async def stop(self, grace_s: float) -> None:
        """Ask the child to exit; kill it if it does not within ``grace_s``."""
        if not self.gone:
            with contextlib.suppress(OSError):
                self.send(Stop())
            await asyncio.to_thread(self.process.join, grace_s)
        await self.kill()

    def kill_now(self) -> None:
        """SIGKILL without waiting; the child counts as gone at once."""
        if self.process.is_alive():
            self.process.kill()
        self._on_gone()

    async def kill(self) -> None:
        self.kill_now()
        await asyncio.to_thread(self.process.join, 5.0)


class SandboxWorker:
    """One warm child process that runs ``kd_sandbox.digits.runner.run`` for the bot.

    The child is started with multiprocessing's "spawn" method, which re-imports the
    program's main module in the child: the entry point must sit under
    ``if __name__ == "__main__":`` (console scripts and ``python -m`` packages do).
    Use it from one event loop (the bot's); ``start()`` early so the first user does
    not wait for torch to import.

    Args:
        cache_dir: where teachers are cached (created if missing).
        torch_threads: ``torch.set_num_threads`` in the child; 1 is fastest for the
            small models here and leaves the other cores to the bot.
        teacher: the digits teacher recipe (tests pass a quick one).
        max_memory_mb: address-space cap for the child's runs (set once it is warm); a
            run over it ends in ``RunOutOfMemory``. The warm child holds about 1.2 GB
            of address space (0.5 GB resident) with the LM modes loaded. Not applied
            where CUDA is available, which reserves far more address space than it uses.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        torch_threads: int = 1,
        teacher: TeacherConfig | None = None,
        max_memory_mb: int | None = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._torch_threads = torch_threads
        self._teacher = teacher
        self._max_memory_mb = max_memory_mb
        self._context = multiprocessing.get_context("spawn")
        self._child: _Child | None = None
        self._lock = asyncio.Lock()
        self._run_id = 0
        self._closed = False

    @property
    def child_pid(self) -> int | None:
        """The child's process id, while one is running."""
        if self._child is None or self._child.gone:
            return None
        return self._child.process.pid

    async def start(self) -> None:
        """Start the child if none is running; it warms up in the background."""
        self._ensure_child()

    async def wait_ready(self) -> None:
        """Wait until the child has imported torch and loaded the teacher."""
        await self._ensure_child().wait_warm()

    async def run(
        self,
        spec: RunSpec,
        on_progress: ProgressCallback | None = None,
        timeout_s: float = 60.0,
    ) -> RunResult:
        """Run ``spec`` in the child and return its result.

        ``on_progress`` gets fractions 0..1 (stale ones are skipped if it is slow).
        ``timeout_s`` counts from when the run's teacher is ready: waiting for the
        child's warm-up and a teacher's one-time training count against
        ``SETUP_LIMIT_S`` instead, so a cold start does not time out the first runs
        (and kill the teacher's training, which then starts again at the next run).

        Raises:
            RunTimeout: past ``timeout_s``; the child is replaced.
            SetupTimeout: not ready within ``SETUP_LIMIT_S``; the child is replaced.
            WorkerCrashed: the child died; it is replaced, the next run works.
            RunOutOfMemory: the run went over ``max_memory_mb``; the child keeps serving.
            RunFailed: the experiment raised; the child keeps serving.
        """
        async with self._lock:
            current = self._ensure_child()
            self._run_id += 1
            clock = _RunClock(timeout_s)
            try:
                async with asyncio.timeout(SETUP_LIMIT_S) as clock.deadline:
                    await current.wait_warm()
                    try:
                        current.send(Run(self._run_id, spec))
                    except OSError:  # it died as the run was handed over
                        raise WorkerCrashed(current.describe_death()) from None
                    return await self._collect(current, self._run_id, on_progress, clock)
            except TimeoutError:
                await self._replace(current)
                if clock.started:
                    message = f"The run took longer than {timeout_s:g} s and was stopped."
                    raise RunTimeout(message) from None
                message = f"The sandbox took longer than {SETUP_LIMIT_S:g} s to get ready."
                raise SetupTimeout(message) from None
            except WorkerCrashed:
                await self._replace(current)
                raise
            except asyncio.CancelledError:
                # The caller gave up (e.g. the bot is stopping): free the CPU now; the
                # next run starts a fresh child.
                current.kill_now()
                raise

    async def close(self) -> None:
        """Stop the child (gracefully, then by force); later runs are refused."""
        self._closed = True
        if self._child is not None:
            await self._child.stop(STOP_GRACE_S)
            self._child = None

    def _ensure_child(self) -> _Child:
        if self._closed:
            raise SandboxError("The sandbox is shut down.")
        if self._child is None or self._child.gone:
            self._child = self._launch()
        return self._child

    def _launch(self) -> _Child:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=child.main,
            args=(
                child_end,
                self._cache_dir,
                self._torch_threads,
                self._teacher,
                self._max_memory_mb,
            ),
            name="kd-sandbox",
            daemon=True,
        )
        process.start()
        child_end.close()  # only the child holds it now, so its death reads as EOF here
        return _Child(process, parent_end)

    async def _replace(self, broken: _Child) -> None:
        await broken.kill()
        if self._child is broken and not self._closed:
            self._child = self._launch()

    async def _collect(
        self,
        current: _Child,
        run_id: int,
        on_progress: ProgressCallback | None,
        clock: _RunClock,
    ) -> RunResult:
        while True:
            message = await current.inbox.get()
            if isinstance(message, Gone):
                raise WorkerCrashed(current.describe_death())
            if message.run_id != run_id:
                continue  # left over from an earlier run
            if isinstance(message, Done):
                return message.result
            if isinstance(message, OutOfMemory):
                limit = f" ({self._max_memory_mb} MB)" if self._max_memory_mb else ""
                raise RunOutOfMemory(f"The run needed more memory than the sandbox allows{limit}.")
            if isinstance(message, Failed):
                log.error("sandbox run failed:\n%s", message.trace)
                raise RunFailed(message.trace)
            if isinstance(message, Started):
                clock.start()
                continue
            clock.heard_from_child()
            if on_progress is not None and current.inbox.empty():
                await _notify(on_progress, message.fraction)


class _RunClock:
    """A run's deadline: ``SETUP_LIMIT_S`` of silence until the child says the run
    started, then ``limit_s`` from that moment."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.deadline: asyncio.Timeout | None = None
        self.started = False

    def start(self) -> None:
        self.started = True
        self._move_deadline(self.limit_s)

    def heard_from_child(self) -> None:
        """Before the run starts, progress (a teacher training) moves the setup limit on:
        only a child silent for ``SETUP_LIMIT_S`` counts as stuck, so a slow first training
        is not killed, and thrown away, again at every retry."""
        if not self.started:
            self._move_deadline(SETUP_LIMIT_S)

    def _move_deadline(self, seconds: float) -> None:
        if self.deadline is not None:
            self.deadline.reschedule(asyncio.get_running_loop().time() + seconds)


async def _notify(on_progress: ProgressCallback, fraction: float) -> None:
    """Call the progress callback; its failure must not fail the run."""
    try:
        outcome = on_progress(fraction)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        log.warning("progress callback failed", exc_info=True)
