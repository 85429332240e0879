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
write.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from shared.persistence.db import read_options

log = logging.getLogger("connectability.unit_of_work")


class _Transaction:
    def __init__(self, sessions: sessionmaker[Session], session: Session) -> None:
        self.sessions = sessions
        self.session = session
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
            session = self._sessions()
            session.begin()
            if self._reading:
                # Procured now, set up for a read before anything begins on it.
                dialect = session.get_bind().dialect.name
                session.connection(execution_options=read_options(dialect))
            self._transaction = _Transaction(self._sessions, session)
            self._owner_token = _open_transaction.set(self._transaction)
        self._open(self._transaction.session)
        return self

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
        try:
            if kind is None:
                transaction.session.commit()
            else:
                transaction.session.rollback()
        finally:
            transaction.session.close()
        if kind is None:
            for action in transaction.after_commit:
                _run_after_commit(action)


def _run_after_commit(action: Callable[[], None]) -> None:
    # Committed already: whatever these do (wake-ups, passing facts on) is retried by a
    # worker later, so a failure here must not turn a done call into a failed one.
    try:
        action()
    except Exception:
        log.warning("an after-commit action failed; its worker retries later", exc_info=True)
