"""Chats and learners: created on first contact, kept up to date cheaply."""

from __future__ import annotations

from sqlmodel import Session

from bot.storage.models import Chat, Learner


def register_chat(session: Session, *, chat_id: int, kind: str, title: str | None) -> Chat:
    """The chat's row, created if new; a chat that writes to us again becomes active again."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, kind=kind, title=title)
        session.add(chat)
    else:
        chat.kind, chat.title, chat.active = kind, title, True
    session.flush()
    return chat


def register_learner(
    session: Session, *, user_id: int, first_name: str, private_chat_id: int | None
) -> Learner:
    learner = session.get(Learner, user_id)
    if learner is None:
        learner = Learner(id=user_id, first_name=first_name[:256], private_chat_id=private_chat_id)
        session.add(learner)
    else:
        learner.first_name = first_name[:256]
        if private_chat_id is not None:
            learner.private_chat_id = private_chat_id
    session.flush()
    return learner
