"""Wiring of the drawing service: database, repositories, servicer, server definition."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import (
    drawing_internal_service_pb2,
    drawing_internal_service_pb2_grpc,
)
from connectability.v1 import drawing_service_pb2, drawing_service_pb2_grpc
from services.drawing.api.internal_servicer import DrawingInternalServicer
from services.drawing.api.servicer import DrawingServicer, DrawingUseCases
from services.drawing.domain import access_policy
from services.drawing.migrations import MIGRATIONS_DIR
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.feed_notifier import start_feed_head_notifier
from services.drawing.store.files.configured import start_configured_storage_endpoint
from services.drawing.store.files.file_access import FileAccess, file_access_from
from services.drawing.store.models import IdempotentRequest
from services.drawing.store.project_registry import ProjectRegistry
from services.drawing.store.state_gauges import DrawingStateGauges
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases.annotations import AnnotationUseCases
from services.drawing.use_cases.catalog import CatalogUseCases
from services.drawing.use_cases.catalog_steps import Catalog
from services.drawing.use_cases.connection_sync import ConnectionSync
from services.drawing.use_cases.feed_heads import FeedHeads
from services.drawing.use_cases.files import FileUseCases
from services.drawing.use_cases.permissions import DrawingsPermissionsUseCases
from services.drawing.use_cases.project_changes import ProjectChangesUseCases
from services.drawing.use_cases.projects import Projects
from services.drawing.use_cases.revision_steps import Revisions
from services.drawing.use_cases.revisions import RevisionUseCases
from services.drawing.use_cases.upload_processing import DrawingUploadProcessing
from services.drawing.use_cases.uploads import DrawingUploadUseCases
from shared.persistence.db import upgrade_to_head
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.persistence.service_database import open_database_of
from shared.runtime.config import Settings
from shared.runtime.server import ServiceDefinition

SERVICE_NAME = "drawing"
GRPC_SERVICE = drawing_service_pb2.DESCRIPTOR.services_by_name["DrawingService"].full_name
INTERNAL_GRPC_SERVICE = drawing_internal_service_pb2.DESCRIPTOR.services_by_name[
    "DrawingInternalService"
].full_name


def migrate_database(url: str) -> None:
    upgrade_to_head(url, MIGRATIONS_DIR)


def build_definition(settings: Settings) -> ServiceDefinition:
    database = open_database_of(settings, SERVICE_NAME, MIGRATIONS_DIR)
    sessions = database.sessions
    files = file_access_from(settings)
    feed = ChangeFeed(sessions)
    # On PostgreSQL, commits of other drawing replicas wake this one's feed-head watchers.
    notifier = start_feed_head_notifier(
        settings.database_url_of(SERVICE_NAME), sessions, feed.wake_watchers
    )
    # Drawing uploads queued by CreateDrawingUpload are processed in the background.
    upload_processing = DrawingUploadProcessing(sessions, files.file_store)
    idempotent_calls = IdempotentCalls(sessions, IdempotentRequest, access_policy.admit)
    servicer = DrawingServicer(
        drawing_use_cases(sessions, feed, files, upload_processing.poke), idempotent_calls
    )

    def unit_of_work() -> DrawingUnitOfWork:
        return DrawingUnitOfWork(sessions)

    internal_servicer = DrawingInternalServicer(
        Projects(ProjectRegistry(sessions), unit_of_work),
        ConnectionSync(unit_of_work),
        FeedHeads(feed),
        idempotent_calls,
    )
    # The storage endpoint shares the store, the secret and the database with the servicer.
    storage = start_configured_storage_endpoint(settings, sessions, files.file_store)
    upload_processing.start()
    return ServiceDefinition(
        name=SERVICE_NAME,
        grpc_service_names=[GRPC_SERVICE, INTERNAL_GRPC_SERVICE],
        register=lambda server: _register(servicer, internal_servicer, server),
        on_stop=[upload_processing.stop, storage.stop, database.engine.dispose]
        + ([notifier.stop] if notifier else []),
        gauges=DrawingStateGauges(sessions),
    )


def drawing_use_cases(
    sessions: sessionmaker[Session],
    feed: ChangeFeed,
    files: FileAccess,
    upload_queued: Callable[[], None],
) -> DrawingUseCases:
    """The use cases of the public API over one database; ``upload_queued`` wakes the
    processing round of drawing uploads."""

    def uow() -> DrawingUnitOfWork:
        return DrawingUnitOfWork(sessions)

    revisions = Revisions(feed, files_checked_at_claim=files.uploads_go_to_bucket)
    return DrawingUseCases(
        permissions=DrawingsPermissionsUseCases(uow),
        catalog=CatalogUseCases(uow, Catalog(feed)),
        revisions=RevisionUseCases(uow, revisions),
        uploads=DrawingUploadUseCases(uow, revisions, upload_queued),
        annotations=AnnotationUseCases(uow),
        files=FileUseCases(uow, files),
        changes=ProjectChangesUseCases(uow, feed),
    )


def _register(
    servicer: DrawingServicer, internal_servicer: DrawingInternalServicer, server: grpc.Server
) -> None:
    """The public and the internal service answer on the same port."""
    drawing_service_pb2_grpc.add_DrawingServiceServicer_to_server(servicer, server)
    drawing_internal_service_pb2_grpc.add_DrawingInternalServiceServicer_to_server(
        internal_servicer, server
    )
