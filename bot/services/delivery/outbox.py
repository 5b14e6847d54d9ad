"""The outbox: deliveries claimed in the database before anything is sent.

A drop is sent part by part. Before a part goes out its delivery is marked ``sending``;
after Telegram accepts it, ``parts_sent`` moves on. A crash leaves the row ``claimed``
(nothing in flight: resume) or ``sending`` (one part in flight: assume it arrived, since
Telegram has no idempotency key and a duplicate is worse than a missing part that
/today restores). The unique key (chat, round, drop) makes a second delivery of the same
drop impossible, whoever tries.

A drop is read in cards (``drops.render.render_cards``). A private chat gets the first
card; the row then waits as ``reading`` until a Continue press opens the next one
(``open_card``: ``cards_open`` moves on by exactly one, and the row is claimed again under
a lease), so the next card goes out through the same outbox: a repeated press opens
nothing, and a crash mid-card is resumed by ``reclaim_stale`` like any delivery.

A delivery is held under a lease. Whoever holds it writes only while the lease is still
the one it was given (``lease_until`` doubles as a fencing token): once another instance
has taken an expired lease over, the first one's writes match no row, and it stops
instead of sending the same parts a second time.

A claim also records the process holding it (``holder``, see
``bot.storage.instance_lock``; NULL when it could not vouch for being the only process of
its name, and on rows claimed before holders were recorded). A process holding its
name's lock knows the claims of that name by another process to be a dead one's (killed
mid-send) and takes them over at once; a peer's, or one of no holder, wait for their lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.instance_lock import TOKEN_CHARS, Claimant
from bot.storage.kinds import DeliveryStatus
from bot.storage.models import Chat, Delivery

ALL_CARDS = 99  # a group gets every card at once: nobody presses Continue for the others


@dataclass(frozen=True)
class Work:
    """A claimed delivery to send, from part ``parts_sent`` on, under the lease ``lease_until``."""

    delivery_id: int
    chat_id: int
    chat_kind: str
    drop_id: str
    path_round: int
    parts_sent: int
    lease_until: datetime
    cards_open: int = 1  # cards released so far; the sender stops at the end of these


def claim_delivery(
    session: Session,
    chat: Chat,
    drop_id: str,
    *,
    local_day: str,
    scheduled: bool,
    now: datetime,
    lease: timedelta,
    holder: str | None,
) -> Work | None:
    """Record that ``drop_id`` goes to ``chat``, claimed by the instance ``holder``; None if
    it was delivered in this round."""
    delivery = Delivery(
        chat_id=chat.id,
        cards_open=1 if chat.kind == "private" else ALL_CARDS,
        drop_id=drop_id,
        path_round=chat.path_round,
        local_day=local_day,
        scheduled=scheduled,
        sent_at=now,
        status=DeliveryStatus.CLAIMED,
        lease_until=now + lease,
        holder=holder,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        return None
    assert delivery.id is not None
    return Work(
        delivery.id, chat.id, chat.kind, drop_id, chat.path_round, 0, now + lease,
        delivery.cards_open,
    )  # fmt: skip


def reclaim_stale(
    session: Session,
    now: datetime,
    lease: timedelta,
    *,
    claimant: Claimant,
    limit: int = 500,
) -> list[Work]:
    """Deliveries whose sender died: take them over for ``claimant`` and resume.

    A sender has died when its lease ran out, or when it was a process of ``claimant``'s
    name that is gone (``Claimant.is_dead``: this process holds the name's lock). The
    lease is given anew (``now + lease``), so a sender whose lease ran out finds its
    writes match no row; a dead one writes nothing.
    """
    stopped = col(Delivery.lease_until) < now
    if claimant.heir_of is not None:
        held_by = col(Delivery.holder)
        dead = and_(
            func.substr(held_by, TOKEN_CHARS + 1, 1) == ":",
            func.substr(held_by, TOKEN_CHARS + 2) == claimant.heir_of,
            held_by != claimant.holder,
        )
        stopped = or_(stopped, dead)
    works: list[Work] = []
    rows = session.exec(
        select(Delivery, Chat)
        .join(Chat, col(Chat.id) == col(Delivery.chat_id))
        .where(col(Delivery.status).in_((DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)))
        .where(stopped)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for delivery, chat in rows:
        if delivery.status == DeliveryStatus.SENDING:
            delivery.parts_sent += 1
        delivery.status = DeliveryStatus.CLAIMED
        delivery.lease_until = now + lease
        delivery.holder = claimant.holder
        if not chat.active:
            delivery.status = DeliveryStatus.FAILED
            continue
        assert delivery.id is not None
        works.append(
            Work(
                delivery.id,
                chat.id,
                chat.kind,
                delivery.drop_id,
                delivery.path_round,
                delivery.parts_sent,
                now + lease,
                delivery.cards_open,
            )
        )
    return works


def resend_current(session: Session, chat: Chat) -> None:
    """The chat's current drop, if its delivery failed, goes out again from the part that
    failed: its lease is made one that has run out, so the next tick's ``reclaim_stale``
    resumes it (the same row: nothing is sent twice)."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.chat_id) == chat.id)
        .where(col(Delivery.path_round) == chat.path_round)
        .where(col(Delivery.drop_id) == chat.current_drop_id)
        .where(col(Delivery.status) == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.CLAIMED, lease_until=col(Delivery.sent_at))
    )


def mark_sending(
    session: Session, delivery_id: int, *, held: datetime, lease_until: datetime
) -> bool:
    """A part is about to leave; the lease moves on to ``lease_until``. False: not ours."""
    return _set(session, delivery_id, held, status=DeliveryStatus.SENDING, lease_until=lease_until)


def mark_part_sent(
    session: Session,
    delivery_id: int,
    parts_sent: int,
    *,
    held: datetime,
    last: bool,
    card_end: bool = False,
) -> bool:
    """A part is out; ``last``: the drop's last, ``card_end``: the last of the open cards."""
    status = (
        DeliveryStatus.SENT
        if last
        else DeliveryStatus.READING
        if card_end
        else DeliveryStatus.CLAIMED
    )
    return _set(session, delivery_id, held, status=status, parts_sent=parts_sent)


class CardRefusal(StrEnum):
    """Why a Continue press opens nothing."""

    UNKNOWN = "unknown"  # no such delivery in this chat, or a card it never offered
    ALREADY_OPEN = "already open"  # a repeated press: the card is in the chat already
    BUSY = "busy"  # the previous card is still on its way


def open_card(
    session: Session,
    chat_id: int,
    *,
    path_round: int,
    drop_id: str,
    card: int,
    cards: int,
    now: datetime,
    lease: timedelta,
    holder: str | None,
) -> Work | CardRefusal:
    """Open card ``card`` (1-based, of ``cards``) of a delivered drop, once.

    The update is a compare-and-set on ``cards_open`` and the ``reading`` status, so two
    presses at once open the card once; the delivery is claimed under a fresh lease, and
    the sender (or, after a crash, ``reclaim_stale``) sends it."""
    delivery = session.exec(
        select(Delivery).where(
            col(Delivery.chat_id) == chat_id,
            col(Delivery.path_round) == path_round,
            col(Delivery.drop_id) == drop_id,
        )
    ).first()
    if delivery is None or delivery.id is None or not 2 <= card <= cards:
        return CardRefusal.UNKNOWN
    if card <= delivery.cards_open:
        return CardRefusal.ALREADY_OPEN
    if card > delivery.cards_open + 1:
        return CardRefusal.UNKNOWN
    if delivery.status in (DeliveryStatus.CLAIMED, DeliveryStatus.SENDING):
        return CardRefusal.BUSY
    if delivery.status != DeliveryStatus.READING:
        return CardRefusal.UNKNOWN
    lease_until = now + lease
    opened = session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id)
        .where(col(Delivery.cards_open) == card - 1)
        .where(col(Delivery.status) == DeliveryStatus.READING)
        .values(
            cards_open=card, status=DeliveryStatus.CLAIMED, lease_until=lease_until, holder=holder
        )
    )
    if opened.rowcount != 1:  # type: ignore[attr-defined]
        return CardRefusal.ALREADY_OPEN
    chat = session.get(Chat, chat_id)
    kind = chat.kind if chat is not None else "private"
    return Work(
        delivery.id, chat_id, kind, drop_id, path_round, delivery.parts_sent, lease_until,
        card,
    )  # fmt: skip


def mark_failed(session: Session, delivery_id: int, *, held: datetime) -> bool:
    return _set(session, delivery_id, held, status=DeliveryStatus.FAILED)


def release(session: Session, delivery_id: int, *, held: datetime, retry_at: datetime) -> bool:
    """Give the delivery back (a send that failed for now); a later tick resumes it."""
    return _set(session, delivery_id, held, status=DeliveryStatus.CLAIMED, lease_until=retry_at)


def _set(session: Session, delivery_id: int, held: datetime, **values: object) -> bool:
    """Update the delivery if its lease is still ``held``; True if it was."""
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .where(col(Delivery.lease_until) == held)
        .values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
