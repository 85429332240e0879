"""A project's notification deliveries through ConnectionService (R25): listed for its
Connection Manager, and a failed one sent again, by an admin, with the same Message-ID.

The session stack mails into a Maildir, which never refuses; so this test runs its own
connection and notification processes, the notification one mailing through an SMTP
server that refuses the first message (550) and accepts the rest. They share the session
stack's drawing service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.runtime.config import Settings
from tests.fixtures.databases import fresh_database_url
from tests.fixtures.stack import Stack, free_port
from tests.integration.calls import bearer, eventually, refusal
from tests.notification.conftest import ScriptedHandler, SmtpServer
from tests.security.integrator_setup import Directory

ADMIN = common_pb2.PERMISSION_LEVEL_ADMIN
READ_ONLY = common_pb2.PERMISSION_LEVEL_READ_ONLY
FAILED = pb.NOTIFICATION_DELIVERY_STATUS_FAILED
QUEUED = pb.NOTIFICATION_DELIVERY_STATUS_QUEUED
SENT = pb.NOTIFICATION_DELIVERY_STATUS_SENT
REFUSAL = "550 5.1.1 Mailbox unavailable"


@pytest.fixture
def mailing_stack(stack: Stack, tmp_path: Path) -> Iterator[tuple[Stack, SmtpServer]]:
    """Connection and notification processes of their own, the drawing one shared."""
    smtp = SmtpServer(free_port(), ScriptedHandler(replies=[REFUSAL]))
    smtp.start()
    env = dict(stack.env)
    ports = {"connection": free_port(), "notification": free_port()}
    env.update(
        {
            "CONNECTABILITY_DATA_DIR": str(tmp_path),
            "CONNECTABILITY_CONNECTION_PORT": str(ports["connection"]),
            "CONNECTABILITY_NOTIFICATION_PORT": str(ports["notification"]),
            "CONNECTABILITY_SMTP_HOST": "127.0.0.1",
            "CONNECTABILITY_SMTP_PORT": str(smtp.port),
        }
    )
    for name in ports:
        env.pop(f"CONNECTABILITY_{name.upper()}_DATABASE_URL", None)
        if stack.backend == "postgresql":
            env[f"CONNECTABILITY_{name.upper()}_DATABASE_URL"] = fresh_database_url(
                "postgresql", f"deliveries_{name}"
            )
    settings = Settings(
        data_dir=tmp_path,
        connection_port=ports["connection"],
        notification_port=ports["notification"],
    )
    processes = start_services(settings, list(ports), env=env)
    shared_drawing = [process for process in stack.processes if process.name == "drawing"]
    running = Stack(stack.backend, stack.keys, tmp_path, env, processes + shared_drawing)
    try:
        wait_until_serving(processes, timeout_seconds=60)
        yield running, smtp
    finally:
        running.close()
        stop_services(processes, grace_seconds=2)
        smtp.stop()


def test_a_failed_delivery_is_listed_and_sent_again_with_its_message_id(
    mailing_stack: tuple[Stack, SmtpServer],
) -> None:
    stack, smtp = mailing_stack
    directory = Directory(stack)
    company = directory.company(approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED)
    upstream = directory.project_known_below(company.id)
    downstream = directory.project_known_below(company.id)
    admin = directory.user(company.id, admin=True)
    reader = directory.user(company.id)
    outsider = directory.user(directory.company().id)
    for project in (upstream, downstream):
        directory.grant(project.id, admin.id, ADMIN, manager=ADMIN)
    directory.grant(upstream.id, reader.id, READ_ONLY, manager=READ_ONLY)
    tokens = {
        person: stack.keys.user_token(user.id, user.company_id)
        for person, user in {"admin": admin, "reader": reader, "outsider": outsider}.items()
    }
    connection = directory.connection
    connection.UpdateDistributionList(
        pb.UpdateDistributionListRequest(project_id=upstream.id, emails=["ops@example.com"]),
        metadata=bearer(tokens["admin"]),
        timeout=10,
    )
    # The upstream's list hears of a request needing review (R23); the mail server
    # refuses that message for good.
    connection.RequestConnection(
        pb.RequestConnectionRequest(
            downstream_project_id=downstream.id, upstream_project_id=upstream.id
        ),
        metadata=bearer(tokens["admin"]),
        timeout=15,
    )

    def failed_delivery() -> pb.NotificationDelivery:
        answer = connection.ListNotificationDeliveries(
            pb.ListNotificationDeliveriesRequest(project_id=upstream.id),
            metadata=bearer(tokens["reader"]),  # read_only may look
            timeout=10,
        )
        assert [d.status for d in answer.deliveries] == [FAILED]
        return answer.deliveries[0]

    failed = eventually(failed_delivery, timeout_seconds=20)
    assert (failed.recipient, failed.attempts) == ("ops@example.com", 1)
    assert "550" in failed.last_error and not smtp.handler.received

    resend = pb.ResendNotificationDeliveryRequest(
        project_id=upstream.id, message_id=failed.message_id, request_id="resend-1"
    )
    assert refusal(connection.ResendNotificationDelivery, resend, tokens["reader"]) == (
        "PERMISSION_DENIED",
        "CONNECTION_MANAGER_ADMIN_REQUIRED",
    )
    listing = pb.ListNotificationDeliveriesRequest(project_id=upstream.id)
    for call, request in (
        (connection.ListNotificationDeliveries, listing),
        (connection.ResendNotificationDelivery, resend),
    ):
        assert refusal(call, request, tokens["outsider"]) == ("NOT_FOUND", "PROJECT_NOT_FOUND")

    queued = connection.ResendNotificationDelivery(
        resend, metadata=bearer(tokens["admin"]), timeout=10
    ).delivery
    assert (queued.message_id, queued.status) == (failed.message_id, QUEUED)
    again = connection.ResendNotificationDelivery(
        resend, metadata=bearer(tokens["admin"]), timeout=10
    ).delivery
    assert again == queued  # AIP-155: the first answer, nothing queued twice

    def sent_delivery() -> pb.NotificationDelivery:
        answer = connection.ListNotificationDeliveries(
            listing, metadata=bearer(tokens["admin"]), timeout=10
        )
        assert [d.status for d in answer.deliveries] == [SENT]
        return answer.deliveries[0]

    sent = eventually(sent_delivery, timeout_seconds=20)
    assert (sent.message_id, sent.attempts, sent.last_error) == (failed.message_id, 2, "")
    assert [str(m["Message-ID"]) for m in smtp.handler.received] == [failed.message_id]

    unknown = pb.ResendNotificationDeliveryRequest(
        project_id=upstream.id, message_id="<no-such-message@connectability.local>"
    )
    assert refusal(connection.ResendNotificationDelivery, unknown, tokens["admin"]) == (
        "NOT_FOUND",
        "DELIVERY_NOT_FOUND",
    )
