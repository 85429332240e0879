"""Key rotation through real service processes, with no restart.

The three services run on a stack of their own (its JWKS and signing-key files are
rewritten here). Rotation, as README "Identity" describes it:
1. add the new public key to the JWKS: old- and new-key tokens are both accepted;
2. replace the signing key file: the services sign with the new key at once (their own
   tokens between services, and integrators' tokens);
3. remove the old key from the JWKS: old-key tokens answer UNAUTHENTICATED /
   TOKEN_KEY_UNKNOWN in every service, new-key tokens (and the services' own calls) work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest

from connectability.internal.v1 import drawing_internal_service_pb2 as drawing_internal_pb
from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.v1 import connection_service_pb2 as pb
from shared.facts.errors import Unauthenticated, error_info_of
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.tokens import TokenIssuer, generate_key_pair
from tests.fixtures.identity import AUDIENCE, ISSUER, make_test_keys
from tests.fixtures.stack import Stack, stack_of_its_own
from tests.integration.calls import bearer, eventually
from tests.security.integrator_setup import Directory, claims_of

PLATFORM = Principal(PrincipalKind.PLATFORM, "accounts")


def write_atomically(path: Path, document: Any) -> None:
    """As a deployment would: the new file appears whole or not at all."""
    temporary = path.with_suffix(".rotating")
    temporary.write_text(json.dumps(document))
    os.replace(temporary, path)


@pytest.fixture(scope="module")
def rotating_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with stack_of_its_own(tmp_path_factory.mktemp("rotation")) as running:
        yield running


def answers_by_service(directory: Directory, token: str) -> dict[str, str]:
    """One call per service with ``token``. An unknown project's NOT_FOUND means the token
    was accepted: authentication comes first."""
    unknown = "no-such-project"
    calls = {
        "connection": (directory.connection.ListCompanies, pb.ListCompaniesRequest()),
        "drawing": (
            directory.drawing_internal.GetProject,
            drawing_internal_pb.DrawingInternalServiceGetProjectRequest(project_id=unknown),
        ),
        "notification": (
            directory.notification.GetProject,
            notification_pb.NotificationInternalServiceGetProjectRequest(project_id=unknown),
        ),
    }
    answers = {}
    for service, (call, request) in calls.items():
        try:
            call(request, metadata=bearer(token), timeout=10)
            answers[service] = "OK"
        except grpc.RpcError as error:
            info = error_info_of(error)
            answers[service] = f"{error.code().name}/{info.reason if info else ''}"
    return answers


ACCEPTED = {
    "connection": "OK",
    "drawing": "NOT_FOUND/PROJECT_NOT_FOUND",
    "notification": "NOT_FOUND/PROJECT_NOT_FOUND",
}
UNKNOWN_KEY = dict.fromkeys(ACCEPTED, "UNAUTHENTICATED/TOKEN_KEY_UNKNOWN")


def test_old_and_new_keys_overlap_then_the_old_one_is_refused(rotating_stack: Stack) -> None:
    keys = rotating_stack.keys
    directory = Directory(rotating_stack)
    old_issuer = TokenIssuer(str(keys.signing_key_path), AUDIENCE, ISSUER)
    old_public = json.loads(keys.jwks_path.read_text())["keys"]
    new_private, new_public = generate_key_pair("rotated-2")
    new_key_path = keys.keys_dir / "new-signing-key.jwk"
    new_key_path.write_text(json.dumps(new_private))
    new_issuer = TokenIssuer(str(new_key_path), AUDIENCE, ISSUER)
    old_token, new_token = old_issuer.issue(PLATFORM, 600), new_issuer.issue(PLATFORM, 600)

    # Before: only the old key is trusted.
    assert answers_by_service(directory, old_token) == ACCEPTED
    assert answers_by_service(directory, new_token) == UNKNOWN_KEY

    # 1. Both keys in the JWKS: both tokens accepted by every service, no restart.
    write_atomically(keys.jwks_path, {"keys": [*old_public, new_public]})
    assert answers_by_service(directory, old_token) == ACCEPTED
    assert answers_by_service(directory, new_token) == ACCEPTED

    # 2. The services sign with the new key from now on.
    write_atomically(keys.signing_key_path, new_private)
    company = directory.company()
    person = directory.user(company.id)
    integrator = directory.integrator_token(company.id, person.id)
    assert _key_id(integrator) == "rotated-2"

    # 3. The old key leaves the JWKS.
    write_atomically(keys.jwks_path, {"keys": [new_public]})
    assert answers_by_service(directory, old_token) == UNKNOWN_KEY
    assert answers_by_service(directory, new_token) == ACCEPTED
    directory.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(integrator), timeout=10
    )
    # The services' own calls to each other carry new-key tokens: facts still flow down.
    directory.auth = bearer(new_token)
    project = directory.project(company.id)
    eventually(lambda: directory.facts_below(project.id))


def _key_id(token: str) -> str:
    assert claims_of(token)["kind"] == "integrator"
    return str(jwt.get_unverified_header(token)["kid"])


def test_a_half_written_jwks_keeps_the_keys_last_read(tmp_path: Path) -> None:
    """A JWKS caught mid-write (or briefly missing) must not turn every call into INTERNAL."""
    keys = make_test_keys(tmp_path / "keys")
    verifier = keys.verifier()
    token = keys.platform_token()
    keys.jwks_path.write_text('{"keys": [{"kty": "OK')  # a writer that is not atomic
    assert verifier.verify(token).kind is PrincipalKind.PLATFORM
    keys.jwks_path.unlink()
    assert verifier.verify(token).kind is PrincipalKind.PLATFORM
    write_atomically(keys.jwks_path, {"keys": []})  # deliberately empty: trust nothing
    with pytest.raises(Unauthenticated) as refused:
        verifier.verify(token)
    assert refused.value.reason == "TOKEN_KEY_UNKNOWN"
