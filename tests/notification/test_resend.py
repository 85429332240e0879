"""ResendDelivery: a finished delivery sent again with the same Message-ID and a fresh
retry horizon (R25); one still on its way is left alone."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as cpb
from services.notification.domain.retry_policy import RetryPolicy
from shared.facts.errors import error_info_of
from tests.integration.calls import eventually
from tests.notification.conftest import (
    Notification,
    SmtpServer,
    StartNotification,
    connection_event,
)

FAILED = cpb.NOTIFICATION_DELIVERY_STATUS_FAILED
QUEUED = cpb.NOTIFICATION_DELIVERY_STATUS_QUEUED
SENT = cpb.NOTIFICATION_DELIVERY_STATUS_SENT


def _only_delivery(service: Notification, status: int) -> cpb.NotificationDelivery:
    def probe() -> cpb.NotificationDelivery:
        (delivery,) = service.deliveries("p1")
        assert delivery.status == status
        return delivery

    return eventually(probe, timeout_seconds=10)


def _resend(
    service: Notification, message_id: str, request_id: str = ""
) -> pb.ResendDeliveryResponse:
    return service.stub.ResendDelivery(
        pb.ResendDeliveryRequest(project_id="p1", message_id=message_id, request_id=request_id),
        metadata=service.metadata,
        timeout=10,
    )


def _refusal(service: Notification, message_id: str) -> tuple[str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        _resend(service, message_id)
    info = error_info_of(caught.value)
    return caught.value.code().name, info.reason if info else ""


def test_a_delivery_that_gave_up_gets_a_fresh_horizon_and_keeps_its_message_id(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.handler.replies = ["451 Later"] * 1000
    smtp.start()
    horizon = RetryPolicy(
        retry_for=timedelta(seconds=1),
        base_delay_seconds=0.02,
        max_delay_seconds=0.05,
        poll_interval_seconds=0.02,
    )
    service = start_notification(smtp, horizon)
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])
    service.notify(connection_event("p1"), "k1")
    gave_up = _only_delivery(service, FAILED)
    smtp.handler.replies = ["451 Later"]  # refused once more, then accepted

    queued = _resend(service, gave_up.message_id, "again-1").delivery
    assert (queued.message_id, queued.status) == (gave_up.message_id, QUEUED)
    assert _resend(service, gave_up.message_id, "again-1").delivery == queued  # AIP-155

    # The first attempt after the resend is refused once more (451) and retried within the
    # new horizon, though the first one ran out long ago; the next is accepted.
    sent = _only_delivery(service, SENT)
    expected = (gave_up.message_id, gave_up.attempts + 2, "")
    assert (sent.message_id, sent.attempts, sent.last_error) == expected
    assert [str(m["Message-ID"]) for m in smtp.handler.received] == [gave_up.message_id]


def test_only_a_finished_delivery_of_the_project_can_be_sent_again(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    # The mail server is down and the next retry is a minute away: the delivery waits.
    service = start_notification(
        smtp, RetryPolicy(base_delay_seconds=60, poll_interval_seconds=0.02)
    )
    service.register("p1")
    service.register("p2")
    service.set_list("p1", ["ann@example.com"])
    service.notify(connection_event("p1"), "k1")
    waiting = eventually(lambda: _waiting_after_one_attempt(service), timeout_seconds=10)

    assert _refusal(service, waiting.message_id) == ("FAILED_PRECONDITION", "DELIVERY_NOT_FINISHED")
    assert _refusal(service, "<unknown@connectability.local>") == (
        "NOT_FOUND",
        "DELIVERY_NOT_FOUND",
    )
    other_project = pb.ResendDeliveryRequest(project_id="p2", message_id=waiting.message_id)
    with pytest.raises(grpc.RpcError) as caught:
        service.stub.ResendDelivery(other_project, metadata=service.metadata, timeout=10)
    info = error_info_of(caught.value)
    assert info is not None and info.reason == "DELIVERY_NOT_FOUND"
    assert _only_delivery(service, QUEUED).attempts == 1  # nothing changed


def _waiting_after_one_attempt(service: Notification) -> cpb.NotificationDelivery:
    (delivery,) = service.deliveries("p1")
    assert (delivery.status, delivery.attempts) == (QUEUED, 1)
    return delivery
