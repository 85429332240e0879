"""R31 through the running services: a company that forbids outside applications refuses
integrators in its projects with OUTSIDE_APPLICATIONS_FORBIDDEN, where their user could see
the project (elsewhere NOT_FOUND, R27); people are unaffected and other companies' projects
still work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually, refusal
from tests.security.integrator_setup import ADMIN, READ_ONLY, Directory, outcome

FORBIDDEN = "PERMISSION_DENIED/OUTSIDE_APPLICATIONS_FORBIDDEN"
HIDDEN = "NOT_FOUND/PROJECT_NOT_FOUND"


@pytest.fixture
def directory(stack: Stack) -> Directory:
    return Directory(stack)


def project_calls(directory: Directory, project_id: str) -> list[tuple[Callable[..., Any], Any]]:
    """Calls addressed to one project, in the drawing and the connection service."""
    return [
        (
            directory.drawing.ListDrawingAreas,
            drawing_pb.ListDrawingAreasRequest(project_id=project_id),
        ),
        (
            directory.drawing.ListDrawingSets,
            drawing_pb.ListDrawingSetsRequest(project_id=project_id),
        ),
        (directory.connection.GetProject, pb.GetProjectRequest(project_id=project_id)),
        (directory.connection.ListConnections, pb.ListConnectionsRequest(project_id=project_id)),
        (
            directory.connection.GetDistributionList,
            pb.GetDistributionListRequest(project_id=project_id),
        ),
    ]


def answers(directory: Directory, project_id: str, token: str) -> set[str]:
    return {outcome(call, request, token) for call, request in project_calls(directory, project_id)}


def test_forbidden_companies_refuse_integrators_and_only_where_their_user_could_see(
    directory: Directory,
) -> None:
    home = directory.company()
    forbidding = directory.company(outside_applications_allowed=False)
    welcoming = directory.company()
    person = directory.user(home.id)
    own = directory.project_known_below(home.id)
    theirs = directory.project_known_below(forbidding.id)
    unseen = directory.project_known_below(forbidding.id)  # the person holds nothing here
    elsewhere = directory.project_known_below(welcoming.id)
    for project in (own, theirs, elsewhere):
        directory.grant(project.id, person.id, READ_ONLY, ADMIN)
    integrator = directory.integrator_token(home.id, person.id)

    assert answers(directory, theirs.id, integrator) == {FORBIDDEN}
    assert answers(directory, unseen.id, integrator) == {HIDDEN}  # nothing leaks (R27)
    assert answers(directory, own.id, integrator) == {"OK"}
    assert answers(directory, elsewhere.id, integrator) == {"OK"}
    # People are not outside applications.
    assert answers(directory, theirs.id, directory.user_token(person)) == {"OK"}
    # Not even offered as an upstream to choose.
    connectable = directory.connection.ListConnectableProjects(
        pb.ListConnectableProjectsRequest(downstream_project_id=own.id),
        metadata=bearer(integrator),
        timeout=10,
    )
    offered = {choice.project_id for choice in connectable.projects}
    assert elsewhere.id in offered and theirs.id not in offered

    # The company changes its mind: the fact flows down and integrators get in, and out again.
    directory.allow_outside_applications(forbidding.id, True)
    eventually(lambda: _assert_equal(answers(directory, theirs.id, integrator), {"OK"}))
    directory.allow_outside_applications(forbidding.id, False)
    eventually(lambda: _assert_equal(answers(directory, theirs.id, integrator), {FORBIDDEN}))


def _assert_equal(seen: set[str], wanted: set[str]) -> None:
    assert seen == wanted


def test_a_connection_is_read_through_the_side_that_allows_integrators(
    directory: Directory,
) -> None:
    home = directory.company(approval_preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    forbidding = directory.company(
        outside_applications_allowed=False,
        approval_preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE,
    )
    person = directory.user(home.id)
    downstream = directory.project_known_below(home.id)
    upstream = directory.project_known_below(forbidding.id)
    for project in (downstream, upstream):
        directory.grant(project.id, person.id, READ_ONLY, ADMIN)
    connection = directory.connection.RequestConnection(
        pb.RequestConnectionRequest(
            downstream_project_id=downstream.id, upstream_project_id=upstream.id
        ),
        metadata=bearer(directory.user_token(person)),
        timeout=30,
    ).connection
    integrator = directory.integrator_token(home.id, person.id)

    get = pb.GetConnectionRequest(connection_id=connection.id)
    assert outcome(directory.connection.GetConnection, get, integrator) == "OK"
    listing = pb.ListConnectionsRequest(project_id=upstream.id)
    assert outcome(directory.connection.ListConnections, listing, integrator) == FORBIDDEN
    # A request naming the forbidding company's project as upstream is refused too.
    again = pb.RequestConnectionRequest(
        downstream_project_id=downstream.id, upstream_project_id=upstream.id, validate_only=True
    )
    assert outcome(directory.connection.RequestConnection, again, integrator) == FORBIDDEN


def test_a_client_of_a_forbidding_company_gets_no_token_until_it_allows_them(
    directory: Directory,
) -> None:
    company = directory.company(outside_applications_allowed=False)
    person = directory.user(company.id)
    created = directory.create_client(company.id, person.id)
    request = pb.CreateIntegratorTokenRequest(
        client_id=created.integrator_client.id, client_secret=created.client_secret
    )
    assert refusal(directory.connection.CreateIntegratorToken, request, None) == (
        "PERMISSION_DENIED",
        "OUTSIDE_APPLICATIONS_FORBIDDEN",
    )
    # Wrong credentials learn nothing about the company: the credentials are checked first.
    wrong = pb.CreateIntegratorTokenRequest(
        client_id=created.integrator_client.id, client_secret="dcs_wrong"
    )
    assert refusal(directory.connection.CreateIntegratorToken, wrong, None) == (
        "UNAUTHENTICATED",
        "CLIENT_CREDENTIALS_INVALID",
    )
    directory.allow_outside_applications(company.id, True)
    token = directory.exchange(created.integrator_client.id, created.client_secret).access_token
    own = directory.project_known_below(company.id)
    directory.grant(own.id, person.id, READ_ONLY, ADMIN)
    assert answers(directory, own.id, token) == {"OK"}
    # A token issued while allowed is refused once the company forbids outside applications.
    directory.allow_outside_applications(company.id, False)
    eventually(lambda: _assert_equal(answers(directory, own.id, token), {FORBIDDEN}))
