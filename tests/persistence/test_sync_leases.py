"""Sync leases in the connection service's database: replicas share active connections
through the rows alone (R19 needs exactly one driver at a time, mostly; the drawing
service's cursor makes even a stale driver harmless)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from services.connection.models import Company, Connection, Project
from services.connection.sync.records import SyncRecords, start_sync
from tests.persistence.service_databases import migrated_sessions

CONNECTIONS = 12


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    with migrated_sessions(database_url, "connection") as made:
        with made.begin() as session:
            session.add(Company(id="up-co", name="Up", file_storage_location="us"))
            session.add(Company(id="down-co", name="Down", file_storage_location="us"))
            session.add(Project(id="up", company_id="up-co", name="Upstream"))
            for index in range(CONNECTIONS):
                session.add(Project(id=f"down-{index}", company_id="down-co", name="Down"))
            session.flush()
            for index in range(CONNECTIONS):
                connection = Connection(
                    id=f"c-{index:02d}",
                    upstream_project_id="up",
                    upstream_company_id="up-co",
                    downstream_project_id=f"down-{index}",
                    downstream_company_id="down-co",
                    state="active",
                    requested_by_user_id="someone",
                    state_changed_by_user_id="someone",
                )
                session.add(connection)
                session.flush()
                start_sync(session, connection)
        yield made


def test_a_held_lease_is_not_claimed_until_it_runs_out(sessions: sessionmaker[Session]) -> None:
    first = SyncRecords(sessions, "replica-1", lease_seconds=0.5)
    second = SyncRecords(sessions, "replica-2", lease_seconds=30)

    assert len(first.claim(100)) == CONNECTIONS
    assert second.claim(100) == []
    time.sleep(0.6)  # replica-1 died: its leases run out
    assert len(second.claim(100)) == CONNECTIONS
    assert first.renew([f"c-{i:02d}" for i in range(CONNECTIONS)]) == set()  # taken over


def test_replicas_claiming_at_once_never_share_a_connection(
    sessions: sessionmaker[Session],
) -> None:
    replicas = [SyncRecords(sessions, f"replica-{n}", lease_seconds=30) for n in range(4)]
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(len(replicas))

    def claim(records: SyncRecords) -> None:
        start.wait()
        claimed[records.owner] = records.claim(5)

    threads = [threading.Thread(target=claim, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [cid for ids in claimed.values() for cid in ids]
    assert len(everything) == len(set(everything))  # nobody holds a connection twice
    assert len(everything) == CONNECTIONS  # 4 × 5 ≥ 12: all were taken


def test_only_active_connections_are_driven_and_inactive_projects_pause(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Connection).where(Connection.id == "c-00").values(state="disconnected")
        )
        session.execute(update(Project).where(Project.id == "down-1").values(active=False))
    records = SyncRecords(sessions, "replica-1", lease_seconds=30)

    claimed = records.claim(100)
    tasks = {task.connection_id: task for task in records.tasks(claimed)}

    assert "c-00" not in claimed
    assert not tasks["c-01"].runnable  # paused while its downstream is inactive (R21)
    assert all(task.runnable for cid, task in tasks.items() if cid != "c-01")
    assert records.disconnected_unmarked(10) == [("c-00", "down-0")]
    records.disconnect_marked("c-00")
    assert records.disconnected_unmarked(10) == []
