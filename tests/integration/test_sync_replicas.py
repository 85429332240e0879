"""Several replicas of the connection service on one PostgreSQL database share the sync
through leases in the database: every change is applied and counted once, and the
connections of a replica that dies are taken over by another (R19)."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import create_engine, text

from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.supervisor import ServiceProcess, start_services, stop_services, wait_until_serving
from shared.runtime.config import Settings
from tests.fixtures.stack import Stack, free_port
from tests.integration.calls import eventually
from tests.integration.sync_setup import SyncPair, make_sync_pair
from tests.integration.test_directory import Platform

PAIRS = 6


def start_second_replica(stack: Stack) -> ServiceProcess:
    env = dict(stack.env)
    env["CONNECTABILITY_CONNECTION_PORT"] = str(free_port())
    settings = Settings(
        data_dir=stack.data_dir, connection_port=int(env["CONNECTABILITY_CONNECTION_PORT"])
    )
    (replica,) = start_services(settings, ["connection"], env=env)
    wait_until_serving([replica], timeout_seconds=60)
    return replica


def lease_owners(stack: Stack) -> set[str]:
    engine = create_engine(stack.env["CONNECTABILITY_CONNECTION_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT DISTINCT lease_owner FROM connection_syncs"
                    " WHERE lease_owner IS NOT NULL"
                )
            )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def test_replicas_share_the_sync_and_take_over_from_one_that_dies(stack: Stack) -> None:
    if stack.backend != "postgresql":
        pytest.skip("replicas scale out on PostgreSQL; SQLite is the single-process default")
    replica = start_second_replica(stack)
    try:
        platform = Platform(stack)
        pairs = [make_sync_pair(platform) for _ in range(PAIRS)]
        via_replica = pb_grpc.ConnectionServiceStub(stack.channel_to(replica.address))
        for index, synced in enumerate(pairs):
            synced.publish("1")
            # Half are asked of the second replica, which then claims them at once.
            synced.connect(via_replica if index % 2 else None)
        for synced in pairs:
            synced.copies_of(1)
        assert len(eventually(lambda: _two_owners(stack), timeout_seconds=15)) == 2

        replica.process.send_signal(signal.SIGKILL)
        replica.process.wait()
        for synced in pairs:
            synced.publish("2", "2026-11-22")
        for synced in pairs:  # the dead replica's connections resume once its leases run out
            copies = synced.copies_of(2)
            assert sorted(c.upstream_revision_id for c in copies) == sorted(
                synced.upstream.revisions
            )
            _counted_once(synced)
    finally:
        stop_services([replica], grace_seconds=2)


def _two_owners(stack: Stack) -> set[str]:
    owners = lease_owners(stack)
    assert len(owners) == 2, owners
    return owners


def _counted_once(synced: SyncPair) -> None:
    def exact() -> None:
        state = synced.sync_state()
        assert state.revisions_copied == 2 and state.revisions_pending == 0, state

    eventually(exact, timeout_seconds=20)
