"""The public gRPC API as the page calls it: always with the signed-in person's token.

The page never reads a database: everything it shows is what ConnectionService answers to
that token, so a person sees exactly what the API lets them see (R26, R27, R33).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from shared.facts.errors import error_info_of

CALL_TIMEOUT_SECONDS = 10.0

# The HTTP status a page answers with when the API refused with a gRPC code.
HTTP_STATUS_OF = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
}


@dataclass(frozen=True)
class ApiError(Exception):
    """A refusal of the API: its code, its stable reason and its sentence for people."""

    code: grpc.StatusCode
    reason: str
    sentence: str

    @property
    def http_status(self) -> int:
        return HTTP_STATUS_OF.get(self.code, 502)

    @classmethod
    def of(cls, error: grpc.RpcError) -> ApiError:
        info = error_info_of(error)
        code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
        sentence = error.details() if callable(getattr(error, "details", None)) else ""
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            sentence = "The connection service did not answer; try again in a moment."
        return cls(code, info.reason if info else "", sentence or "The request failed.")


class Api:
    """ConnectionService, called with one bearer token."""

    def __init__(self, channel: grpc.Channel, token: str):
        self._stub = pb_grpc.ConnectionServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),)

    def call(self, rpc: str, request: Any, timeout: float = CALL_TIMEOUT_SECONDS) -> Any:
        method: Callable[..., Any] = getattr(self._stub, rpc)
        try:
            return method(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as error:
            raise ApiError.of(error) from None

    def first_progress(self, connection_id: str) -> pb.WatchInitialCopyProgressResponse:
        """The initial copy's progress now: the stream's first message, then the stream closed."""
        stream = self._stub.WatchInitialCopyProgress(
            pb.WatchInitialCopyProgressRequest(connection_id=connection_id),
            metadata=self._metadata,
            timeout=CALL_TIMEOUT_SECONDS,
        )
        try:
            for message in stream:
                return message
        except grpc.RpcError as error:
            raise ApiError.of(error) from None
        finally:
            stream.cancel()
        raise ApiError(grpc.StatusCode.UNKNOWN, "", "The progress stream ended without a report.")

    def project_or_none(self, project_id: str) -> pb.Project | None:
        """The project if this token may see it (NOT_FOUND otherwise: R27)."""
        try:
            return self.call("GetProject", pb.GetProjectRequest(project_id=project_id)).project
        except ApiError as refused:
            if refused.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
                return None
            raise
