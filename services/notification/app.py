"""Wiring of the notification service: database, repositories, servicer, delivery worker,
server definition."""

from __future__ import annotations

from datetime import timedelta

from connectability.internal.v1 import (
    notification_internal_service_pb2,
    notification_internal_service_pb2_grpc,
)
from services.notification.api.servicer import NotificationServicer
from services.notification.delivery_worker import DeliveryWorker, RetryPolicy
from services.notification.digests import flush_due_digests
from services.notification.events import queue_event
from services.notification.migrations import MIGRATIONS_DIR
from services.notification.project_registry import ProjectRegistry
from services.notification.transports import MaildirTransport, SmtpTransport, Transport
from shared.persistence.db import upgrade_to_head
from shared.persistence.service_database import open_service_database
from shared.runtime.config import Settings
from shared.runtime.server import ServiceDefinition

SERVICE_NAME = "notification"
GRPC_SERVICE = notification_internal_service_pb2.DESCRIPTOR.services_by_name[
    "NotificationInternalService"
].full_name


def migrate_database(url: str) -> None:
    upgrade_to_head(url, MIGRATIONS_DIR)


def transport_for(settings: Settings) -> Transport:
    """SMTP when a host is configured; otherwise a Maildir under data_dir (development)."""
    if not settings.smtp_host:
        return MaildirTransport(settings.data_dir / "maildir")
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


def retry_policy_of(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        retry_for=timedelta(seconds=settings.notification_retry_for_seconds),
        base_delay_seconds=settings.notification_retry_base_delay_seconds,
        max_delay_seconds=settings.notification_retry_max_delay_seconds,
    )


def build_definition(
    settings: Settings, retry_policy: RetryPolicy | None = None
) -> ServiceDefinition:
    database = open_service_database(settings.database_url_of(SERVICE_NAME), MIGRATIONS_DIR)
    servicer = NotificationServicer(
        ProjectRegistry(database.sessions),
        database.sessions,
        timedelta(seconds=settings.notification_digest_window_seconds),
    )
    worker = DeliveryWorker(
        database.sessions,
        transport_for(settings),
        settings.mail_from,
        retry_policy or retry_policy_of(settings),
        flush_digests=lambda: flush_due_digests(database.sessions, queue_event),
    )
    worker.start()
    return ServiceDefinition(
        name=SERVICE_NAME,
        grpc_service_names=[GRPC_SERVICE],
        register=lambda server: (
            notification_internal_service_pb2_grpc.add_NotificationInternalServiceServicer_to_server(
                servicer, server
            )
        ),
        # The worker goes first: it must not find the engine disposed under it.
        on_stop=[worker.stop, database.engine.dispose],
    )
