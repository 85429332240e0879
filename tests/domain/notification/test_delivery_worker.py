"""The delivery worker's decisions and the use cases that feed it, over an in-memory unit of
work and a scripted transport: which delivery is due, what a failure does, and that a
resend keeps its Message-ID (R23–R25)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.clients.transports import PermanentFailure, TemporaryFailure
from services.notification.domain.deliveries import DeliveryStatus
from services.notification.domain.recipients import CONNECTION_MANAGER
from services.notification.domain.retry_policy import RetryPolicy
from services.notification.store.models import NotificationEvent
from services.notification.use_cases.delivery_resending import DeliveryResending
from services.notification.use_cases.delivery_worker import DeliveryWorker
from services.notification.use_cases.digests import DigestFlushing
from services.notification.use_cases.events import EventIntake
from shared.facts.errors import FailedPrecondition, InvalidArgument
from shared.persistence.db import utcnow
from tests.domain.notification.fakes import FakeEvents, FakeTransport, FakeUnitOfWork

POLICY = RetryPolicy(retry_for=timedelta(hours=24), base_delay_seconds=60)
RECIPIENTS = ["ann@example.com", "bob@example.com"]


def connection_created(connection_id: str = "conn-1") -> pb.NotificationEvent:
    return pb.NotificationEvent(
        kind=pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
        project_id="p1",
        connection_id=connection_id,
        project_name="Tower",
        other_project_name="Annex",
    )


def new_revisions(drawing_number: str) -> pb.NotificationEvent:
    return pb.NotificationEvent(
        kind=pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY,
        project_id="p1",
        connection_id="conn-1",
        count=1,
        items=[pb.NotificationItem(drawing_number=drawing_number)],
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.projects.known.add("p1")
    fake.distribution_lists.put("p1", CONNECTION_MANAGER, RECIPIENTS, utcnow())
    return fake


def worker_over(uow: FakeUnitOfWork, transport: FakeTransport) -> DeliveryWorker:
    return DeliveryWorker(
        uow.factory(),
        transport,
        "notices@example.com",
        POLICY,
        flush_digests=DigestFlushing(uow.factory()).flush_due,
    )


def statuses(uow: FakeUnitOfWork) -> dict[str, str]:
    return {d.recipient: d.status for d in uow.deliveries.rows.values()}


def test_notify_queues_one_message_per_recipient_and_a_retry_answers_the_first(
    uow: FakeUnitOfWork,
) -> None:
    intake = EventIntake(uow.factory(), timedelta(minutes=5))
    first = intake.notify(connection_created(), "k1")
    again = intake.notify(connection_created(), "k1")

    assert first.queued_messages == len(RECIPIENTS) and not first.duplicate
    assert again.duplicate and again.event_id == first.event_id
    assert statuses(uow) == dict.fromkeys(RECIPIENTS, "queued") and uow.committed
    with pytest.raises(InvalidArgument) as refused:
        intake.notify(connection_created("conn-2"), "k1")
    assert refused.value.reason == "IDEMPOTENCY_KEY_REUSED"


def test_a_due_delivery_is_sent_and_one_not_yet_due_waits(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    later = uow.deliveries.by_message_id("p1", uow.deliveries.get(2).message_id)
    assert later is not None
    later.next_attempt_at = utcnow() + timedelta(hours=1)
    transport = FakeTransport()

    assert worker_over(uow, transport).run_once() == 1

    assert statuses(uow) == {"ann@example.com": "sent", "bob@example.com": "queued"}
    (message,) = transport.sent
    assert message["To"] == "ann@example.com" and uow.deliveries.get(1).sent_at is not None


def test_a_temporary_failure_waits_and_a_permanent_one_fails(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    transport = FakeTransport([TemporaryFailure("451 Later"), PermanentFailure("550 No")])

    worker_over(uow, transport).run_once()

    retrying, failed = uow.deliveries.get(1), uow.deliveries.get(2)
    assert (retrying.status, failed.status) == ("retrying", "failed")
    assert retrying.attempts == failed.attempts == 1
    assert retrying.next_attempt_at > utcnow() and retrying.last_error == "451 Later"
    assert "550 No" in failed.last_error and transport.sent == []
    # Not due again before its wait is over: nothing more is attempted.
    assert worker_over(uow, transport).run_once() == 0


def test_past_the_retry_horizon_a_temporary_failure_fails(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    for delivery in uow.deliveries.rows.values():
        delivery.created_at = utcnow() - POLICY.retry_for
    transport = FakeTransport([TemporaryFailure("451 Later")] * 2)

    worker_over(uow, transport).run_once()

    assert statuses(uow) == dict.fromkeys(RECIPIENTS, "failed")
    assert all("gave up" in d.last_error for d in uow.deliveries.rows.values())


def test_an_attempt_that_breaks_fails_alone(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    transport = FakeTransport([RuntimeError("a bug")])

    assert worker_over(uow, transport).run_once() == 2

    assert statuses(uow) == {"ann@example.com": "failed", "bob@example.com": "sent"}
    assert "the attempt broke" in uow.deliveries.get(1).last_error


def test_a_resend_keeps_its_message_id_and_a_fresh_horizon(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    transport = FakeTransport([PermanentFailure("550 No")])
    worker = worker_over(uow, transport)
    worker.run_once()
    failed = uow.deliveries.get(1)
    assert failed.status == "failed"

    resent = DeliveryResending(uow.factory()).resend("p1", failed.message_id)
    assert resent.status is DeliveryStatus.QUEUED and resent.message_id == failed.message_id
    assert failed.retrying_since is not None
    worker.run_once()

    assert [message["Message-ID"] for message in transport.sent].count(failed.message_id) == 1
    assert failed.status == "sent" and failed.attempts == 2


def test_a_delivery_still_queued_is_left_to_the_worker(uow: FakeUnitOfWork) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    queued = uow.deliveries.get(1)

    with pytest.raises(FailedPrecondition) as refused:
        DeliveryResending(uow.factory()).resend("p1", queued.message_id)

    assert refused.value.reason == "DELIVERY_NOT_FINISHED" and not uow.committed


def test_what_a_crash_left_sending_is_queued_again_with_its_message_id(
    uow: FakeUnitOfWork,
) -> None:
    EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")
    cut_short = uow.deliveries.get(1)
    cut_short.status, message_id = "sending", cut_short.message_id
    worker = worker_over(uow, FakeTransport())

    assert worker.recover_interrupted() == 1

    assert cut_short.status == "retrying" and cut_short.message_id == message_id


def test_new_revisions_gather_into_one_digest_sent_when_the_window_closes(
    uow: FakeUnitOfWork,
) -> None:
    intake = EventIntake(uow.factory(), timedelta(minutes=5))
    assert intake.notify(new_revisions("A-101"), "k1").queued_messages == 0
    assert intake.notify(new_revisions("A-102"), "k2").queued_messages == 0
    transport = FakeTransport()
    worker = worker_over(uow, transport)

    assert worker.run_once() == 0  # the window is still open
    (digest,) = uow.digests.rows
    digest.window_ends_at = utcnow()
    assert worker.run_once() == len(RECIPIENTS)

    assert len(transport.sent) == len(RECIPIENTS)
    body = transport.sent[0].get_body(("plain",))
    assert body is not None and "A-101" in body.get_content() and "A-102" in body.get_content()
    # Flushed once: the next round sends nothing more.
    assert worker.run_once() == 0


class TwinFirstEvents(FakeEvents):
    """A twin with the same key commits between our look-up and our insert, as in a race."""

    def add(self, event: NotificationEvent) -> None:
        if not self.rows:
            twin = NotificationEvent(
                id="twin-event",
                project_id=event.project_id,
                idempotency_key=event.idempotency_key,
                fingerprint=event.fingerprint,
                kind=event.kind,
                payload=event.payload,
            )
            super().add(twin)
        super().add(event)


def test_a_twin_that_committed_first_is_answered_as_its_event(uow: FakeUnitOfWork) -> None:
    uow.events = TwinFirstEvents()

    recorded = EventIntake(uow.factory(), timedelta(0)).notify(connection_created(), "k1")

    assert recorded.duplicate and recorded.event_id == "twin-event"
    assert statuses(uow) == {}
