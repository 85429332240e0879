"""Killing the notification service mid-delivery loses nothing, and a duplicate keeps its
Message-ID (R25).

The service runs as a real process on SQLite and sends to a local SMTP server that records
each message as soon as its data arrives, then waits before answering 250. The process is
killed (SIGKILL) while that answer is pending, twice, and started again on the same data:
every (event, recipient) must arrive, and any pair received twice must carry one Message-ID.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import grpc
from aiosmtpd.controller import Controller

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as pb_grpc
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as cpb
from services.supervisor import ServiceProcess, start_services, stop_services, wait_until_serving
from shared.runtime.config import Settings
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import free_port, stack_environment

# How long the SMTP server holds its 250 after receiving a message's data: the window in
# which a kill falls between the server's acceptance and the service's record of it.
ANSWER_DELAY_SECONDS = 0.3
RECIPIENTS = [f"reader{n}@example.com" for n in range(8)]
# Each event names a different partner project, which the subject carries.
PARTNERS = ["Partner Alpha", "Partner Bravo", "Partner Charlie"]
PROJECT_ID = "p-kill"


@dataclass(frozen=True)
class Received:
    partner: str
    recipient: str
    message_id: str


@dataclass
class RecordingHandler:
    """Records each message on arrival, then answers 250 only after a delay."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        subject = str(parsed["Subject"])
        partner = next((name for name in PARTNERS if name in subject), subject)
        with self.lock:
            self.received.append(
                Received(partner, str(parsed["To"]).casefold(), str(parsed["Message-ID"]))
            )
        await asyncio.sleep(ANSWER_DELAY_SECONDS)
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def pairs(self) -> set[tuple[str, str]]:
        return {(item.partner, item.recipient) for item in self.snapshot()}


def wait_for(condition: Callable[[], bool], timeout_seconds: float, interval: float) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def event_for(partner: str) -> pb.NotificationEvent:
    return pb.NotificationEvent(
        kind=pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
        project_id=PROJECT_ID,
        connection_id=f"conn-{partner.split()[-1].lower()}",
        project_name="Tower",
        company_name="Acme Builders",
        other_project_id=f"p-{partner.split()[-1].lower()}",
        other_project_name=partner,
        other_company_name="Archi & Co",
    )


def test_killing_the_service_mid_delivery_loses_nothing_and_keeps_message_ids(
    tmp_path: Path,
) -> None:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = make_test_keys(tmp_path / "keys")
    data_dir = tmp_path / "data"
    env = stack_environment("sqlite", keys, data_dir)
    env["CONNECTABILITY_SMTP_HOST"] = "127.0.0.1"
    env["CONNECTABILITY_SMTP_PORT"] = str(controller.port)
    port = int(env["CONNECTABILITY_NOTIFICATION_PORT"])
    settings = Settings(data_dir=data_dir, notification_port=port)
    metadata = [("authorization", f"Bearer {keys.service_token('connection')}")]
    expected = {(partner, recipient) for partner in PARTNERS for recipient in RECIPIENTS}
    running: list[ServiceProcess] = []
    kills = 0

    def start() -> None:
        running[:] = start_services(settings, ["notification"], env=env)
        wait_until_serving(running, timeout_seconds=30)

    def kill_once_more_arrive(more: int) -> bool:
        """SIGKILL the service right after ``more`` further pairs arrived, while the
        server still holds its 250 for the last one; False if delivery ended first."""
        nonlocal kills
        target = len(handler.pairs()) + more
        if not wait_for(lambda: len(handler.pairs()) >= target, 20, 0.005):
            return False
        if len(handler.pairs()) >= len(expected):
            return False
        service = running[0].process
        service.kill()
        service.wait(timeout=10)
        kills += 1
        start()
        return True

    try:
        start()
        with grpc.insecure_channel(settings.address_of("notification")) as channel:
            stub = pb_grpc.NotificationInternalServiceStub(channel)
            facts = common_pb2.ProjectFacts(
                project_id=PROJECT_ID, company_id="acme", name="Tower", active=True
            )
            facts.update_time.FromDatetime(datetime.now(UTC))
            stub.RegisterProject(
                pb.NotificationInternalServiceRegisterProjectRequest(project=facts),
                metadata=metadata,
                timeout=10,
            )
            stub.UpdateDistributionList(
                pb.UpdateDistributionListRequest(
                    project_id=PROJECT_ID,
                    tool=common_pb2.TOOL_CONNECTION_MANAGER,
                    emails=RECIPIENTS,
                ),
                metadata=metadata,
                timeout=10,
            )
            event_ids = {}
            for partner in PARTNERS:
                answer = stub.Notify(
                    pb.NotifyRequest(event=event_for(partner), idempotency_key=f"key-{partner}"),
                    metadata=metadata,
                    timeout=10,
                )
                assert answer.queued_messages == len(RECIPIENTS)
                event_ids[answer.event_id] = partner

        assert kill_once_more_arrive(2), "delivery ended before the first kill"
        kill_once_more_arrive(4)

        assert wait_for(lambda: handler.pairs() >= expected, 60, 0.05), (
            f"never received: {sorted(expected - handler.pairs())}"
        )

        with grpc.insecure_channel(settings.address_of("notification")) as channel:
            stub = pb_grpc.NotificationInternalServiceStub(channel)

            def listed() -> list[cpb.NotificationDelivery]:
                request = pb.ListDeliveriesRequest(project_id=PROJECT_ID, page_size=100)
                return list(stub.ListDeliveries(request, metadata=metadata, timeout=10).deliveries)

            def all_sent() -> bool:
                return all(d.status == cpb.NOTIFICATION_DELIVERY_STATUS_SENT for d in listed())

            wait_for(all_sent, 10, 0.1)
            deliveries = listed()
    finally:
        stop_services(running, grace_seconds=2)
        controller.stop()

    received = handler.snapshot()
    ids_by_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    copies: dict[tuple[str, str], int] = defaultdict(int)
    for item in received:
        ids_by_pair[(item.partner, item.recipient)].add(item.message_id)
        copies[(item.partner, item.recipient)] += 1
    assert set(ids_by_pair) == expected
    assert {pair: ids for pair, ids in ids_by_pair.items() if len(ids) > 1} == {}
    # A kill landed while the server held its 250, so at least one message came twice.
    assert kills >= 1
    assert sum(1 for count in copies.values() if count > 1) >= 1

    assert len(deliveries) == len(expected)
    not_sent = [
        (d.recipient, d.status, d.last_error)
        for d in deliveries
        if d.status != cpb.NOTIFICATION_DELIVERY_STATUS_SENT
    ]
    assert not_sent == []
    listed_ids = {(event_ids[d.event_id], d.recipient.casefold()): d.message_id for d in deliveries}
    assert listed_ids == {pair: next(iter(ids)) for pair, ids in ids_by_pair.items()}
