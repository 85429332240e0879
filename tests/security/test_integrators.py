"""Client applications (R31) through the running services: who may register them, the
token exchange, revocation, and that an integrator holds exactly its user's grants."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_status import rpc_status

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.security.integrator_setup import (
    ADMIN,
    ON_BEHALF,
    READ_ONLY,
    SERVICE_ACCOUNT,
    Directory,
    claims_of,
    outcome,
    stored_clients,
    stored_secret_hash,
)

# The session stack keeps the default number of usable clients per company.
LIMIT = 20


@pytest.fixture
def directory(stack: Stack) -> Directory:
    return Directory(stack)


def test_the_platform_registers_a_client_and_its_secret_becomes_a_short_lived_token(
    directory: Directory, stack: Stack
) -> None:
    company = directory.company()
    person = directory.user(company.id)

    created = directory.create_client(company.id, person.id, ON_BEHALF)
    client = created.integrator_client
    assert created.client_secret.startswith("dcs_") and len(created.client_secret) > 40
    assert (client.company_id, client.user_id, client.mode) == (company.id, person.id, ON_BEHALF)
    assert client.rate_limit_per_hour == 3600 and client.created_by == "platform"
    assert not client.HasField("revoke_time")
    # Only a salted hash is kept.
    stored = stored_secret_hash(stack, client.id)
    assert stored.startswith("scrypt$") and created.client_secret not in stored

    before = time.time()
    answer = directory.exchange(client.id, created.client_secret)
    claims = claims_of(answer.access_token)
    assert answer.token_type == "Bearer"
    assert claims["kind"] == "integrator" and claims["sub"] == person.id
    assert claims["company_id"] == company.id and claims["client_id"] == client.id
    assert claims["integrator_mode"] == "on_behalf_of_user"
    assert claims["rate_limit_per_hour"] == 3600
    assert answer.expire_time.seconds == claims["exp"]
    assert before + 800 < claims["exp"] <= time.time() + 900  # 15 minutes by default

    fetched = directory.connection.GetIntegratorClient(
        pb.GetIntegratorClientRequest(client_id=client.id), metadata=directory.auth, timeout=10
    )
    assert fetched.integrator_client == client  # and no secret field exists to leak


def test_a_company_admin_registers_clients_for_themselves_and_for_service_accounts(
    directory: Directory,
) -> None:
    company = directory.company()
    admin = directory.user(company.id, admin=True)
    colleague = directory.user(company.id)
    robot = directory.service_account(company.id)
    assert robot.service_account
    admin_token = directory.user_token(admin)

    own = directory.create_client(company.id, admin.id, ON_BEHALF, token=admin_token)
    assert own.integrator_client.created_by == admin.id
    robot_client = directory.create_client(
        company.id, robot.id, SERVICE_ACCOUNT, token=admin_token, rate_limit_per_hour=120
    )
    token = directory.exchange(
        robot_client.integrator_client.id, robot_client.client_secret
    ).access_token
    claims = claims_of(token)
    assert claims["sub"] == robot.id and claims["integrator_mode"] == "service_account"
    assert claims["rate_limit_per_hour"] == 120

    # Nobody borrows a colleague's grants through a client of their own making.
    assert refusal(
        directory.connection.CreateIntegratorClient,
        pb.CreateIntegratorClientRequest(
            integrator_client=pb.IntegratorClient(
                company_id=company.id, display_name="Mine", mode=ON_BEHALF, user_id=colleague.id
            )
        ),
        admin_token,
    ) == ("PERMISSION_DENIED", "AUTHORISING_USER_MUST_BE_CALLER")


def test_who_may_not_register_clients_and_bad_input_change_nothing(
    directory: Directory, stack: Stack
) -> None:
    company = directory.company()
    other = directory.company()
    admin = directory.user(company.id, admin=True)
    member = directory.user(company.id)
    stranger_admin = directory.user(other.id, admin=True)
    robot = directory.service_account(company.id)
    integrator = directory.integrator_token(company.id, admin.id)
    before = stored_clients(stack, company.id)

    def attempt(token: str, **fields: object) -> tuple[str, str]:
        values: dict[str, object] = {
            "company_id": company.id,
            "display_name": "Importer",
            "mode": ON_BEHALF,
            "user_id": member.id,
        }
        values.update(fields)
        request = pb.CreateIntegratorClientRequest(
            integrator_client=pb.IntegratorClient(**values),  # type: ignore[arg-type]
            request_id=f"attempt-{len(fields)}-{sorted(fields)}",
        )
        return refusal(directory.connection.CreateIntegratorClient, request, token)

    platform = stack.keys.platform_token()
    member_token = directory.user_token(member)
    assert attempt(member_token, user_id=member.id) == (
        "PERMISSION_DENIED",
        "COMPANY_ADMIN_REQUIRED",
    )
    assert attempt(directory.user_token(stranger_admin), user_id=stranger_admin.id) == (
        "NOT_FOUND",
        "COMPANY_NOT_FOUND",
    )
    assert attempt(stack.keys.service_token("drawing")) == (
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
    )
    assert attempt(integrator, user_id=admin.id) == ("PERMISSION_DENIED", "PERMISSION_DENIED")
    assert attempt(platform, mode=pb.INTEGRATOR_MODE_UNSPECIFIED) == (
        "INVALID_ARGUMENT",
        "INTEGRATOR_MODE_REQUIRED",
    )
    assert attempt(platform, display_name="  ") == ("INVALID_ARGUMENT", "MISSING_FIELD")
    assert attempt(platform, display_name="x" * 256) == ("INVALID_ARGUMENT", "FIELD_TOO_LONG")
    assert attempt(platform, user_id="") == ("INVALID_ARGUMENT", "MISSING_FIELD")
    assert attempt(platform, rate_limit_per_hour=-1) == ("INVALID_ARGUMENT", "RATE_LIMIT_INVALID")
    assert attempt(platform, user_id=stranger_admin.id) == ("NOT_FOUND", "USER_NOT_FOUND")
    assert attempt(platform, company_id="no-such-company") == ("NOT_FOUND", "COMPANY_NOT_FOUND")
    assert attempt(platform, mode=SERVICE_ACCOUNT) == (
        "INVALID_ARGUMENT",
        "SERVICE_ACCOUNT_USER_REQUIRED",
    )
    assert attempt(platform, user_id=robot.id) == ("INVALID_ARGUMENT", "PERSON_USER_REQUIRED")
    # Reading and revoking: the same rules, and another company's client does not exist.
    mine = directory.create_client(company.id, member.id).integrator_client
    get = pb.GetIntegratorClientRequest(client_id=mine.id)
    delete = pb.DeleteIntegratorClientRequest(client_id=mine.id)
    stranger = directory.user_token(stranger_admin)
    missing = ("NOT_FOUND", "INTEGRATOR_CLIENT_NOT_FOUND")
    assert refusal(directory.connection.GetIntegratorClient, get, stranger) == missing
    assert refusal(directory.connection.DeleteIntegratorClient, delete, stranger) == missing
    assert (
        refusal(
            directory.connection.GetIntegratorClient,
            pb.GetIntegratorClientRequest(client_id="no-such-client"),
            platform,
        )
        == missing
    )
    assert refusal(directory.connection.DeleteIntegratorClient, delete, member_token) == (
        "PERMISSION_DENIED",
        "COMPANY_ADMIN_REQUIRED",
    )
    assert stored_clients(stack, company.id) == before + 1  # only the one made on purpose


def test_revoked_unknown_and_wrong_credentials_get_the_same_answer(directory: Directory) -> None:
    company = directory.company()
    admin = directory.user(company.id, admin=True)
    created = directory.create_client(company.id, admin.id)
    client_id, secret = created.integrator_client.id, created.client_secret
    issued = directory.exchange(client_id, secret).access_token
    exchange = directory.connection.CreateIntegratorToken
    invalid = ("UNAUTHENTICATED", "CLIENT_CREDENTIALS_INVALID")

    def attempt(client: str, given_secret: str) -> tuple[str, str]:
        request = pb.CreateIntegratorTokenRequest(client_id=client, client_secret=given_secret)
        return refusal(exchange, request, None)

    assert attempt(client_id, secret + "x") == invalid
    assert attempt("no-such-client", secret) == invalid
    assert attempt("", "") == invalid
    assert attempt(client_id, "s" * 10_000) == invalid

    revoke = pb.DeleteIntegratorClientRequest(client_id=client_id, request_id="revoke-1")
    admin_auth = bearer(directory.user_token(admin))
    revoked = directory.connection.DeleteIntegratorClient(revoke, metadata=admin_auth, timeout=10)
    assert revoked.integrator_client.HasField("revoke_time")
    again = directory.connection.DeleteIntegratorClient(
        pb.DeleteIntegratorClientRequest(client_id=client_id), metadata=admin_auth, timeout=10
    )
    assert again.integrator_client.revoke_time == revoked.integrator_client.revoke_time
    assert attempt(client_id, secret) == invalid
    # A token issued before the revocation lives out its few minutes (documented).
    project = directory.connection.ListProjects(
        pb.ListProjectsRequest(), metadata=bearer(issued), timeout=10
    )
    assert project is not None


def test_a_retried_registration_answers_the_same_client_with_a_new_secret(
    directory: Directory,
) -> None:
    company = directory.company()
    person = directory.user(company.id)
    request = pb.CreateIntegratorClientRequest(
        integrator_client=pb.IntegratorClient(
            company_id=company.id, display_name="Importer", mode=ON_BEHALF, user_id=person.id
        ),
        request_id="register-importer-once",
    )
    first = directory.connection.CreateIntegratorClient(
        request, metadata=directory.auth, timeout=10
    )
    retried = directory.connection.CreateIntegratorClient(
        request, metadata=directory.auth, timeout=10
    )
    assert retried.integrator_client == first.integrator_client
    assert retried.client_secret and retried.client_secret != first.client_secret
    client_id = first.integrator_client.id
    # The secret was never stored, so it cannot be shown twice: the retry's replaces it.
    assert refusal(
        directory.connection.CreateIntegratorToken,
        pb.CreateIntegratorTokenRequest(client_id=client_id, client_secret=first.client_secret),
        None,
    ) == ("UNAUTHENTICATED", "CLIENT_CREDENTIALS_INVALID")
    assert directory.exchange(client_id, retried.client_secret).access_token


@pytest.mark.parametrize("mode", [ON_BEHALF, SERVICE_ACCOUNT], ids=["on_behalf", "service"])
def test_an_integrator_holds_exactly_its_users_grants(directory: Directory, mode: int) -> None:
    company = directory.company()
    other = directory.company()
    acting = (
        directory.user(company.id) if mode == ON_BEHALF else directory.service_account(company.id)
    )
    granted = directory.project_known_below(company.id)  # read_only on Drawings, admin on CM
    ungranted_own = directory.project_known_below(company.id)  # same company, no grant
    ungranted_other = directory.project_known_below(other.id)
    directory.grant(granted.id, acting.id, READ_ONLY, ADMIN)
    integrator = directory.integrator_token(company.id, acting.id, mode)
    as_user = directory.user_token(acting)

    def answers(token: str) -> list[str]:
        """The status of a few real calls of both services, as the holder of ``token``."""
        calls = [
            (
                directory.drawing.ListDrawingAreas,
                drawing_pb.ListDrawingAreasRequest(project_id=granted.id),
            ),
            (
                directory.drawing.CreateDrawingArea,
                drawing_pb.CreateDrawingAreaRequest(
                    drawing_area=drawing_pb.DrawingArea(project_id=granted.id, name="A")
                ),
            ),
            (
                directory.drawing.ListDrawingAreas,
                drawing_pb.ListDrawingAreasRequest(project_id=ungranted_own.id),
            ),
            (
                directory.drawing.ListDrawingAreas,
                drawing_pb.ListDrawingAreasRequest(project_id=ungranted_other.id),
            ),
            (directory.connection.GetProject, pb.GetProjectRequest(project_id=granted.id)),
            (
                directory.connection.ListConnections,
                pb.ListConnectionsRequest(project_id=granted.id),
            ),
            (
                directory.connection.GetDistributionList,
                pb.GetDistributionListRequest(project_id=granted.id),
            ),
            (directory.connection.GetProject, pb.GetProjectRequest(project_id=ungranted_other.id)),
            (
                directory.connection.ListConnections,
                pb.ListConnectionsRequest(project_id=ungranted_other.id),
            ),
        ]
        return [outcome(call, request, token) for call, request in calls]

    expected = [
        "OK",
        "PERMISSION_DENIED/DRAWINGS_ADMIN_REQUIRED",
        "NOT_FOUND/PROJECT_NOT_FOUND",
        "NOT_FOUND/PROJECT_NOT_FOUND",
        "OK",
        "OK",
        "OK",
        "NOT_FOUND/PROJECT_NOT_FOUND",
        "NOT_FOUND/PROJECT_NOT_FOUND",
    ]
    assert answers(integrator) == expected
    assert answers(as_user) == expected  # never more, never less than the user


def test_only_the_platform_gives_a_client_more_than_the_default_rate_limit(
    directory: Directory, stack: Stack
) -> None:
    company = directory.company()
    admin = directory.user(company.id, admin=True)
    robot = directory.service_account(company.id)
    admin_token = directory.user_token(admin)
    above = pb.CreateIntegratorClientRequest(
        integrator_client=pb.IntegratorClient(
            company_id=company.id,
            display_name="Bulk importer",
            mode=SERVICE_ACCOUNT,
            user_id=robot.id,
            rate_limit_per_hour=3601,
        )
    )
    with pytest.raises(grpc.RpcError) as caught:
        directory.connection.CreateIntegratorClient(above, metadata=bearer(admin_token), timeout=10)
    info = error_info_of(caught.value)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert info is not None and info.reason == "RATE_LIMIT_ABOVE_DEFAULT"
    assert info.metadata["default_rate_limit_per_hour"] == "3600"
    assert stored_clients(stack, company.id) == 0

    at_default = directory.create_client(
        company.id, robot.id, SERVICE_ACCOUNT, token=admin_token, rate_limit_per_hour=3600
    )
    assert at_default.integrator_client.rate_limit_per_hour == 3600
    by_platform = directory.create_client(
        company.id, robot.id, SERVICE_ACCOUNT, rate_limit_per_hour=50_000
    ).integrator_client
    assert by_platform.rate_limit_per_hour == 50_000


def test_a_company_holds_at_most_its_limit_of_usable_clients(
    directory: Directory, stack: Stack
) -> None:
    company = directory.company()
    person = directory.user(company.id)
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(
            pool.map(lambda _: directory.create_client(company.id, person.id), range(LIMIT - 1))
        )

    # Two registrations race for the last place: the company's row is locked while one
    # counts, so exactly one wins.
    def register() -> str:
        try:
            directory.create_client(company.id, person.id)
        except grpc.RpcError as error:
            info = error_info_of(error)
            return f"{error.code().name}/{info.reason if info else ''}"
        return "OK"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: register(), range(2)))
    assert outcomes == ["OK", "RESOURCE_EXHAUSTED/INTEGRATOR_CLIENT_LIMIT_REACHED"]
    assert stored_clients(stack, company.id) == LIMIT

    with pytest.raises(grpc.RpcError) as caught:
        directory.create_client(company.id, person.id)
    info = error_info_of(caught.value)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert info is not None and dict(info.metadata) == {"limit": str(LIMIT)}
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    assert not any(d.type_url.endswith("RetryInfo") for d in status.details)

    # A revoked client frees its place.
    directory.connection.DeleteIntegratorClient(
        pb.DeleteIntegratorClientRequest(client_id=made[0].integrator_client.id),
        metadata=directory.auth,
        timeout=10,
    )
    directory.create_client(company.id, person.id)
    assert stored_clients(stack, company.id) == LIMIT + 1
