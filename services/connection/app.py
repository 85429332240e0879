"""Wiring of the connection service: database, clients of the services below, servicer."""

from __future__ import annotations

import os
import socket
import uuid

from connectability.internal.v1 import (
    drawing_internal_service_pb2,
    drawing_internal_service_pb2_grpc,
    notification_internal_service_pb2,
    notification_internal_service_pb2_grpc,
)
from connectability.v1 import (
    connection_service_pb2,
    connection_service_pb2_grpc,
    drawing_service_pb2,
    drawing_service_pb2_grpc,
)
from services.connection.api.servicer import ConnectionServicer
from services.connection.clients.drawing_facts import DrawingFacts
from services.connection.clients.drawing_sync_calls import DrawingSyncCalls
from services.connection.clients.notification_deliveries import NotificationDeliveries
from services.connection.clients.notification_lists import NotificationLists
from services.connection.clients.notification_notices import NotificationNotices
from services.connection.clients.project_facts_senders import project_facts_senders
from services.connection.domain import access_policy
from services.connection.domain.connection_rules import ConnectionRuleSettings
from services.connection.domain.integrator_clients import IntegratorClientLimits
from services.connection.migrations import MIGRATIONS_DIR
from services.connection.store.models import IdempotentRequest
from services.connection.store.notification_outbox import OutboxEntries
from services.connection.store.project_facts_outbox import ProjectFactsDeliveries
from services.connection.store.state_gauges import ConnectionStateGauges
from services.connection.store.sync_records import SyncRecords
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from services.connection.use_cases.caller_companies import CallerCompanies
from services.connection.use_cases.connections import Connections, Wakes
from services.connection.use_cases.directory import DirectoryUseCases
from services.connection.use_cases.integrators import IntegratorClients, IntegratorTokens
from services.connection.use_cases.notice_delivery import NoticeDelivery
from services.connection.use_cases.project_facts_publisher import ProjectFactsPublisher
from services.connection.use_cases.settings import ConnectionManagerSettings
from services.connection.use_cases.sync.engine import SyncEngine
from services.connection.use_cases.sync.progress import SyncProgress
from services.connection.use_cases.sync_state import SyncStates
from shared.persistence.db import upgrade_to_head
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.persistence.service_database import open_database_of
from shared.runtime.client import open_channel
from shared.runtime.config import Settings
from shared.runtime.server import ServiceDefinition
from shared.runtime.service_process import service_token_source
from shared.runtime.tls import channel_credentials
from shared.runtime.tokens import TokenIssuer

SERVICE_NAME = "connection"
GRPC_SERVICE = connection_service_pb2.DESCRIPTOR.services_by_name["ConnectionService"].full_name
DRAWING_SERVICE = drawing_service_pb2.DESCRIPTOR.services_by_name["DrawingService"].full_name
DRAWING_INTERNAL_SERVICE = drawing_internal_service_pb2.DESCRIPTOR.services_by_name[
    "DrawingInternalService"
].full_name
NOTIFICATION_SERVICE = notification_internal_service_pb2.DESCRIPTOR.services_by_name[
    "NotificationInternalService"
].full_name


def sync_owner_id() -> str:
    """Names this process in the sync leases it holds (for people reading the table)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def migrate_database(url: str) -> None:
    upgrade_to_head(url, MIGRATIONS_DIR)


def build_definition(settings: Settings) -> ServiceDefinition:
    database = open_database_of(settings, SERVICE_NAME, MIGRATIONS_DIR)
    sessions = database.sessions
    tokens = service_token_source(settings, SERVICE_NAME)
    outgoing_tls = channel_credentials(settings)
    drawing_channel = open_channel(
        settings.address_of("drawing"),
        [DRAWING_SERVICE, DRAWING_INTERNAL_SERVICE],
        tokens.token,
        settings.outgoing_deadline_seconds,
        settings.max_message_bytes,
        outgoing_tls,
    )
    notification_channel = open_channel(
        settings.address_of("notification"),
        [NOTIFICATION_SERVICE],
        tokens.token,
        settings.outgoing_deadline_seconds,
        settings.max_message_bytes,
        outgoing_tls,
    )
    drawing = drawing_service_pb2_grpc.DrawingServiceStub(drawing_channel)
    drawing_internal = drawing_internal_service_pb2_grpc.DrawingInternalServiceStub(drawing_channel)
    notification = notification_internal_service_pb2_grpc.NotificationInternalServiceStub(
        notification_channel
    )
    facts = ProjectFactsPublisher(
        ProjectFactsDeliveries(sessions), project_facts_senders(drawing_internal, notification)
    )
    notices = NoticeDelivery(OutboxEntries(sessions), NotificationNotices(notification).notify)
    # The sync engine's own channel: its initial copy is one long bulk call, beyond the
    # default deadline of ordinary calls.
    sync_channel = open_channel(
        settings.address_of("drawing"),
        [DRAWING_SERVICE, DRAWING_INTERNAL_SERVICE],
        tokens.token,
        settings.initial_copy_deadline_seconds,
        settings.max_message_bytes,
        outgoing_tls,
    )
    sync_records = SyncRecords(sessions, sync_owner_id(), settings.sync_lease_seconds)
    sync = SyncEngine(
        sync_records,
        SyncProgress(sessions, notices),
        DrawingSyncCalls(
            drawing_service_pb2_grpc.DrawingServiceStub(sync_channel),
            drawing_internal_service_pb2_grpc.DrawingInternalServiceStub(sync_channel),
            call_seconds=settings.outgoing_deadline_seconds,
            copy_seconds=settings.initial_copy_deadline_seconds,
        ),
        wait_seconds=settings.sync_wait_seconds,
        apply_parallelism=settings.sync_apply_parallelism,
    )
    drawing_facts = DrawingFacts(drawing, drawing_internal)

    def unit_of_work() -> ConnectionUnitOfWork:
        return ConnectionUnitOfWork(sessions)

    connections = Connections(
        unit_of_work,
        drawing_facts,
        ConnectionRuleSettings(settings.revision_limit, settings.same_company_connections_allowed),
        Wakes(
            notices_written=notices.poke,
            sync_due=sync.poke,
            disconnected=sync.pass_disconnections_down,
        ),
    )
    servicer = ConnectionServicer(
        IdempotentCalls(sessions, IdempotentRequest, access_policy.admit),
        DirectoryUseCases(unit_of_work, facts, sync.poke),
        ConnectionManagerSettings(
            unit_of_work,
            drawing_facts,
            NotificationLists(notification),
            NotificationDeliveries(notification),
        ),
        IntegratorClients(
            unit_of_work,
            IntegratorClientLimits(
                settings.integrator_default_rate_limit_per_hour,
                settings.integrator_clients_per_company,
            ),
            IntegratorTokens(
                TokenIssuer(
                    settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer
                ),
                settings.integrator_token_ttl_seconds,
            ),
        ),
        connections,
        SyncStates(unit_of_work, drawing_facts),
    )
    facts.start()
    notices.start()
    sync.start()
    return ServiceDefinition(
        name=SERVICE_NAME,
        grpc_service_names=[GRPC_SERVICE],
        register=lambda server: connection_service_pb2_grpc.add_ConnectionServiceServicer_to_server(
            servicer, server
        ),
        # The directory, not the token, says which company a person belongs to (R27).
        resolve_principal=CallerCompanies(unit_of_work).resolve,
        # Client applications exchange their id and secret for a token here (R32).
        token_free_methods=[f"/{GRPC_SERVICE}/CreateIntegratorToken"],
        on_stop=[
            sync.stop,
            sync_channel.close,
            facts.stop,
            notices.stop,
            drawing_channel.close,
            notification_channel.close,
            database.engine.dispose,
        ],
        gauges=ConnectionStateGauges(sessions),
    )
