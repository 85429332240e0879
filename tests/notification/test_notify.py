"""Notify: validated, stored with its messages in one transaction, idempotent by key."""

from __future__ import annotations

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from tests.integration.calls import refusal
from tests.notification.conftest import StartNotification, connection_event


def test_a_repeated_key_queues_nothing_and_answers_the_first_event(
    start_notification: StartNotification,
) -> None:
    service = start_notification()  # Maildir mode: deliveries still happen, locally
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "bob@example.com"])
    event = connection_event("p1")

    first = service.notify(event, "connection/conn-1/created")
    again = service.notify(event, "connection/conn-1/created")

    assert (first.queued_messages, first.duplicate) == (2, False)
    assert (again.event_id, again.queued_messages, again.duplicate) == (first.event_id, 0, True)
    assert len(service.deliveries("p1")) == 2

    other = connection_event("p1", pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED)
    reused = pb.NotifyRequest(event=other, idempotency_key="connection/conn-1/created")
    assert refusal(service.stub.Notify, reused, service.token) == (
        "INVALID_ARGUMENT",
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert len(service.deliveries("p1")) == 2


def test_refused_events_store_nothing(start_notification: StartNotification) -> None:
    service = start_notification()
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])
    notify = service.stub.Notify

    def request(event: pb.NotificationEvent, key: str = "k1") -> pb.NotifyRequest:
        return pb.NotifyRequest(event=event, idempotency_key=key)

    unspecified = connection_event("p1", pb.NOTIFICATION_EVENT_KIND_UNSPECIFIED)
    unknown_kind = connection_event("p1", 99)  # type: ignore[arg-type]
    assert refusal(notify, request(unspecified), service.token) == (
        "INVALID_ARGUMENT",
        "UNKNOWN_EVENT_KIND",
    )
    assert refusal(notify, request(unknown_kind), service.token) == (
        "INVALID_ARGUMENT",
        "UNKNOWN_EVENT_KIND",
    )
    assert refusal(notify, request(connection_event("p1"), ""), service.token)[0] == (
        "INVALID_ARGUMENT"
    )
    assert refusal(notify, request(connection_event("nope")), service.token) == (
        "NOT_FOUND",
        "PROJECT_NOT_FOUND",
    )
    assert service.deliveries("p1") == []
    # The refused key was never taken: it works now for a good event.
    assert service.notify(connection_event("p1"), "k1").duplicate is False


def test_an_empty_list_records_the_event_and_queues_nothing(
    start_notification: StartNotification,
) -> None:
    service = start_notification()
    service.register("p1")

    answer = service.notify(connection_event("p1"), "k1")

    assert answer.event_id and answer.queued_messages == 0
    assert service.deliveries("p1", answer.event_id) == []
