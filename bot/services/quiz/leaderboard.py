"""A group's weekly leaderboard: one point per correct quiz-poll answer in the group.

The week is the ISO week (Monday to Sunday) in the group's zone, with days starting
at the course's day-start hour, like every other "day" in the bot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.core import day_bounds, streak
from bot.core.journey import chat_zone
from bot.core.today import Today
from bot.services.context import Services
from bot.services.path import ChatRef, chat_of
from bot.storage.models import ActivityDay, Learner, ReviewRecord

TOP = 10


@dataclass(frozen=True)
class Standing:
    rank: int
    learner_id: int
    name: str
    points: int
    streak: int


@dataclass(frozen=True)
class Board:
    """The week's top standings and the caller's own (None without points this week)."""

    monday: date
    top: list[Standing]
    caller: Standing | None


def week_bounds(today: Today) -> tuple[date, datetime, datetime]:
    """Monday of the current week and the instants the week starts and ends."""
    monday = today.day - timedelta(days=today.day.weekday())
    start = day_bounds(monday, today.zone, today.day_start_hour)[0]
    end = day_bounds(monday + timedelta(days=7), today.zone, today.day_start_hour)[0]
    return monday, start, end


def leaderboard(session: Session, chat_id: int, *, caller_id: int, today: Today) -> Board:
    monday, start, end = week_bounds(today)
    points = session.exec(
        select(ReviewRecord.learner_id, func.count())
        .where(
            ReviewRecord.chat_id == chat_id,
            ReviewRecord.source == "group",
            col(ReviewRecord.correct).is_(True),
            col(ReviewRecord.reviewed_at) >= start,
            col(ReviewRecord.reviewed_at) < end,
        )
        .group_by(col(ReviewRecord.learner_id))
    ).all()
    learner_ids = [learner_id for learner_id, _ in points]
    names = {
        learner.id: learner.first_name or f"Learner {learner.id}"
        for learner in session.exec(select(Learner).where(col(Learner.id).in_(learner_ids)))
    }
    streaks = _streaks(session, learner_ids, today.day)
    ordered = sorted(points, key=lambda row: (-row[1], names.get(row[0], ""), row[0]))
    standings: list[Standing] = []
    for position, (learner_id, count) in enumerate(ordered, start=1):
        # Equal points share a rank (1, 2, 2, 4).
        tied = standings and standings[-1].points == count
        rank = standings[-1].rank if tied else position
        name = names.get(learner_id, f"Learner {learner_id}")
        standings.append(Standing(rank, learner_id, name, int(count), streaks[learner_id]))
    caller = next((s for s in standings if s.learner_id == caller_id), None)
    return Board(monday=monday, top=standings[:TOP], caller=caller)


def _streaks(session: Session, learner_ids: list[int], today: date) -> dict[int, int]:
    days: defaultdict[int, list[date]] = defaultdict(list)
    rows = session.exec(
        select(ActivityDay.learner_id, ActivityDay.day).where(
            col(ActivityDay.learner_id).in_(learner_ids)
        )
    )
    for learner_id, day in rows:
        days[learner_id].append(date.fromisoformat(day))
    return {learner_id: streak(days[learner_id], today) for learner_id in learner_ids}


def group_board(
    session: Session, services: Services, group: ChatRef, *, caller_id: int
) -> tuple[Board, str]:
    """/leaderboard: the group's week in its own zone, and the group's title."""
    chat = chat_of(session, group)
    today = Today.at(services.clock(), chat_zone(chat), services.settings.day_start_hour)
    return leaderboard(session, chat.id, caller_id=caller_id, today=today), chat.title or ""
