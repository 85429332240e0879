"""Domain errors and their mapping to ``google.rpc.Status`` (AIP-193).

Domain code raises a ``DomainError`` subclass with an ``ErrorReason`` value (never a free
string) and a sentence for people; the error-mapping interceptor turns it into a gRPC
status whose details carry a ``google.rpc.ErrorInfo`` (domain ``connectability``, reason
the value's name). Clients branch on the reason, never on the message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TypeAlias

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message as ProtoMessage
from google.rpc import code_pb2, error_details_pb2, status_pb2

from connectability.v1 import error_reason_pb2

ERROR_DOMAIN = "connectability"


# The catalogue of reason codes (protos/connectability/v1/error_reason.proto). A value's
# name is the wire reason: ``ErrorReason.Name(ErrorReason.TOKEN_MISSING) == "TOKEN_MISSING"``.
ErrorReason = error_reason_pb2.ErrorReason
# The type of one value (ErrorReason.TOKEN_MISSING); plain ints at run time.
ErrorReasonValue: TypeAlias = error_reason_pb2.ErrorReason


# The catalogue's wire names by value, built once: ``ErrorReason.values()`` builds a list.
_REASON_NAMES = {
    value: name
    for name, value in ErrorReason.items()
    if value != ErrorReason.ERROR_REASON_UNSPECIFIED
}


def reason_name(reason: ErrorReasonValue) -> str:
    """The wire name of a catalogue value; TypeError for anything else (a str above all).

    Free-string reasons drift from the documented ones, so none is accepted.
    """
    if isinstance(reason, bool) or not isinstance(reason, int):
        raise TypeError(f"a reason must be an ErrorReason value, not {type(reason).__name__}")
    name = _REASON_NAMES.get(reason)
    if name is None:
        raise TypeError(f"{reason!r} is not an ErrorReason value")
    return name


class DomainError(Exception):
    """An expected refusal: a status code, a catalogued reason and a readable message.

    The ``reason`` argument is an ``ErrorReason`` value, kept as ``reason_value``; the
    ``reason`` attribute holds its wire name.
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        reason: ErrorReasonValue,
        message: str,
        metadata: Mapping[str, str] | None = None,
        details: Sequence[ProtoMessage] = (),
    ):
        super().__init__(message)
        self.reason = reason_name(reason)
        self.reason_value = reason
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


# grpc.StatusCode values are (int, name) tuples; google.rpc.Code uses the same numbers.
_RPC_CODES = {code: int(code.value[0]) for code in grpc.StatusCode}
assert all(code_pb2.Code.Name(number) == code.name for code, number in _RPC_CODES.items())


def _rpc_code(code: grpc.StatusCode) -> int:
    return _RPC_CODES[code]


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


_ERROR_OF_CODE: dict[grpc.StatusCode, type[DomainError]] = {
    kind.code: kind
    for kind in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        FailedPrecondition,
        PermissionDenied,
        Unauthenticated,
        ResourceExhausted,
        Aborted,
        Unavailable,
        Unimplemented,
        Internal,
    )
}


def passed_on_refusal(
    rpc_error: grpc.RpcError, codes: Collection[grpc.StatusCode]
) -> DomainError | None:
    """Client side: a service below refused with one of ``codes`` and a catalogued reason,
    as the same refusal of ours (code, reason, message, metadata); else None."""
    code = rpc_error.code()  # type: ignore[attr-defined]
    info = error_info_of(rpc_error)
    if code not in codes or info is None or info.reason not in ErrorReason.keys():
        return None
    return _ERROR_OF_CODE[code](
        ErrorReason.Value(info.reason),
        rpc_error.details(),  # type: ignore[attr-defined]
        dict(info.metadata),
    )
