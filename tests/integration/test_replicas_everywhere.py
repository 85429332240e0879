"""Two replicas of every service on one PostgreSQL (issue 16): the connection replicas
balance over both drawing replicas, a revision published through one drawing replica is
copied and read through the other, and when one replica of each service is killed
(SIGKILL) mid-sync and mid-delivery, no revision is lost or copied twice and each message
reaches its recipient under one Message-ID (R25). Migrations run once, by the one-shot
``connectability migrate``; every replica starts with them off."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import grpc
import pytest
from sqlalchemy import create_engine, text

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from services.supervisor import ServiceProcess, start_services, stop_services, wait_until_serving
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, free_port, stack_environment
from tests.integration.calls import bearer, eventually
from tests.integration.sync_setup import SyncPair, make_sync_pair
from tests.integration.test_directory import Platform
from tests.notification.conftest import ScriptedHandler, SmtpServer

pytestmark = pytest.mark.postgres

PAIRS = 3
SITE_TEAM = ["site-a@example.com", "site-b@example.com"]


@dataclass
class Replicas:
    """Replica A and replica B of each service; ``a`` and ``b`` see the platform through
    their own connection and drawing replicas."""

    a: Stack
    b: Stack
    smtp: SmtpServer
    processes: list[ServiceProcess] = field(default_factory=list)

    def kill(self, stack: Stack, name: str) -> None:
        process = next(p for p in stack.processes if p.name == name)
        process.process.send_signal(signal.SIGKILL)
        process.process.wait()


def _start(env: dict[str, str], data_dir: Path) -> list[ServiceProcess]:
    ports = {
        f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES
    }
    return start_services(Settings(data_dir=data_dir, **ports), env=env)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    data_dir = tmp_path_factory.mktemp("replicas")
    keys = make_test_keys(data_dir / "keys")
    smtp = SmtpServer(free_port(), ScriptedHandler())
    smtp.start()
    env_a = stack_environment("postgresql", keys, data_dir)
    env_a.update(
        {
            "CONNECTABILITY_SMTP_HOST": "127.0.0.1",
            "CONNECTABILITY_SMTP_PORT": str(smtp.port),
            "CONNECTABILITY_MIGRATE_ON_START": "false",
            "CONNECTABILITY_NOTIFICATION_DIGEST_WINDOW_SECONDS": "0.5",
            "CONNECTABILITY_NOTIFICATION_CLAIM_LEASE_SECONDS": "3",
        }
    )
    env_b = dict(env_a)
    for name in SERVICE_NAMES:
        env_b[f"CONNECTABILITY_{name.upper()}_PORT"] = str(free_port())
    env_b["CONNECTABILITY_DRAWING_STORAGE_PORT"] = str(free_port())
    env_b["CONNECTABILITY_WEB_PORT"] = str(free_port())
    for name in ("drawing", "notification"):  # both connection replicas balance over both
        both = ",".join(
            f"127.0.0.1:{env[f'CONNECTABILITY_{name.upper()}_PORT']}" for env in (env_a, env_b)
        )
        env_a[f"CONNECTABILITY_{name.upper()}_ADDRESS"] = both
        env_b[f"CONNECTABILITY_{name.upper()}_ADDRESS"] = both
    subprocess.run(
        [sys.executable, "-m", "services.cli", "migrate", *SERVICE_NAMES],
        env=env_a,
        check=True,
        capture_output=True,
        timeout=120,
    )
    processes = _start(env_a, data_dir) + _start(env_b, data_dir)
    a = Stack("postgresql", keys, data_dir, env_a, processes[:3])
    b = Stack("postgresql", keys, data_dir, env_b, processes[3:])
    try:
        wait_until_serving(processes, timeout_seconds=90)
        yield Replicas(a, b, smtp, processes)
    finally:
        a.close()
        b.close()
        stop_services(processes, grace_seconds=2)
        smtp.stop()


def _through(synced: SyncPair, stack: Stack) -> SyncPair:
    """The same pair, seen through ``stack``'s replicas."""
    return SyncPair(Platform(stack), synced.pair, synced.upstream, synced.connection_id)


def _watch_heads(stack: Stack, synced: SyncPair) -> tuple[list[float], grpc.Future]:
    """Times at which a feed-head watcher on ``stack``'s drawing replica heard news."""
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    stream = internal.WatchFeedHeads(
        ipb.WatchFeedHeadsRequest(project_ids=[synced.upstream.project.id]),
        metadata=bearer(synced.upstream.project.tokens["service"]),
        timeout=60,
    )
    heard: list[float] = []

    def read() -> None:
        try:
            for _ in stream:
                heard.append(time.monotonic())
        except grpc.RpcError:
            pass

    threading.Thread(target=read, daemon=True).start()
    return heard, stream


def test_a_publish_through_one_drawing_replica_is_copied_and_read_through_the_other(
    replicas: Replicas,
) -> None:
    synced = make_sync_pair(Platform(replicas.a))
    synced.connect()
    via_b = _through(synced, replicas.b)
    heard, stream = _watch_heads(replicas.b, synced)
    eventually(lambda: _at_least(heard, 1))  # the head now
    # Published through drawing replica A, heard by a watcher on B as the publish returns,
    # not at B's fallback poll (1 s): each of three, so a lucky poll cannot pass for it.
    delays = [_publish_and_hear(synced, heard, str(n)) for n in (1, 2, 3)]
    stream.cancel()
    via_b.publish("4", "2026-11-21")  # and the other way round

    copies = via_b.copies_of(4)  # read through drawing replica B
    assert sorted(c.upstream_revision_id for c in copies) == sorted(synced.upstream.revisions)
    assert max(delays) < 0.5, delays


def _publish_and_hear(synced: SyncPair, heard: list[float], number: str) -> float:
    revision_id = synced.upload(number)
    before = len(heard)
    synced.drawing.PublishDrawingRevisions(
        drawing_pb.PublishDrawingRevisionsRequest(
            set_id=synced.upstream.set_id, revision_ids=[revision_id]
        ),
        metadata=bearer(synced.upstream.project.tokens["admin"]),
        timeout=10,
    )
    returned = time.monotonic()
    synced.upstream.revisions.append(revision_id)
    eventually(lambda: _at_least(heard, before + 1))
    return heard[before] - returned


def _at_least(heard: list[float], count: int) -> None:
    assert len(heard) >= count, heard


def test_killing_one_replica_of_each_service_loses_and_doubles_nothing(
    replicas: Replicas,
) -> None:
    platform = Platform(replicas.b)  # B's replicas survive
    pairs = [make_sync_pair(platform) for _ in range(PAIRS)]
    for synced in pairs:
        platform.connection.UpdateDistributionList(
            pb.UpdateDistributionListRequest(
                project_id=synced.pair.downstream.id, emails=SITE_TEAM
            ),
            metadata=bearer(synced.pair.down_admin),
            timeout=15,
        )
        synced.publish("1")
        synced.connect()
    for synced in pairs:  # the sync and the mail are under way when A's replicas die
        synced.publish("2", "2026-11-21")
    for name in ("connection", "drawing", "notification"):
        replicas.kill(replicas.a, name)
    for synced in pairs:
        synced.publish("3", "2026-11-22")

    for synced in pairs:
        copies = synced.copies_of(3)
        assert sorted(c.upstream_revision_id for c in copies) == sorted(synced.upstream.revisions)
        eventually(partial(_copied_once, synced), timeout_seconds=30)
    sent = eventually(lambda: _all_mail_settled(replicas), timeout_seconds=30)
    received = [str(m["Message-ID"]) for m in replicas.smtp.handler.received]
    assert set(received) == sent  # every message arrived, none under a second Message-ID


def _copied_once(synced: SyncPair) -> None:
    state = synced.sync_state()
    assert state.revisions_copied == 3 and state.revisions_pending == 0, state


def _all_mail_settled(replicas: Replicas) -> set[str]:
    engine = create_engine(replicas.a.env["CONNECTABILITY_NOTIFICATION_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT message_id, status FROM deliveries")).all()
    finally:
        engine.dispose()
    assert rows and {status for _, status in rows} == {"sent"}, rows
    return {message_id for message_id, _ in rows}
