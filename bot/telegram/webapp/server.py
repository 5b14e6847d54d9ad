"""The Mini App over HTTP: static pages under /app/ and a JSON API under /app/api/.

Every API request carries Telegram's ``initData`` in ``Authorization: tma <initData>``;
the user id comes only from data that passes ``checked_user``, anything else gets 401.
Rows are looked up by that id, so another user's run is simply not found (404).
Every response carries a Content-Security-Policy: scripts from this server and
telegram.org only, no inline script, framed only by Telegram's web clients.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tornado.web

from bot.core.journey import with_next_step
from bot.services.context import Services
from bot.services.distill import SandboxOff, TooSlow
from bot.services.distill_remote import SandboxUnavailable
from bot.services.journey import drop_state
from bot.services.quiz.stats import my_stats
from bot.services.webapp import RunView, my_path, my_run, my_runs, reached_drop
from bot.telegram.transport.health import Route
from bot.telegram.views.distill_settings import too_slow_text
from bot.telegram.views.quiz import stats_due_note, stats_empty
from bot.telegram.webapp.initdata import WebAppUser, checked_user
from bot.telegram.webapp.runs import WebRuns
from drops.explorer import temperature_presets
from kd_sandbox.queue import QueueRefused
from kd_sandbox.spec import SettingsError

STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' https://telegram.org",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self' https://web.telegram.org",
])  # fmt: skip
ASSET_MAX_AGE_S = 3600  # the page itself is revalidated on every load (ETag)


@dataclass(frozen=True)
class WebApp:
    """What the handlers need: the use cases, the runs, and the bot token that signs initData."""

    services: Services
    runs: WebRuns
    bot_token: str
    clock: Callable[[], datetime]


def routes(app: WebApp) -> list[Route]:
    """The Mini App's routes for ``HealthServer``."""
    api = {"app": app}
    return [
        (r"/app/api/path", _PathApi, api),
        (r"/app/api/drops/([0-9]\.[0-9])", _DropApi, api),
        (r"/app/api/stats", _StatsApi, api),
        (r"/app/api/explorer/temperature", _TemperatureApi, api),
        (r"/app/api/runs", _RunsApi, api),
        (r"/app/api/runs/([0-9]{1,9})", _RunApi, api),
        (r"/app/api/.*", _UnknownApi, api),
        (r"/app/(.*)", _StaticFiles, {"path": str(STATIC_DIR), "default_filename": "index.html"}),
    ]


class _StaticFiles(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("X-Content-Type-Options", "nosniff")

    def set_extra_headers(self, path: str) -> None:
        if path.endswith(".html") or path == "":
            self.set_header("Cache-Control", "no-cache")
        else:
            self.set_header("Cache-Control", f"public, max-age={ASSET_MAX_AGE_S}")


class _Api(tornado.web.RequestHandler):
    """Checks initData before any method runs; ``self.user`` is the checked user."""

    def initialize(self, app: WebApp) -> None:
        self.app = app

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")

    def prepare(self) -> None:
        scheme, _, init_data = self.request.headers.get("Authorization", "").partition(" ")
        user = None
        if scheme.lower() == "tma" and init_data:
            user = checked_user(init_data, self.app.bot_token, self.app.clock())
        if user is None:
            self.answer(401, {"error": "Open this page from the bot in Telegram."})
            return
        self.user: WebAppUser = user

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": self._reason}))

    async def transaction(self, work: Callable[..., Any], *args: Any) -> Any:
        return await self.app.services.transaction(work, *args)


class _UnknownApi(_Api):
    def get(self) -> None:
        self.answer(404, {"error": "No such page."})


class _PathApi(_Api):
    async def get(self) -> None:
        services = self.app.services
        progress, when = await self.transaction(my_path, services, self.user.id)
        when = with_next_step(when, private=True)  # the page shows the learner's private chat
        course = services.course
        phases = [
            {
                "number": phase.number,
                "title": phase.title,
                "drops": [
                    {"id": drop.id, "title": drop.title, "state": drop_state(progress, drop.id)}
                    for drop in course.drops_in_phase(phase.number)
                ],
            }
            for phase in course.phases
        ]
        self.answer(200, {
            "phases": phases, "done": len(progress.done), "total": len(course),
            "streak": progress.streak, "next_delivery": when,
        })  # fmt: skip


class _DropApi(_Api):
    async def get(self, drop_id: str) -> None:
        drop = await self.transaction(reached_drop, self.app.services, self.user.id, drop_id)
        if drop is None:
            self.answer(404, {"error": "You have not reached this drop yet."})
            return
        self.answer(200, {"id": drop.id, "title": drop.title, "body": drop.body})


class _StatsApi(_Api):
    async def get(self) -> None:
        services = self.app.services
        stats = await self.transaction(my_stats, services, self.user.id)
        titles = {drop.id: drop.title for drop in services.course.drops}
        weakest = [
            {**asdict(strength), "title": titles.get(strength.drop_id, strength.drop_id)}
            for strength in stats.weakest
        ]
        self.answer(200, {
            **asdict(stats), "weakest": weakest,
            "empty": stats_empty(stats), "due_note": stats_due_note(stats),
        })  # fmt: skip


class _TemperatureApi(_Api):
    def get(self) -> None:
        self.answer(200, {"presets": temperature_presets()})


def _run_json(run: RunView, progress: float | None) -> dict[str, Any]:
    return {**asdict(run), "progress": progress}


class _RunsApi(_Api):
    async def get(self) -> None:
        runs = await self.transaction(my_runs, self.user.id)
        progress = self.app.runs.progress
        self.answer(200, {"runs": [_run_json(run, progress.get(run.id)) for run in runs]})

    async def post(self) -> None:
        try:
            settings = json.loads(self.request.body or b"{}").get("settings", "")
        except (ValueError, AttributeError):
            settings = None
        if not isinstance(settings, str) or len(settings) > 400:
            self.answer(400, {"field": "settings", "error": "Send the settings as text."})
            return
        try:
            run = await self.app.runs.start(self.user.id, settings)
        except SettingsError as error:
            self.answer(422, {"field": "settings", "error": str(error)})
            return
        except TooSlow as refused:
            self.answer(422, {"field": "settings", "error": too_slow_text(refused)})
            return
        except SandboxOff:
            self.answer(503, {"error": "The sandbox is switched off on this server."})
            return
        except SandboxUnavailable:
            self.answer(
                503, {"error": "⚠️ The sandbox is unavailable right now; try again in a minute."}
            )
            return
        except QueueRefused as refused:
            self.answer(429, {"error": str(refused)})
            return
        self.answer(
            201,
            {"id": run.run_id, "ahead": run.ahead_at_submit, "starts_in_s": run.ticket.starts_in_s},
        )


class _RunApi(_Api):
    async def get(self, run_id: str) -> None:
        run = await self.transaction(my_run, self.user.id, int(run_id))
        if run is None:
            self.answer(404, {"error": "No such run."})
            return
        self.answer(200, _run_json(run, self.app.runs.progress.get(run.id)))
