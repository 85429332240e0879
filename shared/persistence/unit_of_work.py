"""One transaction of a service's own database, and what must happen once it commits.

Use cases open ``with uow:``; the unit of work owns the session (begun on enter, committed
on a clean exit, rolled back on an exception) and runs the actions registered with
``after_commit`` (wake a worker, pass facts down) only once the commit succeeded.

A unit of work opened while another of the same database is open on this thread joins it:
the idempotent-call wrapper opens the outer one (to read and store the replayed answer in
the same transaction as the mutation), and the use case inside it need not know.

Each service subclasses it to hang its repositories on ``_open``; tests of the domain
use a fake with the same attributes and no database.

A pure read opens ``with uow.reading():`` instead: the same unit of work, but its
transaction does not take SQLite's write lock (a deferred ``BEGIN``: in WAL mode readers then
run beside each other and beside the one writer, on a consistent snapshot), and on
PostgreSQL it runs without ``BEGIN`` and ``COMMIT`` (``db.read_options``). It must not
write. It reads over a bare ``Connection`` checked out of the engine's pool: the Core
statements of the hot reads (``core_reads.read_rows``, ``paging.fetch_page`` with whole rows)
run on it directly, and its session, bound to that connection, begins only if something
asks the ORM (opening, beginning, committing and closing a session was a quarter of a
Get's time, docs/benchmarks.md section 7).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.persistence.core_reads import BARE_CONNECTION
from shared.persistence.db import read_connection

log = logging.getLogger("connectability.unit_of_work")


class _Transaction:
    def __init__(
        self, sessions: sessionmaker[Session], session: Session, bare: Connection | None = None
    ) -> None:
        self.sessions = sessions
        self.session = session
        # A pure read's connection: the session is bound to it and may never begin.
        self.bare = bare
        self.after_commit: list[Callable[[], None]] = []


# The outermost transaction open on this thread (one gRPC call runs on one thread).
_open_transaction: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
    "open_transaction", default=None
)


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._transaction: _Transaction | None = None
        self._owner_token: contextvars.Token[_Transaction | None] | None = None
        self._reading = False

    def reading(self) -> Self:
        """This unit of work for a pure read: entered, it begins without the write lock."""
        self._reading = True
        return self

    @property
    def session(self) -> Session:
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        return self._transaction.session

    def __enter__(self) -> Self:
        joined = _open_transaction.get()
        if joined is not None and joined.sessions is self._sessions:
            self._transaction = joined
        else:
            self._transaction = self._reading_transaction() if self._reading else None
            if self._transaction is None:
                session = self._sessions()
                session.begin()
                self._transaction = _Transaction(self._sessions, session)
            self._owner_token = _open_transaction.set(self._transaction)
        self._open(self._transaction.session)
        return self

    def _reading_transaction(self) -> _Transaction | None:
        engine = self._sessions.kw.get("bind")
        if not isinstance(engine, Engine):
            return None  # not bound to one engine: read through a session as a write does
        # Set up for a read before anything begins on it (SQLite begins on the first
        # statement, deferred; PostgreSQL runs in autocommit).
        bare = read_connection(engine)
        session = self._sessions(bind=bare)
        session.info[BARE_CONNECTION] = bare
        return _Transaction(self._sessions, session, bare)

    def _open(self, session: Session) -> None:
        """Subclasses build their repositories over ``session`` here."""

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the outermost transaction has committed (never on rollback)."""
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        self._transaction.after_commit.append(action)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        transaction, token = self._transaction, self._owner_token
        self._transaction, self._owner_token, self._reading = None, None, False
        if token is None or transaction is None:  # joined: the owner commits
            return
        _open_transaction.reset(token)
        if transaction.bare is not None:
            _end_read(transaction.session, transaction.bare)
        else:
            _end(transaction.session, kind)
        if kind is None:
            for action in transaction.after_commit:
                _run_after_commit(action)


def _end_read(session: Session, bare: Connection) -> None:
    # Nothing was written: ending the read is giving the connection back (its snapshot,
    # if SQLite began one, is rolled back on the way into the pool).
    try:
        if session.in_transaction() or len(session.identity_map):  # the ORM was asked
            session.close()
    finally:
        bare.close()


def _end(session: Session, kind: type[BaseException] | None) -> None:
    try:
        if kind is None:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def _run_after_commit(action: Callable[[], None]) -> None:
    # Committed already: whatever these do (wake-ups, passing facts on) is retried by a
    # worker later, so a failure here must not turn a done call into a failed one.
    try:
        action()
    except Exception:
        log.warning("an after-commit action failed; its worker retries later", exc_info=True)
