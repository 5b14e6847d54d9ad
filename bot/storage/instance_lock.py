"""Which process runs under an ``INSTANCE_NAME``, and how its claims are marked.

A claim (a delivery, a quiz question, a round's poll) is taken over at once only from a
process that is provably gone; otherwise it waits for its lease, since the process may
still be sending it. Being gone is proven by a lock that only a living process holds:

* PostgreSQL: a session advisory lock on a connection kept open for the process's life;
  the server lets go of it as soon as the process dies and its connection closes.
* SQLite: an ``flock`` on a file beside the database; the kernel lets go of it as soon as
  the process dies.
* An in-memory database is this process's alone.

At most one process holds a name's lock. It marks its claims ``token:name`` (its own
random token); a process that cannot get the lock (the old one of a rolling deploy still
drains, or a second process was given the same name) marks them with no holder, so no
one takes them for a dead process's. A process holding the lock knows every other
``token:name`` claim to be a dead process's: the one that marked it held the lock then,
and has let go of it since.

A row a process owns for its whole life, renewing its lease (a /distill run), is marked
the same way (``Owner``): ``token:name`` while the process holds its name, else
``token/name`` (its own still, renewed and finished by it, but never taken for a dead
process's). Rows written before these marks carry the bare name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import threading
import zlib
from dataclasses import dataclass
from typing import IO

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    SQLColumnExpression,
    and_,
    false,
    func,
    text,
)

log = logging.getLogger(__name__)

TOKEN_CHARS = 12
HOLDER_CHARS = 64  # the holder columns' width
_NAME_CHARS = HOLDER_CHARS - TOKEN_CHARS - 1
_LOCK_SPACE = 0x4B44  # the advisory locks' first key: "KD", this bot's instance names
_HELD_HERE = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = :space AND objid = :key AND objsubid = 2)"
)
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:space, :key)")


def name_part(name: str) -> str:
    """``name`` as claims carry it: itself, or when too long a prefix and a digest."""
    if len(name) <= _NAME_CHARS:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return name[: _NAME_CHARS - len(digest)] + digest


@dataclass(frozen=True)
class Claimant:
    """How this process marks its claims, and whose it takes over at once.

    Attributes:
        holder: Written on its claims; None while it cannot vouch for being the only
            process of its name (they then wait for their lease, like a peer's).
        heir_of: Its name, as claims carry it, while it holds the name's lock: another
            process's claims of that name are a dead one's. None otherwise.
    """

    holder: str | None = None
    heir_of: str | None = None

    def is_dead(self, held_by: str | None) -> bool:
        """A claim marked ``held_by`` was made by a process of this name that is gone."""
        return (
            self.heir_of is not None
            and held_by is not None
            and held_by != self.holder
            and len(held_by) > TOKEN_CHARS
            and held_by[TOKEN_CHARS] == ":"
            and held_by[TOKEN_CHARS + 1 :] == self.heir_of
        )


NO_CLAIMANT = Claimant()


def held_by_the_dead(
    column: SQLColumnExpression[str | None], claimant: Claimant
) -> ColumnElement[bool]:
    """SQL: ``column`` names a process of ``claimant``'s name that is gone (as
    ``Claimant.is_dead``); never true while ``claimant`` does not hold its name."""
    if claimant.heir_of is None:
        return false()
    return and_(
        func.substr(column, TOKEN_CHARS + 1, 1) == ":",
        func.substr(column, TOKEN_CHARS + 2) == claimant.heir_of,
        column != claimant.holder,
    )


@dataclass(frozen=True)
class Owner:
    """How a process names the rows it owns for its whole life (see the module's docstring).

    Attributes:
        name: Its ``INSTANCE_NAME``, as rows written before marks carry it.
        token: Its own random token.
        claimant: Whose claims and rows of its name are a dead process's.
    """

    name: str
    token: str
    claimant: Claimant

    @classmethod
    def of(cls, name: str, token: str, *, held: bool) -> Owner:
        """The process of ``name`` and ``token``, holding the name's lock or not."""
        part = name_part(name)
        return cls(name, token, Claimant(f"{token}:{part}", part) if held else NO_CLAIMANT)

    @property
    def mark(self) -> str:
        """Written on the rows it records or takes now."""
        return self.claimant.holder or f"{self.token}/{name_part(self.name)}"

    @property
    def marks(self) -> tuple[str, str]:
        """Every mark it may have written (it may take its name after recording a row):
        the rows it renews and finishes."""
        part = name_part(self.name)
        return f"{self.token}:{part}", f"{self.token}/{part}"


class InstanceLock:
    """This process's hold on its name (see the module's docstring); thread-safe."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self.token = secrets.token_hex(TOKEN_CHARS // 2)
        self._engine = engine
        self._mutex = threading.Lock()
        self._connection: Connection | None = None
        self._file: IO[bytes] | None = None
        self._held = False

    @property
    def claimant(self) -> Claimant:
        return self.owner.claimant

    @property
    def owner(self) -> Owner:
        return Owner.of(self.name, self.token, held=self._held)

    def try_hold(self) -> bool:
        """Hold the name's lock if it is free (never waits); True while held. A held
        PostgreSQL lock is checked still to be there (its connection may have dropped)."""
        with self._mutex:
            try:
                self._held = self._hold()
            except Exception:
                log.warning("could not take the lock of INSTANCE_NAME %r", self.name,
                            exc_info=True)  # fmt: skip
                self._let_go()
            return self._held

    def release(self) -> None:
        with self._mutex:
            self._let_go()

    def _hold(self) -> bool:
        url = self._engine.url
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                return True
            return self._hold_file(url.database)
        if url.get_backend_name() == "postgresql":
            return self._hold_advisory()
        return False  # no lock known here: claims wait for their lease

    def _hold_file(self, database: str) -> bool:
        if self._file is not None:
            return True
        digest = hashlib.sha256(self.name.encode()).hexdigest()[:16]
        path = f"{database}.instance-{digest}.lock"
        handle = open(path, "ab")  # noqa: SIM115 - held open for the process's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        os.set_inheritable(handle.fileno(), False)
        self._file = handle
        return True

    def _hold_advisory(self) -> bool:
        keys = {"space": _LOCK_SPACE, "key": _signed32(zlib.crc32(self.name.encode()))}
        if self._connection is not None:
            self._connection.execute(text("SELECT 1"))  # raises once the session is gone
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            # A pooler that shares server sessions could hand over one holding the lock
            # for another process: a lock held before it is asked for proves nothing.
            if connection.execute(_HELD_HERE, keys).scalar_one():
                connection.close()
                return False
            if not connection.execute(_TRY_LOCK, keys).scalar_one():
                connection.close()
                return False
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return True

    def _let_go(self) -> None:
        self._held = False
        if self._connection is not None:
            with contextlib.suppress(Exception):
                # Closed, not put back in the pool: the session ends and the server lets
                # go of the lock.
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()  # the kernel lets go of the flock
            self._file = None


def _signed32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value
