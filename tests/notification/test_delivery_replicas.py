"""Two notification replicas on one PostgreSQL database share the delivery queue (R25): each
(event, recipient) is sent once, under one Message-ID, even when a replica starts while the
other is mid-send; a replica that dies holding messages has them sent by the other once its
claim runs out, under the same Message-IDs."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from connectability.v1 import connection_service_pb2 as cpb
from services.notification.domain.retry_policy import RetryPolicy
from services.notification.store.models import Delivery
from shared.persistence.db import make_engine, make_session_factory, utcnow
from tests.fixtures.stack import free_port
from tests.integration.calls import eventually
from tests.notification.conftest import (
    ScriptedHandler,
    SmtpServer,
    StartNotification,
    connection_event,
)

RECIPIENTS = [f"reader{n}@example.com" for n in range(6)]
EVENTS = 3
# Short claims, so a dead replica's messages are taken over within the test.
REPLICA_RETRIES = RetryPolicy(
    retry_for=timedelta(seconds=30),
    base_delay_seconds=0.05,
    max_delay_seconds=0.2,
    poll_interval_seconds=0.05,
    claim_lease_seconds=2.0,
)


@dataclass
class SlowHandler(ScriptedHandler):
    """Takes a while over each message, so replicas overlap mid-send."""

    delay_seconds: float = 0.05

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay_seconds)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp() -> Any:
    server = SmtpServer(free_port(), SlowHandler())
    server.start()
    yield server
    server.stop()


def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite serves one process")


def _sent_pairs(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    return Counter((str(m["Message-ID"]), str(m["To"])) for m in smtp.handler.received)


def _all_sent(service: Any, count: int) -> list[cpb.NotificationDelivery]:
    def probe() -> list[cpb.NotificationDelivery]:
        found = service.deliveries("p1")
        assert len(found) == count
        assert {d.status for d in found} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}
        return found

    return eventually(probe, timeout_seconds=30)


def test_two_replicas_send_each_message_once_even_when_one_starts_mid_send(
    start_notification: StartNotification, slow_smtp: SmtpServer, database_url: str
) -> None:
    _postgres_only(database_url)
    first = start_notification(slow_smtp, REPLICA_RETRIES)
    first.register("p1")
    first.set_list("p1", RECIPIENTS)
    for n in range(EVENTS):
        first.notify(connection_event("p1", connection_id=f"conn-{n}"), f"k{n}")
    # The second replica starts while the first is sending: it must not take over the
    # messages the first is holding.
    eventually(lambda: _at_least_one_sent(slow_smtp), timeout_seconds=10)
    second = start_notification(slow_smtp, REPLICA_RETRIES)

    deliveries = _all_sent(second, EVENTS * len(RECIPIENTS))

    sent = _sent_pairs(slow_smtp)
    assert set(sent.values()) == {1}, [pair for pair, times in sent.items() if times > 1]
    assert sorted(sent) == sorted((d.message_id, d.recipient) for d in deliveries)


def test_a_dead_replicas_messages_are_sent_by_the_other_under_the_same_message_ids(
    start_notification: StartNotification, slow_smtp: SmtpServer, database_url: str
) -> None:
    _postgres_only(database_url)
    survivor = start_notification(slow_smtp, REPLICA_RETRIES)
    survivor.register("p1")
    survivor.set_list("p1", RECIPIENTS)
    survivor.notify(connection_event("p1"), "k1")
    delivered = _all_sent(survivor, len(RECIPIENTS))
    # A replica died holding all of them: claimed ("sending"), its lease still running,
    # after the mail server had taken them (the crash window).
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(
                update(Delivery).values(
                    status="sending", sent_at=None, next_attempt_at=utcnow() + timedelta(seconds=1)
                )
            )
    finally:
        engine.dispose()
    time.sleep(0.5)
    assert len(slow_smtp.handler.received) == len(RECIPIENTS)  # held: not sent again yet

    resent = _all_sent(survivor, len(RECIPIENTS))

    assert all(d.attempts == 2 for d in resent)
    sent = _sent_pairs(slow_smtp)  # each one twice, folded by its one Message-ID
    assert sent == Counter({(d.message_id, d.recipient): 2 for d in delivered})


def _at_least_one_sent(smtp: SmtpServer) -> bool:
    assert smtp.handler.received
    return True
