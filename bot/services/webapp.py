"""What the Mini App reads: the learner's runs and the drops they reached. Everything is
looked up by the user id the caller has checked; another user's rows are never found."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.services import journey
from bot.services.context import Services
from bot.services.delivery.chats import reached_drops
from bot.services.path import path_so_far
from bot.storage.kinds import ChatKind
from bot.storage.models import Chat, DistillRun
from drops.model import Drop

RUNS_LISTED = 30


@dataclass(frozen=True)
class RunView:
    id: int
    settings: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    metrics: dict[str, Any]


def _view(run: DistillRun) -> RunView:
    assert run.id is not None
    metrics = json.loads(run.metrics) if run.metrics else {}
    return RunView(run.id, run.settings, run.status, run.created_at, run.finished_at, metrics)


def my_runs(session: Session, user_id: int) -> list[RunView]:
    """The user's latest /distill runs, newest first."""
    runs = session.exec(
        select(DistillRun)
        .where(DistillRun.user_id == user_id)
        .order_by(col(DistillRun.id).desc())
        .limit(RUNS_LISTED)
    ).all()
    return [_view(run) for run in runs]


def my_run(session: Session, user_id: int, run_id: int) -> RunView | None:
    """The run, if it is the user's; None for a missing run and for anyone else's."""
    run = session.get(DistillRun, run_id)
    return None if run is None or run.user_id != user_id else _view(run)


def my_path(session: Session, services: Services, user_id: int) -> tuple[journey.Progress, str]:
    """/progress for the user's private chat: the path so far and when the next drop comes.

    Only read: opening the app is not writing to the bot, so it registers no chat for
    someone who never sent /start, and a chat that blocked the bot stays skipped.
    """
    chat = session.get(Chat, user_id) or Chat(id=user_id, kind=ChatKind.PRIVATE)
    return path_so_far(session, services, chat, user_id)


def reached_drop(session: Session, services: Services, user_id: int, drop_id: str) -> Drop | None:
    """The drop, if the user's private chat has reached it (what /drop allows); else None."""
    if drop_id not in reached_drops(session, user_id):
        return None
    return next((drop for drop in services.course.drops if drop.id == drop_id), None)
