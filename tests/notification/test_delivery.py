"""Delivery: one message per recipient through a real SMTP server, retried with back-off,
failed on refusal, resent with the same Message-ID after a crash, or written to a Maildir
(R25)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as cpb
from services.notification.domain.retry_policy import RetryPolicy
from services.notification.store.models import Delivery
from shared.persistence.db import make_engine, make_session_factory
from tests.integration.calls import eventually
from tests.notification.conftest import (
    SmtpServer,
    StartNotification,
    connection_event,
)


def _settled(service: object, project_id: str, count: int) -> list[cpb.NotificationDelivery]:
    def probe() -> list[cpb.NotificationDelivery]:
        found = service.deliveries(project_id)  # type: ignore[attr-defined]
        assert len(found) == count
        assert all(
            d.status
            in (cpb.NOTIFICATION_DELIVERY_STATUS_SENT, cpb.NOTIFICATION_DELIVERY_STATUS_FAILED)
            for d in found
        )
        return found

    return eventually(probe, timeout_seconds=10)


def test_each_recipient_gets_one_message_with_headers_and_both_bodies(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.start()
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "Bob@Example.com", "bob@example.com"])
    event = connection_event(
        "p1",
        pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED,
        actor_name="Dana <Admin>",
        reason="Project closed",
    )

    answer = service.notify(event, "connection/conn-1/disconnected")
    deliveries = _settled(service, "p1", 2)

    assert {d.status for d in deliveries} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}
    assert all(d.attempts == 1 and d.HasField("sent_time") for d in deliveries)
    received = {str(m["To"]): m for m in smtp.handler.received}
    assert sorted(received) == ["Bob@Example.com", "ann@example.com"]
    ids = {d.recipient: d.message_id for d in deliveries}
    for recipient, message in received.items():
        assert message["From"] == "Connectability <no-reply@example.com>"
        assert message["Message-ID"] == ids[recipient]
        assert "disconnected" in str(message["Subject"])
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",))
        page = message.get_body(("html",))
        assert text is not None and page is not None
        assert "Dana <Admin>" in text.get_content() and "Project closed" in text.get_content()
        assert "Dana &lt;Admin&gt;" in page.get_content()
        assert "Tower Design" in text.get_content() and "Acme Builders" in text.get_content()
    assert all(d.event_id == answer.event_id for d in deliveries)
    assert len(set(ids.values())) == 2


def test_temporary_refusals_are_retried_until_accepted(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.handler.replies = ["451 Try again later", "421 Busy"]
    smtp.start()
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])

    service.notify(connection_event("p1"), "k1")
    (delivery,) = _settled(service, "p1", 1)

    assert delivery.status == cpb.NOTIFICATION_DELIVERY_STATUS_SENT
    assert delivery.attempts == 3
    assert len(smtp.handler.received) == 1


def test_a_permanent_refusal_fails_at_once_with_the_reason(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.handler.replies = ["550 Mailbox unavailable"]
    smtp.start()
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])

    service.notify(connection_event("p1"), "k1")
    (delivery,) = _settled(service, "p1", 1)

    assert delivery.status == cpb.NOTIFICATION_DELIVERY_STATUS_FAILED
    assert delivery.attempts == 1
    assert "550" in delivery.last_error and "Mailbox unavailable" in delivery.last_error
    assert smtp.handler.received == []


def test_temporary_failures_give_up_once_the_retry_horizon_has_passed(
    start_notification: StartNotification, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.handler.replies = ["451 Later"] * 1000
    smtp.start()
    horizon = RetryPolicy(
        retry_for=timedelta(seconds=0.5),
        base_delay_seconds=0.02,
        max_delay_seconds=0.05,
        poll_interval_seconds=0.02,
    )
    with caplog.at_level(logging.WARNING, logger="services.notification.use_cases.delivery_worker"):
        service = start_notification(smtp, horizon)
        service.register("p1")
        service.set_list("p1", ["ann@example.com"])

        service.notify(connection_event("p1"), "k1")
        (delivery,) = _settled(service, "p1", 1)

    assert delivery.status == cpb.NOTIFICATION_DELIVERY_STATUS_FAILED
    assert "gave up" in delivery.last_error and "451 Later" in delivery.last_error
    # Retried over the whole horizon, not a fixed count of attempts; a line per failed one.
    tried_for = delivery.update_time.ToDatetime() - delivery.create_time.ToDatetime()
    assert tried_for >= horizon.retry_for and delivery.attempts >= 2
    warned = [r for r in caplog.records if r.getMessage() == "mail delivery attempt failed"]
    assert len(warned) == delivery.attempts


def test_a_relay_down_longer_than_five_doublings_loses_no_notice(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    # Five attempts at 50 ms doubling span 0.75 s: the old policy gave up here (as it did
    # after 15 s at 1 s doubling); the horizon keeps retrying until the relay is back.
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "bob@example.com"])
    for index in range(4):
        service.notify(connection_event("p1", connection_id=f"conn-{index}"), f"k{index}")

    def retried_often() -> None:
        found = service.deliveries("p1")
        assert len(found) == 8 and all(d.attempts >= 7 for d in found)

    eventually(retried_often, timeout_seconds=15)
    smtp.start()
    deliveries = _settled(service, "p1", 8)

    assert {d.status for d in deliveries} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}
    received = [str(m["Message-ID"]) for m in smtp.handler.received]
    assert sorted(received) == sorted(d.message_id for d in deliveries)  # each once


def test_a_message_that_cannot_be_built_fails_alone(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.start()
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])
    # A line break in a name that reaches the Subject header: the message cannot be built.
    service.notify(connection_event("p1", other_project_name="Tower\r\nBcc: x@evil"), "broken")
    service.notify(connection_event("p1", connection_id="conn-2"), "fine")
    deliveries = {d.message_id: d for d in _settled(service, "p1", 2)}

    statuses = sorted(cpb.NotificationDeliveryStatus.Name(d.status) for d in deliveries.values())
    assert statuses == ["NOTIFICATION_DELIVERY_STATUS_FAILED", "NOTIFICATION_DELIVERY_STATUS_SENT"]
    (failed,) = [
        d for d in deliveries.values() if d.status == cpb.NOTIFICATION_DELIVERY_STATUS_FAILED
    ]
    assert failed.last_error
    assert [str(m["Message-ID"]) for m in smtp.handler.received] == [
        d.message_id
        for d in deliveries.values()
        if d.status == cpb.NOTIFICATION_DELIVERY_STATUS_SENT
    ]


def test_mail_sent_while_the_server_is_down_arrives_once_it_is_up(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    service = start_notification(smtp)
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "bob@example.com"])
    service.notify(connection_event("p1"), "k1")

    def retried() -> None:
        found = service.deliveries("p1")
        assert len(found) == 2
        assert all(
            d.attempts >= 1 and d.status == cpb.NOTIFICATION_DELIVERY_STATUS_QUEUED for d in found
        )
        assert all(d.last_error for d in found)

    eventually(retried)
    smtp.start()
    deliveries = _settled(service, "p1", 2)

    assert {d.status for d in deliveries} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}
    assert sorted(str(m["To"]) for m in smtp.handler.received) == [
        "ann@example.com",
        "bob@example.com",
    ]


def test_a_message_left_sending_by_a_crash_is_resent_with_the_same_message_id(
    start_notification: StartNotification, smtp: SmtpServer, database_url: str
) -> None:
    smtp.start()
    first = start_notification(smtp)
    first.register("p1")
    first.set_list("p1", ["ann@example.com"])
    first.notify(connection_event("p1"), "k1")
    (delivery,) = _settled(first, "p1", 1)
    first.close()
    # The crash window: the server accepted the message, our record of it was lost.
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(update(Delivery).values(status="sending", sent_at=None))
    finally:
        engine.dispose()

    second = start_notification(smtp)
    (resent,) = _settled(second, "p1", 1)

    assert resent.status == cpb.NOTIFICATION_DELIVERY_STATUS_SENT and resent.attempts == 2
    assert [m["Message-ID"] for m in smtp.handler.received] == [delivery.message_id] * 2


@pytest.mark.parametrize("kind", [pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY])
def test_maildir_mode_writes_exactly_one_file_per_message(
    start_notification: StartNotification, tmp_path: Path, kind: pb.NotificationEventKind
) -> None:
    service = start_notification(digest_window=0.2)  # new revisions come as a digest
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "bob@example.com"])
    event = connection_event(
        "p1",
        kind,
        count=2,
        items=[
            pb.NotificationItem(drawing_number="A-101", title="Plan", revision_number="2"),
            pb.NotificationItem(drawing_number="A-102", title="Section", revision_number="1"),
        ],
    )

    service.notify(event, "k1")
    service.notify(event, "k1")
    deliveries = _settled(service, "p1", 2)

    assert {d.status for d in deliveries} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}
    files = sorted((tmp_path / "data" / "maildir" / "new").iterdir())
    assert len(files) == 2
    contents = b"".join(path.read_bytes() for path in files)
    assert b"A-101" in contents and b"A-102" in contents
    for delivery in deliveries:
        assert delivery.message_id.encode() in contents


def test_each_message_names_its_connection_and_links_to_it_in_the_web_app(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.start()
    service = start_notification(smtp, web_base_url="https://cm.example.com/app/")
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])

    service.notify(connection_event("p1", connection_id="conn-42"), "connection/conn-42/created")
    _settled(service, "p1", 1)

    [message] = smtp.handler.received
    link = "https://cm.example.com/app/projects/p1/connections/conn-42"
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    assert f"Connection conn-42: {link}" in text.get_content()
    assert f'<a href="{link}">' in page.get_content()
