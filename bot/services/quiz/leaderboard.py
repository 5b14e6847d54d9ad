"""A group's leaderboards: one point per correct quiz-poll answer in the group (today,
this week or ever), or one per quiz round won.

The week is the ISO week (Monday to Sunday) in the group's zone, with days starting
at the course's day-start hour, like every other "day" in the bot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.core import day_bounds, local_day, streak
from bot.core.boards import BoardKind
from bot.core.journey import chat_zone
from bot.core.today import Today
from bot.services.context import Services
from bot.services.learner_zones import learner_zones
from bot.services.path import ChatRef, chat_of
from bot.storage.models import ActivityDay, Learner, QuizRound, ReviewRecord

TOP = 10
AHEAD_ASKED = 20  # a caller far below the top: the rank may count a few who left


@dataclass(frozen=True)
class Standing:
    rank: int
    learner_id: int
    name: str
    points: int
    streak: int


@dataclass(frozen=True)
class Board:
    """The top standings and the caller's own (None without points on this board)."""

    kind: BoardKind
    since: date | None  # the first day counted (None: ever)
    top: list[Standing]
    caller: Standing | None
    # Below the top, those ranked ahead of the caller (at most ``AHEAD_ASKED``): whether
    # they are still in the group decides the caller's rank too.
    ahead_of_caller: list[int] = field(default_factory=list)


def week_bounds(today: Today) -> tuple[date, datetime, datetime]:
    """Monday of the current week and the instants the week starts and ends."""
    monday = today.day - timedelta(days=today.day.weekday())
    start = day_bounds(monday, today.zone, today.day_start_hour)[0]
    end = day_bounds(monday + timedelta(days=7), today.zone, today.day_start_hour)[0]
    return monday, start, end


def leaderboard(
    session: Session, chat_id: int, *, caller_id: int, today: Today, default_zone: str,
    kind: BoardKind = BoardKind.WEEK, gone: frozenset[int] = frozenset(),
) -> Board:  # fmt: skip
    """Right poll answers in the group today, this week or ever; or rounds won, ever.

    ``today`` is the group's; each member's streak counts in their own zone (as /stats
    does), ``default_zone`` for a member without a private chat. Members in ``gone``
    (who left the group) are not ranked.
    """
    if kind == BoardKind.ROUNDS:
        query = select(QuizRound.winner_id, func.count()).where(
            QuizRound.chat_id == chat_id, col(QuizRound.winner_id).is_not(None)
        )
        points = session.exec(query.group_by(col(QuizRound.winner_id))).all()
        return _board(session, kind, None, points, caller_id, today, default_zone, gone)
    query = select(ReviewRecord.learner_id, func.count()).where(
        ReviewRecord.chat_id == chat_id,
        ReviewRecord.source == "group",
        col(ReviewRecord.correct).is_(True),
    )
    since: date | None = None
    if kind != BoardKind.ALL:
        since, start, end = week_bounds(today) if kind == BoardKind.WEEK else today_bounds(today)
        query = query.where(
            col(ReviewRecord.reviewed_at) >= start, col(ReviewRecord.reviewed_at) < end
        )
    points = session.exec(query.group_by(col(ReviewRecord.learner_id))).all()
    return _board(session, kind, since, points, caller_id, today, default_zone, gone)


def today_bounds(today: Today) -> tuple[date, datetime, datetime]:
    return today.day, today.start, today.end


def _board(
    session: Session,
    kind: BoardKind,
    since: date | None,
    points: Sequence[tuple[int | None, int]],
    caller_id: int,
    today: Today,
    default_zone: str,
    gone: frozenset[int],
) -> Board:
    counted = [
        (learner_id, count)
        for learner_id, count in points
        if learner_id is not None and learner_id not in gone
    ]
    learner_ids = [learner_id for learner_id, _ in counted]
    names = {
        learner.id: learner.first_name or f"Learner {learner.id}"
        for learner in session.exec(select(Learner).where(col(Learner.id).in_(learner_ids)))
    }
    streaks = _streaks(session, learner_ids, today, default_zone)
    ordered = sorted(counted, key=lambda row: (-row[1], names.get(row[0], ""), row[0]))
    standings: list[Standing] = []
    for position, (learner_id, count) in enumerate(ordered, start=1):
        # Equal points share a rank (1, 2, 2, 4).
        tied = standings and standings[-1].points == count
        rank = standings[-1].rank if tied else position
        name = names.get(learner_id, f"Learner {learner_id}")
        standings.append(Standing(rank, learner_id, name, int(count), streaks[learner_id]))
    caller = next((s for s in standings if s.learner_id == caller_id), None)
    below_top = standings[TOP:]
    ahead = [s.learner_id for s in below_top if caller is not None and s.rank < caller.rank]
    return Board(
        kind=kind, since=since, top=standings[:TOP], caller=caller,
        ahead_of_caller=ahead[:AHEAD_ASKED],
    )  # fmt: skip


def _streaks(
    session: Session, learner_ids: list[int], today: Today, default_zone: str
) -> dict[int, int]:
    """Each learner's streak on their own day: their activity days are in their own zone."""
    zones = learner_zones(session, learner_ids, default_zone)
    days: defaultdict[int, list[date]] = defaultdict(list)
    rows = session.exec(
        select(ActivityDay.learner_id, ActivityDay.day).where(
            col(ActivityDay.learner_id).in_(learner_ids)
        )
    )
    for learner_id, day in rows:
        days[learner_id].append(date.fromisoformat(day))
    return {
        learner_id: streak(
            days[learner_id], local_day(today.now, zones[learner_id], today.day_start_hour)
        )
        for learner_id in learner_ids
    }


def group_board(
    session: Session, services: Services, group: ChatRef, *, caller_id: int,
    kind: BoardKind = BoardKind.WEEK, gone: frozenset[int] = frozenset(),
) -> tuple[Board, str]:  # fmt: skip
    """/leaderboard: the group's board in its own zone, and the group's title; members in
    ``gone`` (who left) are not ranked."""
    chat = chat_of(session, group)
    today = Today.at(services.clock(), chat_zone(chat), services.settings.day_start_hour)
    board = leaderboard(
        session, chat.id, caller_id=caller_id, today=today,
        default_zone=services.settings.default_time_zone, kind=kind, gone=gone,
    )  # fmt: skip
    return board, chat.title or ""
