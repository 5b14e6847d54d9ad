"""/distill runs started from the Mini App: the same parser, limits, queue and records as
the command (``DistillService``); their progress is kept here for the page to poll."""

from __future__ import annotations

import asyncio
import logging

from bot.services.distill import DistillService, QueuedRun
from bot.telegram.views.distill_settings import spaced_equals_hint
from kd_sandbox.spec import SettingsError, parse_settings
from kd_sandbox.worker import SandboxError

log = logging.getLogger(__name__)


class WebRuns:
    """Starts runs for checked users and remembers each running one's progress (0..1)."""

    def __init__(self, distill: DistillService) -> None:
        self.distill = distill
        self.progress: dict[int, float] = {}
        self._watching: set[asyncio.Task[None]] = set()

    async def start(self, user_id: int, settings: str) -> QueuedRun:
        """Parse ``settings`` as /distill does and queue the run in the user's private chat.

        Raises ``SettingsError``, ``TooSlow``, ``SandboxOff``, ``SandboxUnavailable`` or
        ``QueueRefused`` as the command meets them.
        """
        hint = spaced_equals_hint(settings)
        if hint is not None:
            raise SettingsError(hint)
        spec = parse_settings(settings)
        progress = _Progress(self.progress)
        run = await self.distill.submit(
            spec, user_id=user_id, chat_id=user_id, in_group=False, on_progress=progress.report
        )
        progress.attach(run.run_id)
        task = asyncio.create_task(self._finish(run), name=f"web run {run.run_id}")
        self._watching.add(task)
        task.add_done_callback(self._watching.discard)
        return run

    async def _finish(self, run: QueuedRun) -> None:
        """Wait for the run; ``DistillService.outcome`` stores how it ended and its metrics."""
        try:
            await self.distill.outcome(run)
        except SandboxError as error:
            log.info("a Mini App run ended without a result: %s", type(error).__name__)
        finally:
            self.progress.pop(run.run_id, None)

    async def close(self) -> None:
        for task in list(self._watching):
            task.cancel()
        await asyncio.gather(*self._watching, return_exceptions=True)


class _Progress:
    """A run's progress, kept under its id once the run has one (the worker may report
    before ``submit`` returns it)."""

    def __init__(self, shared: dict[int, float]) -> None:
        self.shared, self.fraction, self.run_id = shared, 0.0, -1

    async def report(self, fraction: float) -> None:
        self.fraction = fraction
        if self.run_id >= 0:
            self.shared[self.run_id] = fraction

    def attach(self, run_id: int) -> None:
        self.run_id = run_id
        self.shared[run_id] = self.fraction
