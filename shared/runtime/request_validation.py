"""Request validation: the ``buf.validate`` rules of the protos, enforced in one interceptor.

The limits a client reads in the contract (required fields, lengths, patterns, enums, page
sizes) are the ones checked here for every request of the public API (connectability.v1),
before the servicer runs. A refusal is ``INVALID_ARGUMENT`` with an ``ErrorInfo``
and a ``google.rpc.BadRequest`` holding one ``FieldViolation`` per broken rule.

Bytes that do not parse as the request message (invalid UTF-8 in a string, a truncated
varint, garbage) are answered the same way, reason ``MALFORMED_REQUEST``, instead of gRPC's
own ``INTERNAL`` "Exception deserializing request!": the wrapped deserializer hands the
handler a ``MalformedRequest`` in place of the message, and this interceptor refuses it
inside the interceptor stack, so the answer carries a request id and gets its log line.

It sits after authentication and rate limiting: a caller without a valid token learns
nothing about its request, and refused requests count against the caller's limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import protovalidate
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from buf.validate import validate_pb2
from shared.facts.errors import ErrorReason, ErrorReasonValue, InvalidArgument
from shared.runtime.call_context import current_call
from shared.runtime.standard_rules import MessageChecks, Unsupported, compile_checks

log = logging.getLogger("connectability.rpc")

# Requests of our own services: bytes that do not parse are refused for all of them.
OUR_METHOD_PREFIX = "/connectability."
# The public API's requests are also held to their buf.validate rules. The internal
# package's requests are not: they carry copies of stored data between our own services
# (project facts, notification events, sync snapshots), and refusing a row stored before a
# rule existed would wedge its outbox or its sync for good.
VALIDATED_METHOD_PREFIX = "/connectability.v1."


# The reasons of broken rules (documented in ConnectionService's "Limits" convention): the
# ones the servicers' own checks gave before the rules moved into the contract, so a client
# sees the same reason for the same mistake.
_REASON_OF_RULE = {
    "required": ErrorReason.MISSING_FIELD,
    "string.max_len": ErrorReason.FIELD_TOO_LONG,
}


# The contract's patterns, each with the sentence a person reads instead of the regex.
# tests/contracts/test_request_limits.py checks that every pattern of the protos is here.
PATTERN_SENTENCES = {
    r"^[^\x00-\x1F\x7F-\x9F\x{2028}\x{2029}]*$": (
        "must not contain control characters (C0, DEL, C1, U+2028 or U+2029)"
    ),
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
    r"^[A-Za-z0-9._-]{1,64}$": "must be 1 to 64 letters, digits, '.', '_' or '-'",
}


def reason_of(field: str, rule_id: str) -> ErrorReasonValue:
    """The reason of one broken rule, from the rule and, for patterns, the field's name."""
    name = field.rsplit(".", 1)[-1].split("[", 1)[0]
    if name == "page_size":
        return ErrorReason.INVALID_PAGE_SIZE
    if name == "level":  # a PermissionLevel left unspecified or out of the enum
        return ErrorReason.INVALID_PERMISSION_LEVEL
    if rule_id == "string.pattern" and name.endswith("_date"):
        return ErrorReason.INVALID_DATE
    if rule_id == "string.pattern" and name.endswith("_id"):
        return ErrorReason.INVALID_ID
    return _REASON_OF_RULE.get(rule_id, ErrorReason.INVALID_FIELD_VALUE)


@dataclass(frozen=True)
class MalformedRequest:
    """Stands in for a request message whose bytes did not parse."""

    message_name: str
    error: str


@dataclass(frozen=True)
class _FieldViolation:
    field: str
    description: str
    rule_id: str


TIME_RANGE_SENTENCE = "must be a time within years 1 to 9999"


class RequestValidator:
    """The violations of a request, by the plain checks of ``shared.runtime.standard_rules`` when
    its message type only uses the rules they cover, else by protovalidate.

    Each message type is planned once: no rules (nothing to do, most reads), plain checks,
    or protovalidate (which caches its own compiled rules). Two first calls racing plan the
    same type twice and one plan wins, which is harmless, so there is no lock.
    """

    def __init__(self) -> None:
        self._validator = protovalidate.Validator()
        self._plans: dict[Descriptor, MessageChecks | None | _UseProtovalidate] = {}

    def violations(self, message: Message) -> list[_FieldViolation]:
        descriptor = message.DESCRIPTOR
        if descriptor not in self._plans:
            self._plans[descriptor] = _plan(descriptor)
        plan = self._plans[descriptor]
        if plan is None:
            return []
        if isinstance(plan, _UseProtovalidate):
            return self.protovalidate_violations(message)
        found = [
            _FieldViolation(
                field=broken.field,
                description=_readable(broken.rule_id, broken.message, broken.rule_value),
                rule_id=broken.rule_id,
            )
            for broken in plan.violations(message)
        ]
        # protovalidate refuses these too (it cannot convert them); so must the plain path.
        found += [
            _FieldViolation(field, TIME_RANGE_SENTENCE, "time_range")
            for field in _out_of_range_times(message, "")
        ]
        return found

    def protovalidate_violations(self, message: Message) -> list[_FieldViolation]:
        """The violations as protovalidate finds them (the reference for the plain checks)."""
        try:
            found = self._validator.collect_violations(message)
        except (ValueError, OverflowError):
            # protovalidate cannot turn a Timestamp or Duration beyond its range (years 1 to
            # 9999) into a CEL value; such a request is invalid, and nothing else is known.
            out_of_range = list(_out_of_range_times(message, ""))
            if not out_of_range:
                raise
            return [
                _FieldViolation(field, TIME_RANGE_SENTENCE, "time_range") for field in out_of_range
            ]
        return [
            _FieldViolation(
                field=field_path(violation.proto.field),
                description=_readable(
                    violation.proto.rule_id, violation.proto.message, violation.rule_value
                ),
                rule_id=violation.proto.rule_id,
            )
            for violation in found
        ]


class _UseProtovalidate:
    """The plan of a message type whose rules only protovalidate checks."""


def _plan(descriptor: Descriptor) -> MessageChecks | None | _UseProtovalidate:
    try:
        return compile_checks(descriptor)
    except Unsupported:
        return _UseProtovalidate()


# The valid range of google.protobuf.Timestamp (0001-01-01 to 9999-12-31) and Duration.
_TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)
_DURATION_SECONDS = (-315_576_000_000, 315_576_000_000)


def _out_of_range_times(message: Message, prefix: str) -> Iterator[str]:
    """Paths of the Timestamps and Durations in ``message`` that lie outside their range."""
    for field, value in message.ListFields():
        path = f"{prefix}.{field.name}" if prefix else field.name
        if field.message_type is None:
            continue
        values = value if field.is_repeated else [value]
        for index, item in enumerate(values):
            where = f"{path}[{index}]" if field.is_repeated else path
            if not isinstance(item, Message):  # map values of scalar type
                continue
            name = field.message_type.full_name
            if name == "google.protobuf.Timestamp":
                low, high = _TIMESTAMP_SECONDS
                if not (low <= item.seconds <= high and 0 <= item.nanos < 1_000_000_000):
                    yield where
            elif name == "google.protobuf.Duration":
                low, high = _DURATION_SECONDS
                if not (low <= item.seconds <= high and abs(item.nanos) < 1_000_000_000):
                    yield where
            else:
                yield from _out_of_range_times(item, where)


def _readable(rule_id: str, message: str, rule_value: object) -> str:
    if rule_id == "string.pattern":
        return PATTERN_SENTENCES.get(str(rule_value), message)
    return message


def field_path(path: validate_pb2.FieldPath) -> str:
    """A violation's field as a client writes it: ``company.custom_fields[0].name``."""
    text = ""
    for element in path.elements:
        text += f".{element.field_name}" if text else element.field_name
        subscript = element.WhichOneof("subscript")
        if subscript == "index":
            text += f"[{element.index}]"
        elif subscript is not None:
            text += f"[{getattr(element, subscript)!r}]"
    return text


def refusal_for(violations: list[_FieldViolation]) -> InvalidArgument:
    first = violations[0]
    reason = reason_of(first.field, first.rule_id)
    summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in violations
        ]
    )
    return InvalidArgument(reason, f"The request is invalid: {summary}.", details=(bad_request,))


def malformed_refusal(method: str, request: MalformedRequest) -> InvalidArgument:
    call = current_call()
    log.warning(
        "malformed request",
        extra={
            "method": method,
            "request_id": call.request_id if call else "-",
            "error": request.error[:200],
        },
    )
    return InvalidArgument(
        ErrorReason.MALFORMED_REQUEST,
        f"The request is not a valid {request.message_name} message.",
    )


def _tolerant_deserializer(
    deserialize: Callable[[bytes], Any] | None,
) -> Callable[[bytes], Any] | None:
    if deserialize is None:
        return None
    message_name = getattr(getattr(deserialize, "__self__", None), "__name__", "request")

    def parse(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception as error:  # any parse failure: the bytes are not our message
            return MalformedRequest(message_name, f"{type(error).__name__}: {error}")

    return parse


class RequestValidation:
    """Refuses requests that break the contract's rules, or do not parse, with
    INVALID_ARGUMENT before the servicer sees them (run by shared/runtime/call_pipeline.py)."""

    def __init__(self, validator: RequestValidator | None = None):
        self._validator = validator or RequestValidator()

    def applies_to(self, method: str) -> bool:
        return method.startswith(OUR_METHOD_PREFIX)

    def deserializer(
        self, deserialize: Callable[[bytes], Any] | None
    ) -> Callable[[bytes], Any] | None:
        """The method's deserializer, handing a ``MalformedRequest`` on instead of failing."""
        return _tolerant_deserializer(deserialize)

    def checked(self, method: str, request: Any) -> Any:
        """The request, if it parsed and keeps every rule; otherwise raises the refusal."""
        if isinstance(request, MalformedRequest):
            raise malformed_refusal(method, request)
        if not method.startswith(VALIDATED_METHOD_PREFIX):
            return request
        violations = self._validator.violations(request)
        if violations:
            raise refusal_for(violations)
        return request

    def checked_stream(self, method: str, requests: Iterable[Any]) -> Iterator[Any]:
        for request in requests:
            yield self.checked(method, request)
