"""The connection service's state gauges over its real tables (SQLite and PostgreSQL): what
an operator's dashboard shows of syncs that fall behind or fail, an initial copy that runs
long, and notices that wait in the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import (
    Company,
    Connection,
    ConnectionSync,
    NotificationOutboxEntry,
    Project,
)
from services.connection.store.state_gauges import ConnectionStateGauges
from shared.persistence.db import utcnow


@pytest.fixture
def sessions(connection_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with connection_sessions.begin() as session:
        session.add(Company(id="up-co", name="Up", file_storage_location="us"))
        session.add(Company(id="down-co", name="Down", file_storage_location="us"))
        session.add(Project(id="up", company_id="up-co", name="Upstream"))
        for index in range(4):
            session.add(Project(id=f"down-{index}", company_id="down-co", name="Down"))
    return connection_sessions


def connect(session: Session, index: int, state: str = "active", **sync: object) -> None:
    session.add(
        Connection(
            id=f"c-{index}",
            upstream_project_id="up",
            upstream_company_id="up-co",
            downstream_project_id=f"down-{index}",
            downstream_company_id="down-co",
            state=state,
            requested_by_user_id="someone",
            state_changed_by_user_id="someone",
        )
    )
    session.flush()
    session.add(
        ConnectionSync(
            connection_id=f"c-{index}",
            upstream_project_id="up",
            downstream_project_id=f"down-{index}",
            **sync,
        )
    )


def values(sessions: sessionmaker[Session]) -> dict[tuple[str, tuple[str, ...]], float]:
    return {
        (gauge.name, labels): value
        for gauge in ConnectionStateGauges(sessions)()
        for labels, value in gauge.values.items()
    }


def test_an_idle_service_reports_zeros(sessions: sessionmaker[Session]) -> None:
    read = values(sessions)
    assert read[("connectability_sync_lag_seconds", ("active",))] == 0
    assert read[("connectability_outbox_pending", ("notices",))] == 0
    assert read[("connectability_initial_copies_running", ())] == 0
    assert read[("connectability_connections_by_initial_copy_state", ("failed",))] == 0


def test_lag_pending_failures_copies_and_outbox_are_read_from_the_rows(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        # Behind by 5 changes, the oldest waiting 90 s, and failing.
        connect(
            session,
            0,
            initial_copy_state="complete",
            applied_sequence=10,
            upstream_head_sequence=15,
            oldest_pending_at=now - timedelta(seconds=90),
            failures=2,
        )
        # Behind by 2, waiting 30 s.
        connect(
            session,
            1,
            initial_copy_state="complete",
            applied_sequence=4,
            upstream_head_sequence=6,
            oldest_pending_at=now - timedelta(seconds=30),
        )
        # An initial copy running for 10 minutes.
        connect(session, 2, initial_copy_state="running", updated_at=now - timedelta(minutes=10))
        # Disconnected long ago, never caught up: not the active syncs' lag.
        connect(
            session,
            3,
            state="disconnected",
            initial_copy_state="complete",
            applied_sequence=1,
            upstream_head_sequence=2,
            oldest_pending_at=now - timedelta(days=3),
        )
        session.add(
            NotificationOutboxEntry(
                idempotency_key="k-1", payload=b"", created_at=now - timedelta(seconds=120)
            )
        )
        session.add(NotificationOutboxEntry(idempotency_key="k-2", payload=b"", delivered_at=now))

    read = values(sessions)

    assert read[("connectability_sync_lag_seconds", ("active",))] == pytest.approx(90, abs=5)
    assert read[("connectability_sync_lag_seconds", ("disconnected",))] > 2 * 86400
    assert read[("connectability_sync_changes_pending", ("active",))] == 7
    assert read[("connectability_syncs_failing", ("active",))] == 1
    assert read[("connectability_connections", ("active",))] == 3
    assert read[("connectability_connections_by_initial_copy_state", ("complete",))] == 3
    assert read[("connectability_initial_copies_running", ())] == 1
    assert read[("connectability_initial_copy_oldest_running_seconds", ())] == pytest.approx(
        600, abs=5
    )
    assert read[("connectability_outbox_pending", ("notices",))] == 1
    assert read[("connectability_outbox_oldest_pending_seconds", ("notices",))] == pytest.approx(
        120, abs=5
    )
