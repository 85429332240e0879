"""A notification service served in-process on 127.0.0.1:0, and a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiosmtpd.controller import Controller

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as pb_grpc
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as cpb
from services.notification.app import build_definition
from services.notification.domain.retry_policy import RetryPolicy
from shared.runtime.config import Settings
from shared.runtime.server import GrpcServer, start_server
from tests.fixtures.identity import SigningKeys
from tests.fixtures.stack import free_port

# Fast enough for tests: a retry 50 ms after the first failure, doubling up to 0.2 s, for
# 30 s (a test that needs giving up sets its own, shorter horizon).
FAST_RETRIES = RetryPolicy(
    retry_for=timedelta(seconds=30),
    base_delay_seconds=0.05,
    max_delay_seconds=0.2,
    poll_interval_seconds=0.05,
)


@dataclass
class ScriptedHandler:
    """Answers DATA with the next scripted reply (then 250), keeping what it accepted."""

    replies: list[str] = field(default_factory=list)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0)
        if self.replies:
            return self.replies.pop(0)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: ScriptedHandler
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a free port, not yet started (tests may want it down first)."""
    server = SmtpServer(free_port(), ScriptedHandler())
    yield server
    server.stop()


@dataclass
class Notification:
    server: GrpcServer
    channel: grpc.Channel
    stub: pb_grpc.NotificationInternalServiceStub
    token: str

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")]

    def register(self, project_id: str, name: str = "Tower", company: str = "acme") -> None:
        facts = common_pb2.ProjectFacts(
            project_id=project_id, company_id=company, name=name, active=True
        )
        facts.update_time.FromDatetime(datetime.now(UTC))
        self.stub.RegisterProject(
            pb.NotificationInternalServiceRegisterProjectRequest(project=facts),
            metadata=self.metadata,
            timeout=10,
        )

    def set_list(self, project_id: str, emails: list[str]) -> pb.UpdateDistributionListResponse:
        return self.stub.UpdateDistributionList(
            pb.UpdateDistributionListRequest(
                project_id=project_id, tool=common_pb2.TOOL_CONNECTION_MANAGER, emails=emails
            ),
            metadata=self.metadata,
            timeout=10,
        )

    def notify(self, event: pb.NotificationEvent, key: str) -> pb.NotifyResponse:
        return self.stub.Notify(
            pb.NotifyRequest(event=event, idempotency_key=key), metadata=self.metadata, timeout=10
        )

    def deliveries(self, project_id: str, event_id: str = "") -> list[cpb.NotificationDelivery]:
        answer = self.stub.ListDeliveries(
            pb.ListDeliveriesRequest(project_id=project_id, event_id=event_id),
            metadata=self.metadata,
            timeout=10,
        )
        return list(answer.deliveries)

    def close(self) -> None:
        self.channel.close()
        self.server.shutdown(0)


StartNotification = Callable[..., Notification]


@pytest.fixture
def start_notification(
    database_url: str, test_keys: SigningKeys, tmp_path: Path
) -> Iterator[StartNotification]:
    """Starts the service on ``database_url``; ``smtp`` None means Maildir mode."""
    started: list[Notification] = []

    def start(
        smtp: SmtpServer | None = None,
        retries: RetryPolicy = FAST_RETRIES,
        digest_window: float = 300.0,
        web_base_url: str = "http://127.0.0.1:8080",
    ) -> Notification:
        settings = Settings(
            notification_database_url=database_url,
            notification_digest_window_seconds=digest_window,
            data_dir=tmp_path / "data",
            smtp_host="127.0.0.1" if smtp else "",
            smtp_port=smtp.port if smtp else 25,
            mail_from="Connectability <no-reply@example.com>",
            web_base_url=web_base_url,
        )
        server = start_server(
            build_definition(settings, retries), settings, test_keys.verifier(), port=0
        )
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        running = Notification(
            server,
            channel,
            pb_grpc.NotificationInternalServiceStub(channel),
            test_keys.service_token("connection"),
        )
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.close()


def connection_event(
    project_id: str,
    kind: pb.NotificationEventKind = pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
    **fields: Any,
) -> pb.NotificationEvent:
    values: dict[str, Any] = {
        "kind": kind,
        "project_id": project_id,
        "connection_id": "conn-1",
        "project_name": "Tower",
        "company_name": "Acme Builders",
        "other_project_id": "p-up",
        "other_project_name": "Tower Design",
        "other_company_name": "Archi & Co",
    }
    values.update(fields)
    return pb.NotificationEvent(**values)
