"""Sync leases in the connection service's database: replicas share active connections
through the rows alone (R19 needs exactly one driver at a time, mostly; the drawing
service's cursor makes even a stale driver harmless)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Select, TextClause, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import Company, Connection, ConnectionSync, Project
from services.connection.store.sync_records import SyncRecords, start_sync
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


def test_renewing_leases_never_deadlocks_with_a_writer_locking_in_id_order(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    """Lease renewal against a writer that locks rows in id order, as progress does.

    The writer holds the first row; renewal starts; then the writer takes the last row.
    Renewal that locked rows in scan order held the last row already: PostgreSQL found a
    deadlock and aborted one side (as the publish-latency benchmark showed).
    """
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no row locks to deadlock on")
    records = SyncRecords(sessions, "replica-1", lease_seconds=30)
    assert len(records.claim(100)) == CONNECTIONS
    first, last = "c-00", f"c-{CONNECTIONS - 1:02d}"
    with sessions.begin() as session:  # a new row version: c-00 is now scanned last
        session.execute(
            update(ConnectionSync)
            .where(ConnectionSync.connection_id == first)
            .values(updated_at=ConnectionSync.updated_at)
        )
    with sessions.begin() as session:  # as autovacuum would: the planner then scans the heap
        session.execute(text("ANALYZE connection_syncs"))

    errors: list[BaseException] = []
    renewed: list[set[str]] = []

    def renew() -> None:
        try:
            renewed.append(records.renew([first, last]))
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    with sessions.begin() as writer:
        writer.execute(_lock_one(first))
        renewal = threading.Thread(target=renew)
        renewal.start()
        _wait_until_someone_waits_for_a_lock(sessions)
        try:
            writer.execute(_lock_one(last))
        except Exception as error:  # the deadlock, when it happens on this side
            errors.append(error)
    renewal.join(10)
    assert errors == []
    assert renewed == [{first, last}]


def _lock_one(connection_id: str) -> Select[tuple[str]]:
    return (
        select(ConnectionSync.connection_id)
        .where(ConnectionSync.connection_id == connection_id)
        .with_for_update()
    )


def _wait_until_someone_waits_for_a_lock(sessions: sessionmaker[Session]) -> None:
    # A session of its own per look: pg_stat_activity is a snapshot within a transaction.
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while _scalar(sessions, waiting) == 0:
        assert time.monotonic() < deadline, "the renewal never waited for the row"
        time.sleep(0.02)


def _scalar(sessions: sessionmaker[Session], statement: TextClause) -> object:
    with sessions() as session:
        return session.scalar(statement)
