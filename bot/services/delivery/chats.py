"""Chat bookkeeping the fan-out needs: blocked chats and groups that became supergroups."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage.kinds import ChatKind
from bot.storage.models import (
    Chat,
    Delivery,
    DistillRun,
    QuizPoll,
    QuizQuestion,
    QuizRound,
    ReviewRecord,
)


def deactivate(session: Session, chat_id: int) -> None:
    """The bot was blocked or removed: skip the chat until it writes to us again."""
    session.execute(update(Chat).where(col(Chat.id) == chat_id).values(active=False))


def reached_drops(session: Session, chat_id: int) -> set[str]:
    """The drops this chat has been sent (and may see again with /drop)."""
    return set(session.exec(select(Delivery.drop_id).where(col(Delivery.chat_id) == chat_id)))


def migrate(session: Session, old_id: int, new_id: int) -> None:
    """A group became a supergroup: move its row and everything that names it to the new id."""
    old = session.get(Chat, old_id)
    if old is None:
        return
    new = session.get(Chat, new_id)
    if new is None:
        data = old.model_dump()
        data.update(id=new_id, kind=ChatKind.SUPERGROUP)
        session.add(Chat(**data))
    else:
        for name in ("time_zone", "delivery_time", "next_due_at", "path_round",
                     "current_drop_id", "current_opened", "last_scheduled_day",
                     "round_starters"):  # fmt: skip
            setattr(new, name, getattr(old, name))
        new.active, new.paused = True, old.paused
    session.flush()
    # The group's /distill runs too: its hourly limit counts them (with Celery).
    for table in (Delivery, QuizPoll, QuizQuestion, ReviewRecord, QuizRound, DistillRun):
        session.execute(update(table).where(col(table.chat_id) == old_id).values(chat_id=new_id))
    # A round running in the group goes on in the supergroup.
    session.execute(
        update(QuizRound).where(col(QuizRound.running_in) == old_id).values(running_in=new_id)
    )
    session.delete(old)
