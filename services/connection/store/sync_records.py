"""The ``connection_syncs`` rows: created on activation, leased by sync workers, updated
with progress and errors. SQLAlchemy inside short transactions of their own, except
``start_sync``, which joins the activating transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import Connection, ConnectionSync, Project
from shared.persistence.db import utcnow
from shared.runtime.tracing import current_traceparent


def start_sync(session: Session, connection: Connection) -> None:
    """In the activating transaction: the connection's sync exists from its first moment."""
    if session.get(ConnectionSync, connection.id) is None:
        session.add(
            ConnectionSync(
                connection_id=connection.id,
                upstream_project_id=connection.upstream_project_id,
                downstream_project_id=connection.downstream_project_id,
                updated_at=utcnow(),
                # The activating call's trace: the initial copy continues it.
                traceparent=current_traceparent(),
            )
        )
        session.flush()


def lock_in_id_order(session: Session, connection_ids: Sequence[str]) -> None:
    """Lock these ``connection_syncs`` rows in connection-id order before a multi-row write.

    Every writer that holds several of these rows at once takes them in this one order: an
    ``UPDATE … WHERE id IN (…)`` locks rows in whatever order PostgreSQL scans them, which
    deadlocked against the progress writer that locks in id order. SQLite: a no-op (its
    writer holds the whole database).
    """
    session.execute(
        select(ConnectionSync.connection_id)
        .where(ConnectionSync.connection_id.in_(list(connection_ids)))
        .order_by(ConnectionSync.connection_id)
        .with_for_update()
    )


@dataclass(frozen=True)
class SyncTask:
    """What a worker needs to drive one connection's sync."""

    connection_id: str
    upstream_project_id: str
    downstream_project_id: str
    initial_copy_state: str
    applied_sequence: int
    runnable: bool  # both projects active and not backing off
    failing: bool = False  # the last attempt failed (its error is still shown)
    traceparent: str = ""  # the trace of the call that made the connection active


class SyncRecords:
    def __init__(self, sessions: sessionmaker[Session], owner: str, lease_seconds: float):
        self._sessions = sessions
        self.owner = owner
        self._lease = timedelta(seconds=lease_seconds)

    # Leases

    def claim(self, limit: int) -> list[str]:
        """Lease active connections that nobody holds (or whose lease ran out).

        Our own leases are not taken again here: the engine renews them (``renew``), and
        re-taking them would fill ``limit`` with rows we already drive. Candidates are read
        with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite holds its write lock instead),
        then taken by an UPDATE that re-checks the lease, so two replicas never both win a
        row.
        """
        now = utcnow()
        free = or_(ConnectionSync.lease_owner.is_(None), ConnectionSync.lease_expires_at < now)
        with self._sessions.begin() as session:
            candidates = list(
                session.scalars(
                    select(ConnectionSync.connection_id)
                    .join(Connection, Connection.id == ConnectionSync.connection_id)
                    .where(Connection.state == "active", free)
                    .order_by(ConnectionSync.connection_id)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=ConnectionSync)
                )
            )
            if not candidates:
                return []
            taken = session.scalars(
                update(ConnectionSync)
                .where(ConnectionSync.connection_id.in_(candidates), free)
                .values(lease_owner=self.owner, lease_expires_at=now + self._lease)
                .returning(ConnectionSync.connection_id)
            )
            return list(taken)

    def renew(self, connection_ids: Sequence[str]) -> set[str]:
        """Extend our leases; returns the ids still ours (others were taken over)."""
        if not connection_ids:
            return set()
        with self._sessions.begin() as session:
            lock_in_id_order(session, connection_ids)
            kept = session.scalars(
                update(ConnectionSync)
                .where(
                    ConnectionSync.connection_id.in_(list(connection_ids)),
                    ConnectionSync.lease_owner == self.owner,
                )
                .values(lease_expires_at=utcnow() + self._lease)
                .returning(ConnectionSync.connection_id)
            )
            return set(kept)

    def release(self, connection_ids: Sequence[str]) -> None:
        if not connection_ids:
            return
        with self._sessions.begin() as session:
            session.execute(
                update(ConnectionSync)
                .where(
                    ConnectionSync.connection_id.in_(list(connection_ids)),
                    ConnectionSync.lease_owner == self.owner,
                )
                .values(lease_owner=None, lease_expires_at=None)
            )

    # Reading

    def tasks(self, connection_ids: Sequence[str]) -> list[SyncTask]:
        """Our leased connections that are still active, with whether each may run now."""
        if not connection_ids:
            return []
        now = utcnow()
        with self._sessions() as session:
            rows = session.execute(
                select(ConnectionSync, Connection.state)
                .join(Connection, Connection.id == ConnectionSync.connection_id)
                .where(ConnectionSync.connection_id.in_(list(connection_ids)))
            ).all()
            project_ids = {r.upstream_project_id for r, _ in rows} | {
                r.downstream_project_id for r, _ in rows
            }
            active = set(
                session.scalars(
                    select(Project.id).where(Project.id.in_(project_ids), Project.active)
                )
            )
        return [
            SyncTask(
                connection_id=row.connection_id,
                upstream_project_id=row.upstream_project_id,
                downstream_project_id=row.downstream_project_id,
                initial_copy_state=row.initial_copy_state,
                applied_sequence=row.applied_sequence,
                runnable=(
                    row.upstream_project_id in active
                    and row.downstream_project_id in active
                    and row.next_attempt_at <= now
                ),
                failing=row.failures > 0,
                traceparent=row.traceparent,
            )
            for row, state in rows
            if state == "active"
        ]

    def disconnected_unmarked(self, limit: int) -> list[tuple[str, str]]:
        """(connection, downstream project) of disconnections not yet passed down."""
        with self._sessions() as session:
            rows = session.execute(
                select(ConnectionSync.connection_id, ConnectionSync.downstream_project_id)
                .join(Connection, Connection.id == ConnectionSync.connection_id)
                .where(
                    Connection.state == "disconnected",
                    ConnectionSync.disconnect_marked_at.is_(None),
                )
                .limit(limit)
            ).all()
        return [(row[0], row[1]) for row in rows]

    def get(self, connection_id: str) -> ConnectionSync | None:
        with self._sessions() as session:
            return session.get(ConnectionSync, connection_id)

    def disconnect_marked(self, connection_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(ConnectionSync)
                .where(ConnectionSync.connection_id == connection_id)
                .values(
                    disconnect_marked_at=utcnow(),
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=utcnow(),
                )
            )
