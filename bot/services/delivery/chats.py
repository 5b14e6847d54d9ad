"""Chat bookkeeping the fan-out needs: blocked chats and groups that became supergroups."""

from __future__ import annotations

from sqlalchemy import Engine, update
from sqlmodel import col

from bot.storage.db import session_scope
from bot.storage.models import Chat, Delivery, QuizPoll, QuizQuestion, ReviewLog


def deactivate(engine: Engine, chat_id: int) -> None:
    """The bot was blocked or removed: skip the chat until it writes to us again."""
    with session_scope(engine) as session:
        session.execute(update(Chat).where(col(Chat.id) == chat_id).values(active=False))


def migrate(engine: Engine, old_id: int, new_id: int) -> None:
    """A group became a supergroup: move its row and everything that names it to the new id."""
    with session_scope(engine) as session:
        old = session.get(Chat, old_id)
        if old is None:
            return
        new = session.get(Chat, new_id)
        if new is None:
            data = old.model_dump()
            data.update(id=new_id, kind="supergroup")
            session.add(Chat(**data))
        else:
            for name in ("time_zone", "delivery_time", "next_due_at", "path_round",
                         "current_drop_id", "current_opened", "last_scheduled_day"):  # fmt: skip
                setattr(new, name, getattr(old, name))
            new.active, new.paused = True, old.paused
        session.flush()
        for table in (Delivery, QuizPoll, QuizQuestion, ReviewLog):
            session.execute(
                update(table).where(col(table.chat_id) == old_id).values(chat_id=new_id)
            )
        session.delete(old)
