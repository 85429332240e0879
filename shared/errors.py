"""Domain errors and their mapping to ``google.rpc.Status`` (AIP-193).

Domain code raises a ``DomainError`` subclass with a stable UPPER_SNAKE reason code and a
sentence for people; the error-mapping interceptor turns it into a gRPC status whose details
carry a ``google.rpc.ErrorInfo`` (domain ``connectability``). Clients branch on the reason,
never on the message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message as ProtoMessage
from google.rpc import code_pb2, error_details_pb2, status_pb2

ERROR_DOMAIN = "connectability"


class Reason:
    """Reason codes raised by the shared runtime (services add their own)."""

    TOKEN_MISSING = "TOKEN_MISSING"
    TOKEN_MALFORMED = "TOKEN_MALFORMED"
    TOKEN_SIGNATURE_INVALID = "TOKEN_SIGNATURE_INVALID"
    TOKEN_KEY_UNKNOWN = "TOKEN_KEY_UNKNOWN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_NOT_YET_VALID = "TOKEN_NOT_YET_VALID"
    TOKEN_AUDIENCE_INVALID = "TOKEN_AUDIENCE_INVALID"
    TOKEN_CLAIMS_INVALID = "TOKEN_CLAIMS_INVALID"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    SHUTTING_DOWN = "SHUTTING_DOWN"
    INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN"
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
    REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    STREAM_LIMIT_EXCEEDED = "STREAM_LIMIT_EXCEEDED"


class DomainError(Exception):
    """An expected refusal: a status code, a stable reason and a readable message."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        reason: str,
        message: str,
        metadata: Mapping[str, str] | None = None,
        details: Sequence[ProtoMessage] = (),
    ):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = dict(metadata or {})
        # More google.rpc error details after the ErrorInfo, e.g. a RetryInfo.
        self.details = tuple(details)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class ResourceExhausted(DomainError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Aborted(DomainError):
    code = grpc.StatusCode.ABORTED


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


class Unimplemented(DomainError):
    code = grpc.StatusCode.UNIMPLEMENTED


class Internal(DomainError):
    code = grpc.StatusCode.INTERNAL


def _rpc_code(code: grpc.StatusCode) -> int:
    # grpc.StatusCode values are (int, name) tuples; google.rpc.Code uses the same numbers.
    number = code.value[0]
    assert code_pb2.Code.Name(number) == code.name
    return int(number)


def status_for(error: DomainError) -> status_pb2.Status:
    """The ``google.rpc.Status`` that represents ``error`` on the wire."""
    info = error_details_pb2.ErrorInfo(
        reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata
    )
    details = []
    for item in (info, *error.details):
        detail = any_pb2.Any()
        detail.Pack(item)
        details.append(detail)
    return status_pb2.Status(code=_rpc_code(error.code), message=error.message, details=details)


def error_info_of(rpc_error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """Client side: the ``ErrorInfo`` carried by a failed call, if any."""
    from grpc_status import rpc_status

    status = rpc_status.from_call(rpc_error)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None
