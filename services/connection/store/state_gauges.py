"""The connection service's state as Prometheus gauges, read from its tables at each scrape:
how far behind the syncs are, which fail, the initial copies and the two outboxes.

Three aggregate queries over indexed columns (connections with their syncs, syncs by
initial copy state, both outboxes in one), on a pure read's connection (no write lock on
SQLite); nothing is kept here, so every replica reports the same numbers (take ``max``
across replicas, not ``sum``). ``StateGauges`` keeps a read for a few seconds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection as DatabaseConnection
from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import (
    CONNECTION_STATES,
    INITIAL_COPY_STATES,
    Connection,
    ConnectionSync,
    NotificationOutboxEntry,
    ProjectFactsDelivery,
)
from shared.persistence.db import read_connection, utcnow
from shared.runtime.metrics import Gauge

# The connection states the sync gauges always report (0 when no sync is in that state).
SYNC_STATES = ("active", "disconnected")


def _age(since: datetime | None, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


class ConnectionStateGauges:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine = sessions.kw["bind"]

    def __call__(self) -> list[Gauge]:
        with read_connection(self._engine) as connection:
            now = utcnow()
            return [
                *self._connections_and_syncs(connection, now),
                *self._initial_copies(connection, now),
                *self._outboxes(connection, now),
            ]

    @staticmethod
    def _connections_and_syncs(connection: DatabaseConnection, now: datetime) -> list[Gauge]:
        connections = Gauge("connectability_connections", "Connections by state.", ("state",))
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
        for state in CONNECTION_STATES:
            connections.set(0, state)
        for state in SYNC_STATES:
            for gauge in (lag, pending, failing):
                gauge.set(0, state)
        # A connection has at most one sync (its key): the outer join counts each once.
        behind = ConnectionSync.upstream_head_sequence - ConnectionSync.applied_sequence
        rows = connection.execute(
            select(
                Connection.state,
                func.count(),
                func.count(ConnectionSync.connection_id),
                func.min(ConnectionSync.oldest_pending_at),
                func.coalesce(func.sum(case((behind > 0, behind), else_=0)), 0),
                func.coalesce(func.sum(case((ConnectionSync.failures > 0, 1), else_=0)), 0),
            )
            .outerjoin(ConnectionSync, ConnectionSync.connection_id == Connection.id)
            .group_by(Connection.state)
        )
        for state, count, syncs, oldest_pending_at, changes, failures in rows:
            connections.set(count, state)
            if syncs:
                lag.set(_age(oldest_pending_at, now), state)
                pending.set(changes, state)
                failing.set(failures, state)
        return [connections, lag, pending, failing]

    @staticmethod
    def _initial_copies(connection: DatabaseConnection, now: datetime) -> list[Gauge]:
        by_state = Gauge(
            "connectability_connections_by_initial_copy_state",
            "Connections ever active, by the state of their initial copy.",
            ("initial_copy_state",),
        )
        for state in INITIAL_COPY_STATES:
            by_state.set(0, state)
        running, started = 0, None
        for state, count, oldest_update in connection.execute(
            select(
                ConnectionSync.initial_copy_state,
                func.count(),
                func.min(ConnectionSync.updated_at),
            ).group_by(ConnectionSync.initial_copy_state)
        ):
            by_state.set(count, state)
            if state == "running":
                running, started = count, oldest_update
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
    def _outboxes(connection: DatabaseConnection, now: datetime) -> list[Gauge]:
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
        outboxes = union_all(
            *(
                select(literal(name), func.count(), func.min(table.created_at)).where(
                    table.delivered_at.is_(None)
                )
                for name, table in (
                    ("notices", NotificationOutboxEntry),
                    ("project_facts", ProjectFactsDelivery),
                )
            )
        )
        for name, count, first in connection.execute(outboxes):
            pending.set(count, name)
            oldest.set(_age(first, now), name)
        return [pending, oldest]
