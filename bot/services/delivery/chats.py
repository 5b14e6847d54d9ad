"""Chat bookkeeping the fan-out needs: blocked chats and groups that became supergroups."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.storage.kinds import ChatKind, RoundStatus
from bot.storage.models import (
    Chat,
    ChatMove,
    Delivery,
    DistillRun,
    QuizPoll,
    QuizQuestion,
    QuizRound,
    ReviewRecord,
    utcnow,
)


def deactivate(session: Session, chat_id: int) -> None:
    """The bot was blocked or removed: skip the chat until it writes to us again."""
    session.execute(update(Chat).where(col(Chat.id) == chat_id).values(active=False))


def reached_drops(session: Session, chat_id: int) -> set[str]:
    """The drops this chat has been sent (and may see again with /drop)."""
    return set(session.exec(select(Delivery.drop_id).where(col(Delivery.chat_id) == chat_id)))


def migrate(session: Session, old_id: int, new_id: int) -> None:
    """A group became a supergroup: its one row ends at the new id with every column of the
    group's, and everything that names the group follows, whichever update came first.

    A row already at the new id (an update from the supergroup came before the news of the
    move) gives way to the group's state; its rows that clash with the group's (a drop, a
    running round) go. Once the group has moved, a row at the old id again is a blank one
    a late update made: the supergroup's state is kept and that row goes.
    """
    # Locked: both service messages (or two instances) may move the group at once; the
    # second waits, then finds nothing to move.
    old = session.get(Chat, old_id, with_for_update=True)
    if old is None:
        return
    new = session.get(Chat, new_id)
    moved_before = session.get(ChatMove, old_id) is not None
    groups_state = new is None or not moved_before
    if new is None:
        new = Chat(id=new_id, kind=ChatKind.SUPERGROUP, title=old.title)
        session.add(new)
        active = old.active
    else:
        active = old.active or new.active  # the supergroup has written to us
    if groups_state:
        for name in Chat.model_fields.keys() - {"id", "kind", "title"}:
            setattr(new, name, getattr(old, name))
        new.title, new.active = new.title or old.title, active
    new.kind = ChatKind.SUPERGROUP
    session.flush()
    kept, dropped = (old_id, new_id) if groups_state else (new_id, old_id)
    _drop_clashing_deliveries(session, kept=kept, dropped=dropped)
    _end_clashing_round(session, kept=kept, dropped=dropped)
    # The group's /distill runs too: its hourly limit counts them (with Celery).
    for table in (Delivery, QuizPoll, QuizQuestion, ReviewRecord, QuizRound, DistillRun):
        session.execute(update(table).where(col(table.chat_id) == old_id).values(chat_id=new_id))
    # A round running in the group goes on in the supergroup.
    session.execute(
        update(QuizRound).where(col(QuizRound.running_in) == old_id).values(running_in=new_id)
    )
    session.delete(old)
    session.merge(ChatMove(old_id=old_id, new_id=new_id, moved_at=utcnow()))
    session.flush()


def _drop_clashing_deliveries(session: Session, *, kept: int, dropped: int) -> None:
    """The ``dropped`` side's deliveries of a drop the ``kept`` side has in the same round:
    one delivery per drop and round is a unique key."""
    other = aliased(Delivery)
    clash = (
        select(other.id)
        .where(col(other.chat_id) == kept)
        .where(col(other.path_round) == col(Delivery.path_round))
        .where(col(other.drop_id) == col(Delivery.drop_id))
        .exists()
    )
    session.execute(delete(Delivery).where(col(Delivery.chat_id) == dropped).where(clash))


def _end_clashing_round(session: Session, *, kept: int, dropped: int) -> None:
    """One running round per group is a unique key: the ``dropped`` side's ends, stopped."""
    running = select(QuizRound.id).where(col(QuizRound.running_in) == kept)
    if session.exec(running).first() is None:
        return
    session.execute(
        update(QuizRound)
        .where(col(QuizRound.running_in) == dropped)
        .values(running_in=None, status=RoundStatus.STOPPED, ended_at=utcnow())
    )
