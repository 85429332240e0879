"""The connection service's state as Prometheus gauges, read from its tables at each scrape:
how far behind the syncs are, which fail, the initial copies and the two outboxes.

A handful of aggregate queries over indexed columns, in one short read transaction; nothing
is kept in the process, so every replica reports the same numbers (take ``max`` across
replicas, not ``sum``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import (
    CONNECTION_STATES,
    INITIAL_COPY_STATES,
    Connection,
    ConnectionSync,
    NotificationOutboxEntry,
    ProjectFactsDelivery,
)
from shared.persistence.db import utcnow
from shared.runtime.metrics import Gauge


def _age(since: datetime | None, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


class ConnectionStateGauges:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def __call__(self) -> list[Gauge]:
        with self._sessions() as session:
            now = utcnow()
            return [
                *self._connections(session),
                *self._syncs(session, now),
                *self._initial_copies(session, now),
                *self._outboxes(session, now),
            ]

    @staticmethod
    def _connections(session: Session) -> list[Gauge]:
        connections = Gauge("connectability_connections", "Connections by state.", ("state",))
        for state in CONNECTION_STATES:
            connections.set(0, state)
        for state, count in session.execute(
            select(Connection.state, func.count()).group_by(Connection.state)
        ):
            connections.set(count, state)
        return [connections]

    @staticmethod
    def _syncs(session: Session, now: datetime) -> list[Gauge]:
        label = ("connection_state",)
        lag = Gauge(
            "connectability_sync_lag_seconds",
            "How long the oldest upstream change not yet applied downstream has waited, "
            "over the syncs of connections in this state (0: nothing waits).",
            label,
        )
        pending = Gauge(
            "connectability_sync_changes_pending",
            "Upstream changes known but not yet applied downstream, summed over the syncs "
            "of connections in this state.",
            label,
        )
        failing = Gauge(
            "connectability_syncs_failing",
            "Syncs whose last attempt failed (retried with back-off), by connection state.",
            label,
        )
        for state in ("active", "disconnected"):
            for gauge in (lag, pending, failing):
                gauge.set(0, state)
        behind = ConnectionSync.upstream_head_sequence - ConnectionSync.applied_sequence
        rows = session.execute(
            select(
                Connection.state,
                func.min(ConnectionSync.oldest_pending_at),
                func.coalesce(func.sum(case((behind > 0, behind), else_=0)), 0),
                func.coalesce(func.sum(case((ConnectionSync.failures > 0, 1), else_=0)), 0),
            )
            .join(Connection, Connection.id == ConnectionSync.connection_id)
            .group_by(Connection.state)
        )
        for state, oldest_pending_at, changes, failures in rows:
            lag.set(_age(oldest_pending_at, now), state)
            pending.set(changes, state)
            failing.set(failures, state)
        return [lag, pending, failing]

    @staticmethod
    def _initial_copies(session: Session, now: datetime) -> list[Gauge]:
        by_state = Gauge(
            "connectability_connections_by_initial_copy_state",
            "Connections ever active, by the state of their initial copy.",
            ("initial_copy_state",),
        )
        for state in INITIAL_COPY_STATES:
            by_state.set(0, state)
        for state, count in session.execute(
            select(ConnectionSync.initial_copy_state, func.count()).group_by(
                ConnectionSync.initial_copy_state
            )
        ):
            by_state.set(count, state)
        running, started = session.execute(
            select(func.count(), func.min(ConnectionSync.updated_at)).where(
                ConnectionSync.initial_copy_state == "running"
            )
        ).one()
        return [
            by_state,
            Gauge("connectability_initial_copies_running", "Initial copies under way.").set(
                running
            ),
            Gauge(
                "connectability_initial_copy_oldest_running_seconds",
                "How long the longest-running initial copy has been running (0: none runs).",
            ).set(_age(started, now)),
        ]

    @staticmethod
    def _outboxes(session: Session, now: datetime) -> list[Gauge]:
        pending = Gauge(
            "connectability_outbox_pending",
            "Outbox entries not yet delivered to the service below: notices (to the "
            "notification service) and project facts (to drawing and notification).",
            ("outbox",),
        )
        oldest = Gauge(
            "connectability_outbox_oldest_pending_seconds",
            "Age of the oldest outbox entry not yet delivered (0: the outbox is empty).",
            ("outbox",),
        )
        for name, table in (
            ("notices", NotificationOutboxEntry),
            ("project_facts", ProjectFactsDelivery),
        ):
            count, first = session.execute(
                select(func.count(), func.min(table.created_at)).where(table.delivered_at.is_(None))
            ).one()
            pending.set(count, name)
            oldest.set(_age(first, now), name)
        return [pending, oldest]
