"""DrawingInternalService RPCs of the sync engine (R14–R21), called by the connection service only:
the initial copy, applying feed changes, and recording a disconnect."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import drawing_internal_service_pb2 as pb
from connectability.v1 import drawing_service_pb2
from services.drawing.applying import apply_project_changes
from services.drawing.change_batches import check_batch
from services.drawing.connection_cursors import mark_disconnected
from services.drawing.copying import copy_published_revisions
from services.drawing.domain import access_policy
from services.drawing.project_registry import ProjectRegistry
from shared.facts.errors import DomainError, ErrorReason, FailedPrecondition, InvalidArgument
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.runtime.request_checks import required_id


class ConnectionSyncRpcs:
    _sessions: sessionmaker[Session]
    _projects: ProjectRegistry
    _idempotent: IdempotentCalls

    def CopyPublishedRevisions(
        self, request: pb.CopyPublishedRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.CopyPublishedRevisionsResponse:
        access_policy.admit("CopyPublishedRevisions")
        connection_id = required_id(request.connection_id, "connection_id")
        upstream_id = required_id(request.upstream_project_id, "upstream_project_id")
        downstream_id = required_id(request.downstream_project_id, "downstream_project_id")
        for facts in (
            self._projects.get_project(upstream_id),
            self._projects.get_project(downstream_id),
        ):
            if not facts.active:
                raise FailedPrecondition(
                    ErrorReason.PROJECT_INACTIVE,
                    f"Project {facts.project_id!r} is inactive; the copy waits.",
                    {"project_id": facts.project_id},
                )

        def copy(session: Session) -> pb.CopyPublishedRevisionsResponse:
            snapshot, copies = copy_published_revisions(
                session, connection_id, upstream_id, downstream_id
            )
            return pb.CopyPublishedRevisionsResponse(
                snapshot_sequence=snapshot, copied_count=copies
            )

        return self._idempotent.run(
            "CopyPublishedRevisions", request, pb.CopyPublishedRevisionsResponse, copy
        )

    def ApplyProjectChanges(
        self, request: pb.ApplyProjectChangesRequest, context: grpc.ServicerContext
    ) -> pb.ApplyProjectChangesResponse:
        access_policy.admit("ApplyProjectChanges")
        connection_id = required_id(request.connection_id, "connection_id")
        upstream_id = required_id(request.upstream_project_id, "upstream_project_id")
        downstream_id = required_id(request.downstream_project_id, "downstream_project_id")
        with self._sessions.begin() as session:
            applied_through, applied = apply_project_changes(
                session, connection_id, upstream_id, downstream_id, list(request.changes)
            )
        return pb.ApplyProjectChangesResponse(
            applied_through_sequence=applied_through, applied_count=applied
        )

    def ApplyProjectChangesToConnections(
        self, request: pb.ApplyProjectChangesToConnectionsRequest, context: grpc.ServicerContext
    ) -> pb.ApplyProjectChangesToConnectionsResponse:
        access_policy.admit("ApplyProjectChangesToConnections")
        upstream_id = required_id(request.upstream_project_id, "upstream_project_id")
        targets = _targets(request.connections)
        changes = list(request.changes)
        check_batch(changes)  # a bad batch is refused whole, before any connection
        results = {}
        with self._sessions.begin() as session:
            # Cursors are locked in id order, so two batches never wait on each other.
            for connection_id, downstream_id in sorted(targets):
                results[connection_id] = _apply_one(
                    session, connection_id, upstream_id, downstream_id, changes
                )
        return pb.ApplyProjectChangesToConnectionsResponse(
            results=[results[connection_id] for connection_id, _ in targets]
        )

    def MarkConnectionDisconnected(
        self, request: pb.MarkConnectionDisconnectedRequest, context: grpc.ServicerContext
    ) -> pb.MarkConnectionDisconnectedResponse:
        access_policy.admit("MarkConnectionDisconnected")
        connection_id = required_id(request.connection_id, "connection_id")
        downstream_id = required_id(request.downstream_project_id, "downstream_project_id")
        self._projects.get_project(downstream_id)
        with self._sessions.begin() as session:
            marked = mark_disconnected(session, connection_id, downstream_id)
        return pb.MarkConnectionDisconnectedResponse(sets_marked=marked)


MAX_CONNECTIONS_PER_BATCH = 100


def _targets(connections: Iterable[pb.ConnectionTarget]) -> list[tuple[str, str]]:
    targets = [
        (
            required_id(c.connection_id, "connections.connection_id"),
            required_id(c.downstream_project_id, "connections.downstream_project_id"),
        )
        for c in connections
    ]
    if not targets:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "Name at least one connection.")
    if len(targets) > MAX_CONNECTIONS_PER_BATCH:
        raise InvalidArgument(
            ErrorReason.TOO_MANY_CONNECTIONS,
            f"At most {MAX_CONNECTIONS_PER_BATCH} connections a call.",
        )
    if len({connection_id for connection_id, _ in targets}) < len(targets):
        raise InvalidArgument(
            ErrorReason.DUPLICATE_CONNECTION, "Each connection may be named once."
        )
    return targets


def _apply_one(
    session: Session,
    connection_id: str,
    upstream_id: str,
    downstream_id: str,
    changes: list[drawing_service_pb2.ProjectChange],
) -> pb.ConnectionApplyResult:
    """Apply to one connection inside a savepoint: its refusal undoes only its own part."""
    try:
        with session.begin_nested():
            through, applied = apply_project_changes(
                session, connection_id, upstream_id, downstream_id, changes
            )
    except DomainError as refusal:
        return pb.ConnectionApplyResult(
            connection_id=connection_id,
            error_code=refusal.code.value[0],
            error_reason=refusal.reason,
            error_message=refusal.message,
        )
    return pb.ConnectionApplyResult(
        connection_id=connection_id, applied_through_sequence=through, applied_count=applied
    )
