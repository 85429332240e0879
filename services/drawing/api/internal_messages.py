"""DrawingInternalService requests read into use-case values, and the replies built.

Internal requests carry no buf.validate rules: their required fields and limits are
checked here by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from services.drawing.use_cases.connection_sync import ConnectionOutcome, SyncTarget
from shared.facts.errors import DomainError, ErrorReason, InvalidArgument
from shared.runtime.request_checks import required_id

MAX_CONNECTIONS_PER_BATCH = 100
MAX_WATCHED_HEADS = 1000


def sync_target(
    request: ipb.CopyPublishedRevisionsRequest | ipb.ApplyProjectChangesRequest,
) -> SyncTarget:
    return SyncTarget(
        connection_id=required_id(request.connection_id, "connection_id"),
        upstream_id=required_id(request.upstream_project_id, "upstream_project_id"),
        downstream_id=required_id(request.downstream_project_id, "downstream_project_id"),
    )


def sync_targets(upstream_id: str, connections: Iterable[ipb.ConnectionTarget]) -> list[SyncTarget]:
    """The connections one batch goes to: at least one, at most a hundred, each once."""
    targets = [
        SyncTarget(
            connection_id=required_id(c.connection_id, "connections.connection_id"),
            upstream_id=upstream_id,
            downstream_id=required_id(c.downstream_project_id, "connections.downstream_project_id"),
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
    if len({target.connection_id for target in targets}) < len(targets):
        raise InvalidArgument(
            ErrorReason.DUPLICATE_CONNECTION, "Each connection may be named once."
        )
    return targets


def watched_projects(request: ipb.WatchFeedHeadsRequest) -> list[str]:
    """The projects named, each once, in the order first named."""
    project_ids = list(dict.fromkeys(request.project_ids))
    if len(project_ids) > MAX_WATCHED_HEADS:
        raise InvalidArgument(
            ErrorReason.TOO_MANY_PROJECTS,
            f"At most {MAX_WATCHED_HEADS} projects can be watched.",
        )
    return project_ids


def apply_result(outcome: ConnectionOutcome) -> ipb.ConnectionApplyResult:
    result = outcome.result
    if isinstance(result, DomainError):
        return ipb.ConnectionApplyResult(
            connection_id=outcome.connection_id,
            error_code=result.code.value[0],
            error_reason=result.reason,
            error_message=result.message,
        )
    return ipb.ConnectionApplyResult(
        connection_id=outcome.connection_id,
        applied_through_sequence=result.applied_through_sequence,
        applied_count=result.applied_count,
    )
