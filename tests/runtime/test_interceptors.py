"""The interceptor chain on a real server: authentication, error mapping, request ids."""

from __future__ import annotations

import base64
import json
import logging
import time

import grpc
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from shared.facts.errors import ERROR_DOMAIN, error_info_of
from shared.facts.identity import IntegratorMode, Principal, PrincipalKind
from tests.fixtures.identity import SigningKeys
from tests.runtime.echo_service import unary_call, unary_call_with_call


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def refusal_reason(channel: grpc.Channel, metadata: list[tuple[str, str]]) -> tuple[str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        unary_call(channel, {}, metadata=metadata, timeout=5)
    info = error_info_of(caught.value)
    assert info is not None and info.domain == ERROR_DOMAIN
    return caught.value.code().name, info.reason


def test_health_and_reflection_need_no_token(echo_channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(echo_channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service="test.Echo"), timeout=5)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(echo_channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    listed = {service.name for reply in replies for service in reply.list_services_response.service}
    assert {"test.Echo", "grpc.health.v1.Health"} <= listed


def test_a_client_closing_a_reflection_stream_is_no_error(
    echo_channel: grpc.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    # grpcurl and GUIs close the stream once they have what they asked for.
    stub = reflection_pb2_grpc.ServerReflectionStub(echo_channel)
    with caplog.at_level(logging.INFO, logger="connectability"):
        for _ in range(3):
            replies = stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")] * 5), timeout=5
            )
            next(replies)
            replies.cancel()
        time.sleep(0.3)  # the server notices the cancellations on its own threads
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("key_id", [None, 123, [1], {}, True])
def test_a_token_whose_key_id_is_no_string_is_malformed(
    echo_channel: grpc.Channel, test_keys: SigningKeys, key_id: object
) -> None:
    # A well-formed token apart from its header's `kid`, signed with the trusted key.
    signing_key = jwt.PyJWK(json.loads(test_keys.signing_key_path.read_text()))
    claims = jwt.decode(
        test_keys.platform_token(), options={"verify_signature": False, "verify_aud": False}
    )
    # Built by hand: PyJWT itself refuses to encode such a header.
    signing_input = b".".join(
        _b64(json.dumps(part).encode())
        for part in ({"alg": "EdDSA", "typ": "JWT", "kid": key_id}, claims)
    )
    token = (signing_input + b"." + _b64(signing_key.key.sign(signing_input))).decode()
    assert refusal_reason(echo_channel, bearer(token)) == ("UNAUTHENTICATED", "TOKEN_MALFORMED")


@pytest.mark.parametrize(
    ("case", "expected_reason"),
    [
        ("missing", "TOKEN_MISSING"),
        ("not_bearer", "TOKEN_MALFORMED"),
        ("garbage", "TOKEN_MALFORMED"),
        ("forged", "TOKEN_SIGNATURE_INVALID"),
        ("expired", "TOKEN_EXPIRED"),
        ("wrong_audience", "TOKEN_AUDIENCE_INVALID"),
        ("untrusted_issuer", "TOKEN_ISSUER_UNTRUSTED"),
        ("a_year_long", "TOKEN_LIFETIME_TOO_LONG"),
        ("user_without_company", "TOKEN_CLAIMS_INVALID"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(
    echo_channel: grpc.Channel, test_keys: SigningKeys, case: str, expected_reason: str
) -> None:
    user = Principal(PrincipalKind.USER, "u-1", "c-1")
    metadata = {
        "missing": [],
        "not_bearer": [("authorization", "Basic dXNlcjpwYXNz")],
        "garbage": bearer("not-a-jwt"),
        "forged": bearer(test_keys.forger.issue(user, 600)),
        "expired": bearer(test_keys.issuer.issue(user, -120)),
        "wrong_audience": bearer(test_keys.wrong_audience.issue(user, 600)),
        "untrusted_issuer": bearer(test_keys.untrusted_issuer.issue(user, 600)),
        "a_year_long": bearer(test_keys.issuer.issue(user, 365 * 86_400)),
        "user_without_company": bearer(
            test_keys.issuer.issue(Principal(PrincipalKind.USER, "u-1"), 600)
        ),
    }[case]
    assert refusal_reason(echo_channel, metadata) == ("UNAUTHENTICATED", expected_reason)


def test_each_kind_of_caller_is_recognised(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    callers = {
        "user:u-1": Principal(PrincipalKind.USER, "u-1", "c-1"),
        "service:drawing": Principal(PrincipalKind.SERVICE, "drawing"),
        "platform:accounts": Principal(PrincipalKind.PLATFORM, "accounts"),
        "integrator:app-7:u-2": Principal(
            PrincipalKind.INTEGRATOR, "u-2", "c-1", "app-7", IntegratorMode.SERVICE_ACCOUNT
        ),
    }
    for described, principal in callers.items():
        token = bearer(test_keys.token(principal))
        answer = unary_call(echo_channel, {}, metadata=token, timeout=5)
        assert answer["principal"] == described


def test_domain_error_becomes_a_rich_status(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        unary_call(
            echo_channel,
            {"raise": "domain"},
            metadata=bearer(test_keys.platform_token()) + [("x-request-id", "req-42")],
            timeout=5,
        )
    error = caught.value
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "The connection is not pending."
    info = error_info_of(error)
    assert info is not None and info.reason == "CONNECTION_NOT_PENDING"
    assert ("x-request-id", "req-42") in error.trailing_metadata()


def test_the_same_refusal_again_carries_its_own_request_id(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    # A refusal's status is built once and kept: the next one must still be this call's.
    for request_id in ("first-call", "second-call", "third-call"):
        with pytest.raises(grpc.RpcError) as caught:
            unary_call(
                echo_channel,
                {"raise": "domain"},
                metadata=bearer(test_keys.platform_token()) + [("x-request-id", request_id)],
                timeout=5,
            )
        trailers = caught.value.trailing_metadata()
        assert [value for key, value in trailers if key == "x-request-id"] == [request_id]
        assert [key for key, _ in trailers].count("grpc-status-details-bin") == 1
        info = error_info_of(caught.value)
        assert info is not None and info.reason == "CONNECTION_NOT_PENDING"


def test_unexpected_error_is_internal_and_hides_the_detail(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        unary_call(echo_channel, {"raise": "bug"}, metadata=bearer(test_keys.platform_token()))
    error = caught.value
    assert error.code() == grpc.StatusCode.INTERNAL
    assert "secret internal detail" not in error.details()
    request_id = dict(error.trailing_metadata())["x-request-id"]
    assert request_id in error.details()
    info = error_info_of(error)
    assert info is not None and info.reason == "INTERNAL_ERROR"


def test_not_implemented_is_unimplemented_with_a_reason(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        unary_call(
            echo_channel, {"raise": "unimplemented"}, metadata=bearer(test_keys.platform_token())
        )
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    info = error_info_of(caught.value)
    assert info is not None and info.reason == "NOT_IMPLEMENTED"


def test_request_id_is_kept_or_made_and_returned_in_trailers(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    token = bearer(test_keys.platform_token())
    offered = token + [("x-request-id", "abc")]
    answer, call = unary_call_with_call(echo_channel, {}, metadata=offered)
    assert answer["request_id"] == "abc"
    assert ("x-request-id", "abc") in call.trailing_metadata()
    # An unusable offered id (too long) is replaced by one the server makes.
    too_long = token + [("x-request-id", "x" * 500)]
    answer, call = unary_call_with_call(echo_channel, {}, metadata=too_long)
    assert answer["request_id"] != "x" * 500 and len(answer["request_id"]) == 32
    assert ("x-request-id", answer["request_id"]) in call.trailing_metadata()


def test_the_caller_deadline_is_visible_to_the_servicer(
    echo_channel: grpc.Channel, test_keys: SigningKeys
) -> None:
    answer = unary_call(echo_channel, {}, metadata=bearer(test_keys.platform_token()), timeout=3)
    assert 0 < answer["remaining"] <= 3.1  # the wire encoding of the timeout rounds up
    without = unary_call(echo_channel, {}, metadata=bearer(test_keys.platform_token()))
    assert without["remaining"] is None
