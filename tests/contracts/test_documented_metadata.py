"""The trailers the conventions document are the trailers the services send.

RetryInfo on RATE_LIMIT_EXCEEDED and STREAM_LIMIT_EXCEEDED is asserted where those
refusals are provoked (tests/security/test_rate_limits.py,
tests/integration/test_stream_limits.py); the Node client reads the same trailers
(tests/contracts/test_node_client.py).
"""

from __future__ import annotations

import grpc
import pytest

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from tests.contracts.documented_metadata import documented_trailers, rate_limit_trailers
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer


def test_the_conventions_name_the_request_id_and_the_rate_limit_trailers() -> None:
    assert documented_trailers()[0] == "x-request-id"
    assert len(rate_limit_trailers()) == 3


def _trailers(call: grpc.Call) -> dict[str, str]:
    return {key: value for key, value in call.trailing_metadata() or ()}


def test_every_answer_carries_the_documented_trailers(stack: Stack) -> None:
    connection = pb_grpc.ConnectionServiceStub(stack.channel("connection"))
    platform_auth = bearer(stack.keys.platform_token())
    company = connection.CreateCompany(
        pb.CreateCompanyRequest(company=pb.Company(name="Trailers", file_storage_location="us")),
        metadata=platform_auth,
        timeout=10,
    ).company
    person = connection.CreateUser(
        pb.CreateUserRequest(
            user=pb.User(company_id=company.id, email=f"t@{company.id}.example", display_name="T")
        ),
        metadata=platform_auth,
        timeout=10,
    ).user
    # A user token is counted against a rate limit.
    user = bearer(stack.keys.user_token(person.id, company.id))
    _, call = connection.ListCompanies.with_call(
        pb.ListCompaniesRequest(), metadata=user, timeout=10
    )
    assert set(documented_trailers()) <= set(_trailers(call))

    with pytest.raises(grpc.RpcError) as refused:
        connection.GetProject(
            pb.GetProjectRequest(project_id="no-such-project"), metadata=user, timeout=10
        )
    assert set(documented_trailers()) <= set(_trailers(refused.value))

    # The platform is not rate limited: its answers carry the request id alone.
    platform = bearer(stack.keys.platform_token()) + [("x-request-id", "contract-42")]
    _, call = connection.ListCompanies.with_call(
        pb.ListCompaniesRequest(page_size=1), metadata=platform, timeout=10
    )
    assert _trailers(call)["x-request-id"] == "contract-42"
    assert not set(rate_limit_trailers()) & set(_trailers(call))
