"""The tables. Created and changed only through Alembic migrations (bot/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Chat(SQLModel, table=True):
    """A private chat or a group that receives the course."""

    __tablename__ = "chats"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)  # private | group | supergroup
    title: str | None = Field(default=None, max_length=256)
    time_zone: str | None = Field(default=None, max_length=64)
    delivery_time: str | None = Field(default=None, max_length=5)  # "HH:MM", local
    next_due_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True, index=True)
    )
    paused: bool = False
    active: bool = True  # False once the bot is blocked or removed
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Learner(SQLModel, table=True):
    """A Telegram user who takes the course (in private, in groups, or both)."""

    __tablename__ = "learners"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=256)
    private_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    desired_retention: float = 0.9
    review_cap: int = 20
    reviews_with_drop: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Delivery(SQLModel, table=True):
    """One drop sent to one chat. The unique key makes a second send impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("chat_id", "path_round", "drop_id", name="uq_delivery_drop"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False)
    )
    drop_id: str = Field(max_length=8)
    path_round: int = 1
    local_day: str = Field(max_length=10)  # ISO date in the chat's zone, day starting at 4 am
    scheduled: bool = True  # False for /next and /today
    sent_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Card(SQLModel, table=True):
    """One learner's FSRS card for one quiz item."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("learner_id", "item_id", name="uq_card_learner_item"),
        Index("ix_cards_due_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    item_id: str = Field(max_length=16)
    state: str = Field(sa_column=Column(Text, nullable=False))  # fsrs Card.to_dict() as JSON
    due_at: datetime = Field(sa_column=_utc_column())


class ReviewLog(SQLModel, table=True):
    """Every answer to a quiz item, kept for statistics and for fitting FSRS parameters."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_learner_time", "learner_id", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    item_id: str = Field(max_length=16)
    rating: int
    correct: bool
    reviewed_at: datetime = Field(sa_column=_utc_column())
    duration_ms: int | None = None
    source: str = Field(max_length=8)  # private | group
