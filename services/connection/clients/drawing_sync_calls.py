"""The sync engine's calls to the drawing service: copy, read and watch the upstream feed,
apply changes, mark a disconnection. gRPC errors become ``SyncCallFailed`` with the
reason code the drawing service gave, so the engine decides on codes, not on messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from connectability.internal.v1 import drawing_internal_service_pb2 as internal_pb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as internal_grpc
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc

FEED_PAGE_SIZE = 500  # the most ApplyProjectChanges takes at once


_CODES = {code.value[0]: code for code in grpc.StatusCode}


class SyncCallFailed(Exception):
    def __init__(self, method: str, code: grpc.StatusCode, reason: str, details: str):
        super().__init__(f"{method}: {code.name} {reason}: {details}".strip())
        self.code = code
        self.reason = reason


def _reason_of(error: grpc.RpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return ""


def _failed(method: str, error: grpc.RpcError) -> SyncCallFailed:
    return SyncCallFailed(
        method,
        error.code(),  # type: ignore[attr-defined]
        _reason_of(error),
        error.details() or "",  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class CopyResult:
    snapshot_sequence: int
    copied_count: int


class DrawingSyncCalls:
    def __init__(
        self,
        drawing: drawing_grpc.DrawingServiceStub,
        drawing_internal: internal_grpc.DrawingInternalServiceStub,
        call_seconds: float,
        copy_seconds: float,
    ):
        # The change feed is public (integrators read it too); copy, apply, disconnection
        # marks and feed heads are internal.
        self._drawing = drawing
        self._internal = drawing_internal
        self._call_seconds = call_seconds
        self._copy_seconds = copy_seconds

    def _call(self, method: str, request: Any, seconds: float, stub: Any = None) -> Any:
        try:
            return getattr(stub or self._internal, method)(request, timeout=seconds)
        except grpc.RpcError as error:
            raise _failed(method, error) from error

    def copy_published(self, connection_id: str, upstream: str, downstream: str) -> CopyResult:
        request = internal_pb.CopyPublishedRevisionsRequest(
            connection_id=connection_id,
            upstream_project_id=upstream,
            downstream_project_id=downstream,
        )
        answer = self._call("CopyPublishedRevisions", request, self._copy_seconds)
        return CopyResult(int(answer.snapshot_sequence), int(answer.copied_count))

    def changes_after(self, upstream: str, after_sequence: int) -> list[drawing_pb.ProjectChange]:
        request = drawing_pb.ListProjectChangesRequest(
            project_id=upstream, after_sequence=after_sequence, page_size=FEED_PAGE_SIZE
        )
        answer = self._call("ListProjectChanges", request, self._call_seconds, self._drawing)
        return list(answer.changes)

    def apply_to_many(
        self,
        upstream: str,
        targets: Sequence[tuple[str, str]],
        changes: Sequence[drawing_pb.ProjectChange],
    ) -> dict[str, int | SyncCallFailed]:
        """Applies ``changes`` to each (connection, downstream) in one call and one commit;
        per connection, the sequence now applied through or why it was refused."""
        method = "ApplyProjectChangesToConnections"
        request = internal_pb.ApplyProjectChangesToConnectionsRequest(
            upstream_project_id=upstream,
            connections=[
                internal_pb.ConnectionTarget(connection_id=cid, downstream_project_id=down)
                for cid, down in targets
            ],
            changes=changes,
        )
        answer = self._call(method, request, self._call_seconds)
        outcomes: dict[str, int | SyncCallFailed] = {}
        for result in answer.results:
            if result.error_code:
                code = _CODES.get(result.error_code, grpc.StatusCode.UNKNOWN)
                outcomes[result.connection_id] = SyncCallFailed(
                    method, code, result.error_reason, result.error_message
                )
            else:
                outcomes[result.connection_id] = int(result.applied_through_sequence)
        return outcomes

    def mark_disconnected(self, connection_id: str, downstream: str) -> None:
        request = internal_pb.MarkConnectionDisconnectedRequest(
            connection_id=connection_id, downstream_project_id=downstream
        )
        self._call("MarkConnectionDisconnected", request, self._call_seconds)

    def open_feed_heads(self, upstreams: Sequence[str], seconds: float) -> Any:
        """A stream of the upstreams' newest feed sequences (one stream for all of them),
        ending after ``seconds``; another thread may ``cancel()`` it."""
        return self._internal.WatchFeedHeads(
            internal_pb.WatchFeedHeadsRequest(project_ids=upstreams), timeout=seconds
        )
