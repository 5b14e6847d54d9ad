"""The tables. Created and changed only through Alembic migrations (bot/storage/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.kinds import DeliveryStatus, RoundStarters
from bot.storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Chat(SQLModel, table=True):
    """A private chat or a group that receives the course."""

    __tablename__ = "chats"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)  # ChatKind
    title: str | None = Field(default=None, max_length=256)
    time_zone: str | None = Field(default=None, max_length=64)
    delivery_time: str | None = Field(default=None, max_length=5)  # "HH:MM", local
    next_due_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True, index=True)
    )
    paused: bool = False
    active: bool = True  # False once the bot is blocked or removed
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    # The learner's journey through the path (see bot/services/delivery).
    path_round: int = 1  # /restart starts a new round; deliveries are unique per round
    current_drop_id: str | None = Field(default=None, max_length=8)
    current_opened: bool = False  # the latest drop was opened ("Done", a quiz answer, /today)
    reminded: bool = False  # the one reminder for the current unopened drop went out
    silent_days: int = 0  # scheduled days in a row without the drop opened or the learner active
    last_scheduled_day: str | None = Field(default=None, max_length=10)
    awaiting: str | None = Field(default=None, max_length=16)  # typed input the chat owes us
    awaiting_since: datetime | None = Field(  # when we asked: the wait lapses (schedule.py)
        default=None, sa_column=_utc_column(nullable=True)
    )
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # Group settings (an administrator's /settings in the group).
    round_starters: str = Field(default=RoundStarters.ANYONE, max_length=8)  # RoundStarters


class ChatMove(SQLModel, table=True):
    """A group that became a supergroup: its row moved from ``old_id`` to ``new_id``. A late
    update from the old id (Telegram's "migrated to" message, after a restart) makes a
    blank row there again; a move asked for then keeps the supergroup's state."""

    __tablename__ = "chat_moves"

    old_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    new_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    moved_at: datetime = Field(sa_column=_utc_column())


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
        Index("ix_deliveries_status", "status"),
        {"sqlite_autoincrement": True},  # an id is given once (see review_logs)
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
    # The outbox: a claimed delivery is sent part by part; "sending" marks a part in flight.
    status: str = Field(default=DeliveryStatus.SENT, max_length=8)  # DeliveryStatus
    parts_sent: int = 0
    # Cards of the drop released to the chat: the first at delivery, one more per Continue.
    cards_open: int = 1
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The process that claimed it last ("token:INSTANCE_NAME", bot/storage/instance_lock.py);
    # NULL: not known, or a process that could not vouch for being its name's only one.
    holder: str | None = Field(default=None, max_length=64)
    completed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class LearnerCard(SQLModel, table=True):
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


class ReviewRecord(SQLModel, table=True):
    """Every answer to a quiz item, kept for statistics and for fitting FSRS parameters."""

    __tablename__ = "review_logs"
    __table_args__ = (
        Index("ix_review_logs_learner_time", "learner_id", "reviewed_at"),
        Index("ix_review_logs_chat_time", "chat_id", "reviewed_at"),  # group leaderboards
        # A member's answer to a poll is logged once, however many instances handle it.
        Index("uq_review_logs_learner_poll", "learner_id", "poll_id", unique=True),
        # An id is never given twice, on SQLite too (it reused the highest after an undo or
        # /forget): a quiz summary on its way is kept only while its answer's log exists.
        # The same holds for every table whose ids leave the database (buttons, tasks).
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    item_id: str = Field(max_length=16)
    rating: int
    correct: bool
    reviewed_at: datetime = Field(sa_column=_utc_column())
    duration_ms: int | None = None
    source: str = Field(max_length=8)  # AnswerSource
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The group quiz poll answered, so one poll counts a member's answer once (a group's
    # daily poll and a round's may ask the same item); None for an answer by button.
    poll_id: str | None = Field(default=None, max_length=64)
    # The card as it was before this answer, so "undo last answer" can restore it.
    previous_state: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ActivityDay(SQLModel, table=True):
    """A local day (4 am boundary) on which a learner completed a drop or reviewed: streaks."""

    __tablename__ = "activity_days"
    __table_args__ = (UniqueConstraint("learner_id", "day", name="uq_activity_day"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    day: str = Field(max_length=10)  # ISO date


class QuizQuestion(SQLModel, table=True):
    """A quiz item sent as inline buttons; callback data names this row, never the card."""

    __tablename__ = "quiz_questions"
    __table_args__ = (
        Index("ix_quiz_questions_learner_sent", "learner_id", "sent_at"),
        # An answer button carries its question's id: a question withdrawn (a new review
        # session, an undo) must not pass its id on to the next one, or an old button
        # answers the new question.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int | None = None
    item_id: str = Field(max_length=16)
    kind: str = Field(max_length=8)  # QuestionKind
    sent_at: datetime = Field(sa_column=_utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    chosen: int | None = None
    correct: bool | None = None
    review_log_id: int | None = None
    # The quiz summary this answer's quiz closed with: an undo takes it back.
    summary_message_id: int | None = None
    # When an instance took the question, recorded and never sent (its bot stopped), to
    # send it again: the others leave it alone until this is a delivery lease old.
    resent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The process that recorded it, or took it to send it again (as Delivery.holder). Once
    # that process is gone, another of its INSTANCE_NAME sends it again at once.
    holder: str | None = Field(default=None, max_length=64)


class QuizPoll(SQLModel, table=True):
    """A Telegram quiz poll the bot sent into a group, so answers map back to an item."""

    __tablename__ = "quiz_polls"

    poll_id: str = Field(primary_key=True, max_length=64)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int | None = None
    item_id: str = Field(max_length=16)
    correct_option: int
    sent_at: datetime = Field(sa_column=_utc_column())


class SrsParameters(SQLModel, table=True):
    """Course-wide FSRS parameters fitted from all learners' review logs."""

    __tablename__ = "srs_parameters"

    id: int | None = Field(default=None, primary_key=True)
    parameters: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of floats
    fitted_at: datetime = Field(sa_column=_utc_column())
    reviews_used: int
    log_loss_before: float
    log_loss_after: float


class PlanConversation(SQLModel, table=True):
    """A /plan conversation in progress, kept so a restart resumes where it was."""

    __tablename__ = "plan_conversations"

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
        )
    )
    conversation_id: int = 1  # increases with each new conversation; old buttons name an old one
    step: str = Field(max_length=32)
    answers: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    updated_at: datetime = Field(sa_column=_utc_column())


class SavedPlan(SQLModel, table=True):
    """A finished distillation plan (/plans lists them and sends any again)."""

    __tablename__ = "plans"
    __table_args__ = ({"sqlite_autoincrement": True},)  # /plans buttons carry the id

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    title: str = Field(max_length=120)
    profile: str = Field(sa_column=Column(Text, nullable=False))  # JSON answers
    document: str = Field(sa_column=Column(Text, nullable=False))  # Markdown
    created_at: datetime = Field(sa_column=_utc_column())


class DistillRun(SQLModel, table=True):
    """A /distill request, so a crash mid-run can tell the user and the queue recovers."""

    __tablename__ = "distill_runs"
    __table_args__ = (
        Index("ix_distill_runs_status", "status"),
        {"sqlite_autoincrement": True},  # a withdrawn run's id must not name the next run
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    settings: str = Field(max_length=400)
    status: str = Field(max_length=12)  # RunStatus
    status_message_id: int | None = None
    created_at: datetime = Field(sa_column=_utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    metrics: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    # The process running it and until when it vouches for it: its mark, ``token:name``
    # or ``token/name`` (``bot.storage.instance_lock.Owner``; at most 64 characters), or
    # the bare INSTANCE_NAME in rows recorded before marks were.
    owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # When the asker of a run interrupted by a stop was told; NULL while they are owed it
    # (the run's owner, under its lease, tells them, or its next start if it is killed).
    told_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class QuizRound(SQLModel, table=True):
    """A timed quiz round in a group (/quiz): its questions and answers hang off it."""

    __tablename__ = "quiz_rounds"
    __table_args__ = (Index("ix_quiz_rounds_chat_ended", "chat_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # The chat's id while the round runs, NULL after: one running round per group, kept by
    # the database even when two updates or two instances start one at once.
    running_in: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, unique=True)
    )
    started_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    open_period_s: int
    status: str = Field(max_length=12)  # RoundStatus
    started_at: datetime = Field(sa_column=_utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    winner_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class RoundQuestion(SQLModel, table=True):
    """One question of a round, chosen when the round starts and sent in ``position`` order."""

    __tablename__ = "round_questions"
    __table_args__ = (UniqueConstraint("round_id", "position", name="uq_round_position"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="quiz_rounds.id", ondelete="CASCADE")
    position: int  # from 1
    item_id: str = Field(max_length=16)
    poll_id: str | None = Field(default=None, max_length=64, unique=True)
    message_id: int | None = None
    # When an instance took the question to send its poll: the others leave it alone until
    # this is a delivery lease old (the poll may be on its way), then take it over.
    asking_since: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The process that took it (as Delivery.holder).
    holder: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    closes_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class RoundAnswer(SQLModel, table=True):
    """A member's answer to a round's question while its poll was open: the ranking's input."""

    __tablename__ = "round_answers"
    __table_args__ = (UniqueConstraint("question_id", "learner_id", name="uq_round_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="round_questions.id", ondelete="CASCADE")
    learner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)
    )
    correct: bool
    answer_ms: int  # from the poll's sending to the answer's arrival


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for Core statements on the hot paths: a row read as a plain
    tuple and a write as one statement skip the ORM's identity map and flush, which
    cost several times the statement itself."""
    table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel for table models
    assert isinstance(table, Table)
    return table
