"""People signing in through a standard identity provider, through the real services.

The three services run on a stack of their own configured with a provider
(``CONNECTABILITY_JWT_PROVIDER_*``) whose JWKS is served over HTTP by the test
(tests/fixtures/jwks_server.py). Its tokens carry only ``iss``, ``sub``, ``aud``, ``exp``
and ``iat``: the connection service finds the person's company in its directory, the
drawing service their grants; our own tokens keep working beside them. Key caching on a
turned clock: tests/runtime/test_identity_provider_keys.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as dpb
from tests.fixtures.jwks_server import (
    PROVIDER_AUDIENCE,
    PROVIDER_ISSUER,
    JwksServer,
    ProviderKey,
    new_key,
    serving_jwks,
    standard_claims,
)
from tests.fixtures.stack import Stack, stack_of_its_own
from tests.integration.calls import bearer, eventually, refusal
from tests.integration.test_directory import Platform, unique


@dataclass
class Provider:
    jwks: JwksServer
    keys: dict[str, ProviderKey]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    keys = {
        "RS256": new_key("RS256"),
        "ES256": new_key("ES256"),
        "retiring": new_key("RS256"),
        "incoming": new_key("ES256"),
    }
    with serving_jwks() as jwks:
        jwks.publish(keys["RS256"], keys["ES256"], keys["retiring"])
        yield Provider(jwks, keys)


@pytest.fixture(scope="module")
def provider_stack(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with stack_of_its_own(
        tmp_path_factory.mktemp("identity-provider"),
        jwt_provider_jwks_url=provider.jwks.url,
        jwt_provider_issuer=PROVIDER_ISSUER,
        jwt_provider_audience=PROVIDER_AUDIENCE,
    ) as running:
        yield running


@dataclass
class Person:
    """A directory user created with the id the provider gives them, and their project."""

    user: pb.User
    project: pb.Project


@pytest.fixture(scope="module")
def platform(provider_stack: Stack) -> Platform:
    return Platform(provider_stack)


def person(platform: Platform) -> Person:
    company = platform.company()
    project = platform.project(company.id)
    request = pb.CreateUserRequest(
        user=pb.User(
            company_id=company.id,
            email=f"{unique('kc')}@example.com",
            display_name="Kim Provider",
        ),
        # The provider's subject (Keycloak's user id) is the directory id.
        user_id=unique("kc"),
    )
    user = platform.connection.CreateUser(request, metadata=platform.auth, timeout=10).user
    return Person(user, project)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_directory_user_signs_in_with_only_standard_claims(
    platform: Platform, provider: Provider, algorithm: str
) -> None:
    me, theirs = person(platform), person(platform)
    token = provider.keys[algorithm].sign(standard_claims(me.user.id))

    # The connection service: their company, as the directory says.
    listed = platform.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(token), timeout=10
    )
    assert [project.id for project in listed.projects] == [me.project.id]
    assert refusal(
        platform.connection.GetProject, pb.GetProjectRequest(project_id=theirs.project.id), token
    ) == ("NOT_FOUND", "PROJECT_NOT_FOUND")

    # The drawing service: their grant, which came down from the connection service's world.
    def grant() -> None:
        platform.drawing.SetDrawingsPermission(
            dpb.SetDrawingsPermissionRequest(
                project_id=me.project.id,
                user_id=me.user.id,
                level=common_pb2.PERMISSION_LEVEL_READ_ONLY,
            ),
            metadata=platform.auth,
            timeout=10,
        )

    eventually(grant)
    areas = platform.drawing.ListDrawingAreas(
        dpb.ListDrawingAreasRequest(project_id=me.project.id), metadata=bearer(token), timeout=10
    )
    assert list(areas.drawing_areas) == []
    assert refusal(
        platform.drawing.ListDrawingAreas,
        dpb.ListDrawingAreasRequest(project_id=theirs.project.id),
        token,
    ) == ("NOT_FOUND", "PROJECT_NOT_FOUND")


def test_a_subject_the_directory_does_not_know_is_refused_with_its_reason(
    platform: Platform, provider: Provider
) -> None:
    token = provider.keys["RS256"].sign(standard_claims("kc-nobody-here"))
    with pytest.raises(Exception) as refused:
        platform.connection.ListProjects(
            pb.ListProjectsRequest(), metadata=bearer(token), timeout=10
        )
    assert "'kc-nobody-here' is not in the directory" in refused.value.details()  # type: ignore[attr-defined]
    assert refusal(platform.connection.ListProjects, pb.ListProjectsRequest(), token) == (
        "UNAUTHENTICATED",
        "TOKEN_SUBJECT_UNKNOWN",
    )
    # Below, a person without grants sees nothing, like any outsider (R27).
    someone = person(platform)
    assert refusal(
        platform.drawing.ListDrawingAreas,
        dpb.ListDrawingAreasRequest(project_id=someone.project.id),
        token,
    ) == ("NOT_FOUND", "PROJECT_NOT_FOUND")


def test_claims_of_ours_in_a_provider_token_open_nothing(
    platform: Platform, provider: Provider
) -> None:
    me, theirs = person(platform), person(platform)
    claims = {
        **standard_claims(me.user.id),
        "kind": "platform",
        "company_id": theirs.project.company_id,
    }
    token = provider.keys["ES256"].sign(claims)
    assert refusal(
        platform.connection.ListUsers,
        pb.ListUsersRequest(company_id=theirs.project.company_id),
        token,
    ) == ("NOT_FOUND", "COMPANY_NOT_FOUND")
    # A person, not the platform: no company of their own making.
    company = pb.Company(name="Mine Now", file_storage_location="us")
    assert (
        refusal(platform.connection.CreateCompany, pb.CreateCompanyRequest(company=company), token)[
            0
        ]
        == "PERMISSION_DENIED"
    )


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"iss": "https://elsewhere.example/realms/builders"}, "TOKEN_ISSUER_UNTRUSTED"),
        ({"aud": "another-system"}, "TOKEN_AUDIENCE_INVALID"),
        ({"iat": 1_700_000_000, "exp": 1_700_000_300}, "TOKEN_EXPIRED"),
    ],
    ids=["wrong issuer", "wrong audience", "expired"],
)
def test_provider_tokens_that_should_not_pass(
    platform: Platform, provider: Provider, changed: dict[str, object], reason: str
) -> None:
    me = person(platform)
    token = provider.keys["RS256"].sign({**standard_claims(me.user.id), **changed})
    assert refusal(platform.connection.ListProjects, pb.ListProjectsRequest(), token) == (
        "UNAUTHENTICATED",
        reason,
    )
    assert refusal(
        platform.drawing.ListDrawingAreas,
        dpb.ListDrawingAreasRequest(project_id=me.project.id),
        token,
    ) == ("UNAUTHENTICATED", reason)


def test_a_rotated_out_key_is_refused_once_a_new_key_is_seen(
    platform: Platform, provider: Provider
) -> None:
    """The provider rotates: the first token under its new key makes the service fetch the
    keys again (an unknown ``kid``), and the key rotated out verifies nothing from then on."""
    me = person(platform)
    keys = provider.keys
    retiring = keys["retiring"].sign(standard_claims(me.user.id))
    platform.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(retiring), timeout=10
    )

    provider.jwks.publish(keys["RS256"], keys["ES256"], keys["incoming"])
    incoming = keys["incoming"].sign(standard_claims(me.user.id))
    listed = platform.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(incoming), timeout=10
    )
    assert [project.id for project in listed.projects] == [me.project.id]
    assert refusal(platform.connection.ListProjects, pb.ListProjectsRequest(), retiring) == (
        "UNAUTHENTICATED",
        "TOKEN_KEY_UNKNOWN",
    )


def test_our_own_tokens_keep_working_beside_the_provider(
    platform: Platform, provider_stack: Stack
) -> None:
    me = person(platform)
    token = provider_stack.keys.user_token(me.user.id, me.project.company_id)
    listed = platform.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(token), timeout=10
    )
    assert [project.id for project in listed.projects] == [me.project.id]
