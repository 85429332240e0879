"""The directory, not the token, says which company a person belongs to (R27).

A validly signed token may name any company: one that names another company than its
user's, or a user who does not exist, must not read that company's users or projects.
"""

from __future__ import annotations

import grpc
import pytest

from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_directory import Platform


@pytest.fixture
def two_companies(stack: Stack) -> tuple[Platform, pb.Project, pb.Project, pb.User]:
    platform = Platform(stack)
    mine, theirs = platform.company(), platform.company()
    return (
        platform,
        platform.project(mine.id, "Mine"),
        platform.project(theirs.id, "Theirs"),
        platform.user(mine.id, admin=True),
    )


@pytest.mark.parametrize("who", ["a real user naming another company", "an unknown user"])
def test_a_token_naming_another_company_opens_nothing_of_it(
    stack: Stack, two_companies: tuple[Platform, pb.Project, pb.Project, pb.User], who: str
) -> None:
    platform, mine, theirs, me = two_companies
    user_id = me.id if who.startswith("a real") else "nobody-in-the-directory"
    token = stack.keys.user_token(user_id, theirs.company_id)
    connection = platform.connection

    assert refusal(
        connection.ListUsers, pb.ListUsersRequest(company_id=theirs.company_id), token
    ) == ("NOT_FOUND", "COMPANY_NOT_FOUND")
    assert refusal(connection.GetProject, pb.GetProjectRequest(project_id=theirs.id), token) == (
        "NOT_FOUND",
        "PROJECT_NOT_FOUND",
    )
    if user_id == me.id:  # their own company's projects, whatever the token says
        listed = connection.ListProjects(
            pb.ListProjectsRequest(), metadata=bearer(token), timeout=10
        )
        assert [project.id for project in listed.projects] == [mine.id]
    else:  # nobody's company: no list at all
        assert refusal(connection.ListProjects, pb.ListProjectsRequest(), token) == (
            "NOT_FOUND",
            "COMPANY_NOT_FOUND",
        )


def test_the_same_user_with_an_honest_token_sees_their_company(
    stack: Stack, two_companies: tuple[Platform, pb.Project, pb.Project, pb.User]
) -> None:
    platform, mine, _, me = two_companies
    auth = bearer(stack.keys.user_token(me.id, mine.company_id))
    users = platform.connection.ListUsers(
        pb.ListUsersRequest(company_id=mine.company_id), metadata=auth, timeout=10
    )
    assert [user.id for user in users.users] == [me.id]
    project = platform.connection.GetProject(
        pb.GetProjectRequest(project_id=mine.id), metadata=auth, timeout=10
    )
    assert project.project.name == "Mine"


def test_an_unknown_user_with_no_company_is_refused_nothing_it_could_not_see(
    stack: Stack, two_companies: tuple[Platform, pb.Project, pb.Project, pb.User]
) -> None:
    platform, _, _, _ = two_companies
    auth = bearer(stack.keys.user_token("nobody-in-the-directory", "no-company"))
    with pytest.raises(grpc.RpcError) as refused:
        platform.connection.ListUsers(pb.ListUsersRequest(), metadata=auth, timeout=10)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
