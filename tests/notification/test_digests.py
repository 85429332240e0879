"""New drawings and revisions ready for review: at most one digest per connection per window,
listing everything that arrived in it, never one email per revision (R24)."""

from __future__ import annotations

import time

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as cpb
from tests.integration.calls import eventually
from tests.notification.conftest import SmtpServer, StartNotification, connection_event

WINDOW_SECONDS = 1.0


def notice(number: str, connection_id: str = "conn-1") -> pb.NotificationEvent:
    return connection_event(
        "p1",
        pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY,
        connection_id=connection_id,
        count=1,
        items=[pb.NotificationItem(drawing_number=number, title="Sheet", revision_number="1")],
    )


def bodies_of(smtp: SmtpServer) -> list[str]:
    texts = []
    for message in smtp.handler.received:
        plain = message.get_body(preferencelist=("plain",))
        texts.append(plain.get_content() if plain else "")
    return texts


def test_notices_in_one_window_become_one_digest_per_recipient(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.start()
    service = start_notification(smtp, digest_window=WINDOW_SECONDS)
    service.register("p1")
    service.set_list("p1", ["ann@example.com", "bob@example.com"])

    answers = [service.notify(notice(number), f"k-{number}") for number in ("A-1", "A-2", "A-3")]
    service.notify(notice("A-1"), "k-A-1")  # a retried notice adds nothing
    assert [answer.queued_messages for answer in answers] == [0, 0, 0]  # held for the digest
    assert smtp.handler.received == []

    def one_digest_each() -> None:
        assert sorted(rcpt for _, rcpts in smtp.handler.envelopes for rcpt in rcpts) == [
            "ann@example.com",
            "bob@example.com",
        ]

    eventually(one_digest_each, timeout_seconds=10)
    for body in bodies_of(smtp):
        assert all(number in body for number in ("A-1", "A-2", "A-3"))
        assert body.count("A-1") == 1
    time.sleep(WINDOW_SECONDS + 0.5)
    assert len(smtp.handler.received) == 2  # nothing more was sent for that window


def test_each_connection_and_each_window_gets_its_own_digest(
    start_notification: StartNotification, smtp: SmtpServer
) -> None:
    smtp.start()
    service = start_notification(smtp, digest_window=WINDOW_SECONDS)
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])

    service.notify(notice("A-1", "conn-1"), "k1")
    service.notify(notice("B-1", "conn-2"), "k2")
    eventually(lambda: _assert_count(smtp, 2), timeout_seconds=10)
    service.notify(notice("A-2", "conn-1"), "k3")  # after the first window closed
    eventually(lambda: _assert_count(smtp, 3), timeout_seconds=10)

    bodies = bodies_of(smtp)
    first_two = sorted(bodies[:2], key=lambda body: "B-1" in body)
    assert "A-1" in first_two[0] and "B-1" not in first_two[0]
    assert "B-1" in first_two[1] and "A-1" not in first_two[1]
    assert "A-2" in bodies[2] and "A-1" not in bodies[2]
    sent = service.deliveries("p1")
    assert len(sent) == 3 and {d.status for d in sent} == {cpb.NOTIFICATION_DELIVERY_STATUS_SENT}


def _assert_count(smtp: SmtpServer, expected: int) -> None:
    assert len(smtp.handler.received) == expected
