"""Composition root of the notification service: database, use cases, servicer, delivery
worker, server definition."""

from __future__ import annotations

from datetime import timedelta

from connectability.internal.v1 import (
    notification_internal_service_pb2,
    notification_internal_service_pb2_grpc,
)
from services.notification.api.servicer import NotificationServicer
from services.notification.clients.transports import MaildirTransport, SmtpTransport, Transport
from services.notification.domain import access_policy
from services.notification.domain.retry_policy import RetryPolicy
from services.notification.migrations import MIGRATIONS_DIR
from services.notification.store.models import IdempotentRequest
from services.notification.store.project_registry import ProjectRegistry
from services.notification.store.state_gauges import NotificationStateGauges
from services.notification.store.unit_of_work import NotificationUnitOfWork
from services.notification.use_cases.delivery_listing import DeliveryListing
from services.notification.use_cases.delivery_resending import DeliveryResending
from services.notification.use_cases.delivery_worker import DeliveryWorker
from services.notification.use_cases.digests import DigestFlushing
from services.notification.use_cases.distribution_lists import DistributionListUseCases
from services.notification.use_cases.events import EventIntake
from shared.persistence.db import upgrade_to_head
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.persistence.service_database import open_database_of
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
        claim_lease_seconds=settings.notification_claim_lease_seconds,
    )


def build_definition(
    settings: Settings, retry_policy: RetryPolicy | None = None
) -> ServiceDefinition:
    database = open_database_of(settings, SERVICE_NAME, MIGRATIONS_DIR)

    def uow() -> NotificationUnitOfWork:
        return NotificationUnitOfWork(database.sessions)

    digest_window = timedelta(seconds=settings.notification_digest_window_seconds)
    servicer = NotificationServicer(
        ProjectRegistry(database.sessions),
        DistributionListUseCases(uow),
        EventIntake(uow, digest_window),
        DeliveryListing(uow),
        DeliveryResending(uow),
        IdempotentCalls(database.sessions, IdempotentRequest, access_policy.admit),
    )
    worker = DeliveryWorker(
        uow,
        transport_for(settings),
        settings.mail_from,
        retry_policy or retry_policy_of(settings),
        flush_digests=DigestFlushing(uow).flush_due,
        web_base_url=settings.web_base_url,
        # SQLite serves one process: what it left sending is queued again at once.
        sole_worker=database.engine.dialect.name == "sqlite",
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
        gauges=NotificationStateGauges(database.sessions),
    )
