"""The contract's limits, enforced by the validation interceptor on the running services.

Each case breaks one kind of documented limit and expects INVALID_ARGUMENT, the reason the
conventions name, and a google.rpc.BadRequest naming the field. The refusal comes before
the servicer runs, so the platform token (which may call nearly everything) is enough and
nothing needs to exist. Bytes that do not parse answer MALFORMED_REQUEST on every service,
with a request id to quote, instead of gRPC's INTERNAL "Exception deserializing request!".
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from connectability.internal.v1 import notification_internal_service_pb2 as npb
from connectability.v1 import connection_service_pb2 as cpb
from connectability.v1 import drawing_service_pb2 as dpb
from shared.facts.errors import error_info_of
from shared.runtime.call_context import REQUEST_ID_HEADER
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer

CONNECTION = "/connectability.v1.ConnectionService/"
DRAWING = "/connectability.v1.DrawingService/"
NOTIFICATION = "/connectability.internal.v1.NotificationInternalService/"
PROCESS = {
    CONNECTION: "connection",
    DRAWING: "drawing",
    NOTIFICATION: "notification",
}
LONG_ID = "x" * 129
CONTROL_CHARACTERS = ["\t", "\n", "\x00", "\x7f", "\x85", "\u2028", "\u2029"]


def call(
    stack: Stack, service: str, method: str, request: Message, token: str | None
) -> grpc.RpcError | Any:
    """The error of a call (or its answer, when it succeeded)."""
    channel = stack.channel(PROCESS[service])
    send = channel.unary_unary(
        service + method,
        request_serializer=type(request).SerializeToString,
        response_deserializer=None,  # the raw bytes: these tests only read refusals
    )
    try:
        return send(request, metadata=bearer(token) if token else [], timeout=10)
    except grpc.RpcError as error:
        return error


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "no google.rpc.Status in the trailers"
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.update({v.field: v.description for v in bad_request.field_violations})
    return found


def assert_refused(error: Any, reason: str, fields: set[str]) -> dict[str, str]:
    assert isinstance(error, grpc.RpcError), f"accepted: {error!r}"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    info = error_info_of(error)
    assert info is not None and info.reason == reason, (info, error.details())
    violations = field_violations(error)
    assert set(violations) == fields, violations
    assert all(description.strip() for description in violations.values())
    return violations


# (service, method, request, reason, fields with a violation)
LIMITS = {
    "required id": (
        CONNECTION,
        "GetCompany",
        cpb.GetCompanyRequest(),
        "MISSING_FIELD",
        {"company_id"},
    ),
    "id over 128 characters": (
        CONNECTION,
        "GetConnection",
        cpb.GetConnectionRequest(connection_id=LONG_ID),
        "FIELD_TOO_LONG",
        {"connection_id"},
    ),
    "repeated id over 128 characters": (
        DRAWING,
        "PublishDrawingRevisions",
        dpb.PublishDrawingRevisionsRequest(set_id="s", revision_ids=["r", LONG_ID]),
        "FIELD_TOO_LONG",
        {"revision_ids[1]"},
    ),
    "required message": (
        DRAWING,
        "CreateDrawingArea",
        dpb.CreateDrawingAreaRequest(),
        "MISSING_FIELD",
        {"drawing_area"},
    ),
    "name over 255 characters": (
        CONNECTION,
        "CreateCompany",
        cpb.CreateCompanyRequest(company=cpb.Company(name="n" * 256, file_storage_location="us")),
        "FIELD_TOO_LONG",
        {"company.name"},
    ),
    "caller-chosen id outside its alphabet": (
        CONNECTION,
        "CreateUser",
        cpb.CreateUserRequest(
            user=cpb.User(company_id="c", email="a@example.com", display_name="A"),
            user_id="has space",
        ),
        "INVALID_ID",
        {"user_id"},
    ),
    "rejection reason over 1,000 characters": (
        CONNECTION,
        "RejectConnection",
        cpb.RejectConnectionRequest(connection_id="c", reason="r" * 1001),
        "FIELD_TOO_LONG",
        {"reason"},
    ),
    "disconnection reason over 1,000 characters": (
        CONNECTION,
        "DisconnectConnection",
        cpb.DisconnectConnectionRequest(connection_id="c", reason="r" * 1001),
        "FIELD_TOO_LONG",
        {"reason"},
    ),
    "negative page size": (
        DRAWING,
        "ListDrawingAreas",
        dpb.ListDrawingAreasRequest(project_id="p", page_size=-1),
        "INVALID_PAGE_SIZE",
        {"page_size"},
    ),
    "enum value not defined": (
        DRAWING,
        "ListDrawingRevisions",
        dpb.ListDrawingRevisionsRequest(project_id="p", status=42),  # type: ignore[arg-type]
        "INVALID_FIELD_VALUE",
        {"status"},
    ),
    "permission level not defined": (
        DRAWING,
        "SetDrawingsPermission",
        dpb.SetDrawingsPermissionRequest(project_id="p", user_id="u", level=99),  # type: ignore[arg-type]
        "INVALID_PERMISSION_LEVEL",
        {"level"},
    ),
    "date not YYYY-MM-DD": (
        DRAWING,
        "UpdateDrawingSet",
        dpb.UpdateDrawingSetRequest(
            drawing_set=dpb.DrawingSet(id="s", set_date="1/2/2024"),
            update_mask={"paths": ["set_date"]},
        ),
        "INVALID_DATE",
        {"drawing_set.set_date"},
    ),
    "custom field name over 100 characters": (
        DRAWING,
        "SetCustomField",
        dpb.SetCustomFieldRequest(
            revision_id="r", custom_field=dpb.CustomField(name="n" * 101, value="v")
        ),
        "FIELD_TOO_LONG",
        {"custom_field.name"},
    ),
    "custom field value over 1,000 characters": (
        DRAWING,
        "SetCustomField",
        dpb.SetCustomFieldRequest(
            revision_id="r", custom_field=dpb.CustomField(name="n", value="v" * 1001)
        ),
        "FIELD_TOO_LONG",
        {"custom_field.value"},
    ),
    "markup over 64 KiB": (
        DRAWING,
        "CreateMarkup",
        dpb.CreateMarkupRequest(
            markup=dpb.Markup(revision_id="r", kind="text", data="é" * 32769)  # 65,538 bytes
        ),
        "INVALID_FIELD_VALUE",
        {"markup.data"},
    ),
    "timestamp beyond year 9999": (
        CONNECTION,
        "CreateCompany",
        cpb.CreateCompanyRequest(
            company=cpb.Company(
                name="A", file_storage_location="us", create_time={"seconds": -(2**63)}
            )
        ),
        "INVALID_FIELD_VALUE",
        {"company.create_time"},
    ),
    "several violations at once": (
        DRAWING,
        "CreateDrawing",
        dpb.CreateDrawingRequest(
            drawing=dpb.Drawing(area_id=LONG_ID, number="A\n1", title="t" * 256)
        ),
        "FIELD_TOO_LONG",
        {"drawing.area_id", "drawing.number", "drawing.title"},
    ),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_a_request_over_a_documented_limit_is_refused_with_field_violations(
    stack: Stack, case: str
) -> None:
    service, method, request, reason, fields = LIMITS[case]
    error = call(stack, service, method, request, stack.keys.platform_token())
    assert_refused(error, reason, fields)


@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=repr)
def test_names_refuse_control_characters(stack: Stack, character: str) -> None:
    request = cpb.CreateProjectRequest(project=cpb.Project(company_id="c", name=f"A{character}B"))
    error = call(stack, CONNECTION, "CreateProject", request, stack.keys.platform_token())
    violations = assert_refused(error, "INVALID_FIELD_VALUE", {"project.name"})
    assert "control characters" in violations["project.name"]


SERVICER_ANSWERS = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)


def test_values_at_the_limits_pass_the_interceptor(stack: Stack) -> None:
    """128-character ids and 1,000-character reasons reach the servicer (which answers by
    its own rules: nothing found, or not the platform's to do); page sizes above the maximum
    are clamped, not refused (AIP-158)."""
    token = stack.keys.platform_token()
    error = call(
        stack, CONNECTION, "GetConnection", cpb.GetConnectionRequest(connection_id="x" * 128), token
    )
    assert isinstance(error, grpc.RpcError) and error.code() in SERVICER_ANSWERS
    error = call(
        stack,
        CONNECTION,
        "RejectConnection",
        cpb.RejectConnectionRequest(connection_id="x" * 128, reason="r" * 1000),
        token,
    )
    assert isinstance(error, grpc.RpcError) and error.code() in SERVICER_ANSWERS
    answer = call(
        stack, CONNECTION, "ListCompanies", cpb.ListCompaniesRequest(page_size=10**6), token
    )
    assert isinstance(answer, bytes), answer


def test_an_unauthenticated_caller_learns_nothing_about_its_request(stack: Stack) -> None:
    error = call(stack, CONNECTION, "GetCompany", cpb.GetCompanyRequest(), None)
    assert isinstance(error, grpc.RpcError)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert field_violations(error) == {}


# Bytes that are not the request message: invalid UTF-8 in string field 1, a varint cut
# short, and a field number 0 (never valid).
MALFORMED = {
    "invalid utf-8": b"\x0a\x02\xff\xfe",
    "truncated varint": b"\x0a\xff",
    "garbage": b"\x00\x01\x02\x03\xff\xff\xff",
}
METHODS = [
    (CONNECTION, "GetCompany"),
    (DRAWING, "GetDrawing"),
    (NOTIFICATION, "GetProject"),
]


@pytest.mark.parametrize(("service", "method"), METHODS, ids=lambda v: v.strip("/"))
@pytest.mark.parametrize("payload", sorted(MALFORMED))
def test_malformed_bytes_answer_invalid_argument_on_every_service(
    stack: Stack, service: str, method: str, payload: str
) -> None:
    channel = stack.channel(PROCESS[service])
    send = channel.unary_unary(service + method, request_serializer=None)
    with pytest.raises(grpc.RpcError) as caught:
        send(MALFORMED[payload], metadata=bearer(stack.keys.platform_token()), timeout=10)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    info = error_info_of(error)
    assert info is not None and info.reason == "MALFORMED_REQUEST"
    trailers = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    assert trailers.get(REQUEST_ID_HEADER), trailers


def test_malformed_bytes_to_a_streaming_rpc_answer_invalid_argument(stack: Stack) -> None:
    channel = stack.channel("drawing")
    send = channel.unary_stream(DRAWING + "DownloadRevisionFile", request_serializer=None)
    stream = send(MALFORMED["invalid utf-8"], metadata=bearer(stack.keys.platform_token()))
    with pytest.raises(grpc.RpcError) as caught:
        next(iter(stream))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info_of(caught.value)
    assert info is not None and info.reason == "MALFORMED_REQUEST"


def test_a_streaming_rpc_validates_its_request(stack: Stack) -> None:
    channel = stack.channel("drawing")
    send = channel.unary_stream(
        DRAWING + "WatchProjectChanges",
        request_serializer=dpb.WatchProjectChangesRequest.SerializeToString,
    )
    stream = send(
        dpb.WatchProjectChangesRequest(project_id=LONG_ID),
        metadata=bearer(stack.keys.platform_token()),
        timeout=10,
    )
    with pytest.raises(grpc.RpcError) as caught:
        next(iter(stream))
    assert_refused(caught.value, "FIELD_TOO_LONG", {"project_id"})


def test_internal_requests_are_not_held_to_the_rules(stack: Stack) -> None:
    """They carry copies of stored data between our services (see request_validation)."""
    request = npb.NotifyRequest(
        event=npb.NotificationEvent(project_id=LONG_ID, connection_id="c"),
        idempotency_key="k",
    )
    error = call(stack, NOTIFICATION, "Notify", request, stack.keys.service_token("connection"))
    assert isinstance(error, grpc.RpcError)
    assert field_violations(error) == {}


@pytest.mark.parametrize(
    ("service", "method", "request_of"),
    [
        (CONNECTION, "GetConnection", lambda long: cpb.GetConnectionRequest(connection_id=long)),
        (
            DRAWING,
            "GetDrawingRevision",
            lambda long: dpb.GetDrawingRevisionRequest(revision_id=long),
        ),
    ],
    ids=["GetConnection", "GetDrawingRevision"],
)
def test_a_very_long_id_is_refused_with_a_reason_not_an_oversized_answer(
    stack: Stack, service: str, method: str, request_of: Any
) -> None:
    # A 6,000-character id once came back twice in the message: gRPC refused the oversized
    # trailers with RESOURCE_EXHAUSTED and no ErrorInfo.
    error = call(stack, service, method, request_of("x" * 6_000), stack.keys.platform_token())
    assert isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info_of(error)
    assert info is not None and info.reason == "FIELD_TOO_LONG"
    assert len(error.details()) < 1_000
