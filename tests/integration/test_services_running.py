"""The three services as processes: health, reflection, token refusals, unbuilt RPCs."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from connectability.internal.v1 import drawing_internal_service_pb2 as drawing_internal_pb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as drawing_internal_grpc
from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc
from connectability.v1 import connection_service_pb2 as connection_pb
from connectability.v1 import connection_service_pb2_grpc as connection_grpc
from shared.facts.identity import Principal, PrincipalKind
from tests.fixtures.stack import Stack
from tests.integration.calls import refusal

# Each process serves these (the drawing process its public and its internal service).
GRPC_SERVICES = {
    "connection": ("connectability.v1.ConnectionService",),
    "drawing": (
        "connectability.v1.DrawingService",
        "connectability.internal.v1.DrawingInternalService",
    ),
    "notification": ("connectability.internal.v1.NotificationInternalService",),
}


def a_call_of(stack: Stack, service: str) -> tuple[Any, Any]:
    """One real RPC of each service, with a request it would accept from the platform."""
    if service == "connection":
        stub = connection_grpc.ConnectionServiceStub(stack.channel(service))
        return stub.ListCompanies, connection_pb.ListCompaniesRequest()
    if service == "drawing":
        stub = drawing_internal_grpc.DrawingInternalServiceStub(stack.channel(service))
        return stub.GetProject, drawing_internal_pb.DrawingInternalServiceGetProjectRequest(
            project_id="p"
        )
    stub = notification_grpc.NotificationInternalServiceStub(stack.channel(service))
    return stub.GetProject, notification_pb.NotificationInternalServiceGetProjectRequest(
        project_id="p"
    )


@pytest.mark.parametrize("service", sorted(GRPC_SERVICES))
def test_every_service_is_serving_and_reflects_its_contract(stack: Stack, service: str) -> None:
    health = health_pb2_grpc.HealthStub(stack.channel(service))
    for name in ("", *GRPC_SERVICES[service]):
        answer = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(stack.channel(service))
    replies = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    listed = {s.name for reply in replies for s in reply.list_services_response.service}
    assert set(GRPC_SERVICES[service]) <= listed


@pytest.mark.parametrize("service", sorted(GRPC_SERVICES))
def test_every_service_refuses_missing_forged_and_expired_tokens(
    stack: Stack, service: str
) -> None:
    call, request = a_call_of(stack, service)
    platform = Principal(PrincipalKind.PLATFORM, "accounts")
    cases = {
        None: "TOKEN_MISSING",
        "not.a.jwt": "TOKEN_MALFORMED",
        stack.keys.forger.issue(platform, 600): "TOKEN_SIGNATURE_INVALID",
        stack.keys.issuer.issue(platform, -120): "TOKEN_EXPIRED",
        stack.keys.wrong_audience.issue(platform, 600): "TOKEN_AUDIENCE_INVALID",
    }
    for token, reason in cases.items():
        assert refusal(call, request, token) == ("UNAUTHENTICATED", reason)


def test_a_request_id_comes_back_with_every_answer(stack: Stack) -> None:
    call, request = a_call_of(stack, "connection")
    metadata = [
        ("authorization", f"Bearer {stack.keys.platform_token()}"),
        ("x-request-id", "from-the-caller"),
    ]
    _, answer = call.with_call(request, metadata=metadata, timeout=5)
    assert ("x-request-id", "from-the-caller") in answer.trailing_metadata()
    with pytest.raises(grpc.RpcError) as refused:
        a_call_of(stack, "drawing")[0](
            drawing_internal_pb.DrawingInternalServiceGetProjectRequest(project_id="nope"),
            metadata=metadata,
            timeout=5,
        )
    assert ("x-request-id", "from-the-caller") in refused.value.trailing_metadata()
