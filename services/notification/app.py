"""Wiring of the notification service: database, repositories, servicer, server definition."""

from __future__ import annotations

from connectability.v1 import notification_service_pb2, notification_service_pb2_grpc
from services.notification.migrations import MIGRATIONS_DIR
from services.notification.project_registry import ProjectRegistry
from services.notification.servicer import NotificationServicer
from shared.config import Settings
from shared.db import upgrade_to_head
from shared.server import ServiceDefinition
from shared.service_database import open_service_database

SERVICE_NAME = "notification"
GRPC_SERVICE = notification_service_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name


def migrate_database(url: str) -> None:
    upgrade_to_head(url, MIGRATIONS_DIR)


def build_definition(settings: Settings) -> ServiceDefinition:
    database = open_service_database(settings.database_url_of(SERVICE_NAME), MIGRATIONS_DIR)
    servicer = NotificationServicer(ProjectRegistry(database.sessions))
    return ServiceDefinition(
        name=SERVICE_NAME,
        grpc_service_names=[GRPC_SERVICE],
        register=lambda server: (
            notification_service_pb2_grpc.add_NotificationServiceServicer_to_server(
                servicer, server
            )
        ),
        on_stop=[database.engine.dispose],
    )
