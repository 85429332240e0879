"""The Connection Manager permission table, row by row, for every level (PRODUCT.md)."""

from __future__ import annotations

import pytest

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_connections import Pair, decide, grant, make_pair
from tests.integration.test_directory import Platform

LEVELS = {
    "none": common_pb2.PERMISSION_LEVEL_NONE,
    "read_only": common_pb2.PERMISSION_LEVEL_READ_ONLY,
    "standard": common_pb2.PERMISSION_LEVEL_STANDARD,
    "admin": common_pb2.PERMISSION_LEVEL_ADMIN,
}
# What a colleague below admin gets: they see the project, so a refusal, not NOT_FOUND.
NOT_ADMIN = ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")


@pytest.fixture
def platform(stack: Stack) -> Platform:
    return Platform(stack)


def colleague(platform: Platform, project: pb.Project, level: str) -> tuple[str, str]:
    """(token, user id) of a user of the project's company holding ``level``."""
    user = platform.user(project.company_id)
    platform.connection.SetConnectionManagerPermission(
        pb.SetConnectionManagerPermissionRequest(
            project_id=project.id, user_id=user.id, level=LEVELS[level]
        ),
        metadata=platform.auth,
        timeout=10,
    )
    return platform.stack.keys.user_token(user.id, project.company_id), user.id


def with_drawings(platform: Platform, pair: Pair, user_id: str) -> None:
    grant(platform, pair.downstream.id, user_id, cm=False, drawings=True)
    grant(platform, pair.upstream.id, user_id, cm=False, drawings=True)


@pytest.mark.parametrize("level", list(LEVELS))
def test_viewing_connections_needs_read_only(platform: Platform, level: str) -> None:
    pair = make_pair(platform)
    connection = pair.request().connection
    token, _ = colleague(platform, pair.upstream, level)
    get = pb.GetConnectionRequest(connection_id=connection.id)
    if level == "none":
        assert refusal(platform.connection.GetConnection, get, token) == (
            "NOT_FOUND",
            "CONNECTION_NOT_FOUND",
        )
        return
    seen = platform.connection.GetConnection(get, metadata=bearer(token), timeout=10)
    assert seen.connection.id == connection.id
    events = platform.connection.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=connection.id),
        metadata=bearer(token),
        timeout=10,
    ).events
    assert len(events) == 1


@pytest.mark.parametrize("level", list(LEVELS))
def test_initiating_needs_admin_on_the_downstream(platform: Platform, level: str) -> None:
    pair = make_pair(platform)
    token, user_id = colleague(platform, pair.downstream, level)
    with_drawings(platform, pair, user_id)
    request = pb.RequestConnectionRequest(
        downstream_project_id=pair.downstream.id, upstream_project_id=pair.upstream.id
    )
    if level == "admin":
        made = platform.connection.RequestConnection(request, metadata=bearer(token), timeout=15)
        assert made.connection.state == pb.CONNECTION_STATE_PENDING
    else:
        assert refusal(platform.connection.RequestConnection, request, token) == NOT_ADMIN


@pytest.mark.parametrize("verb", ["Approve", "Reject"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_approving_and_rejecting_need_admin_on_the_upstream(
    platform: Platform, level: str, verb: str
) -> None:
    pair = make_pair(platform)
    pending = pair.request().connection
    token, _ = colleague(platform, pair.upstream, level)
    if level == "admin":
        decided = decide(pair, verb, pending.id, token)
        assert decided.state != pb.CONNECTION_STATE_PENDING
        return
    call = getattr(platform.connection, f"{verb}Connection")
    request = getattr(pb, f"{verb}ConnectionRequest")(connection_id=pending.id)
    expected = ("NOT_FOUND", "CONNECTION_NOT_FOUND") if level == "none" else NOT_ADMIN
    assert refusal(call, request, token) == expected


@pytest.mark.parametrize("side", ["upstream", "downstream"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_disconnecting_needs_admin_on_either_side(
    platform: Platform, level: str, side: str
) -> None:
    pair = make_pair(platform)
    active = decide(pair, "Approve", pair.request().connection.id, pair.up_admin)
    token, _ = colleague(platform, getattr(pair, side), level)
    if level == "admin":
        assert decide(pair, "Disconnect", active.id, token, "Done").state == (
            pb.CONNECTION_STATE_DISCONNECTED
        )
        return
    request = pb.DisconnectConnectionRequest(connection_id=active.id, reason="Done")
    expected = ("NOT_FOUND", "CONNECTION_NOT_FOUND") if level == "none" else NOT_ADMIN
    assert refusal(platform.connection.DisconnectConnection, request, token) == expected


@pytest.mark.parametrize("level", list(LEVELS))
def test_advanced_settings_need_admin(platform: Platform, level: str) -> None:
    pair = make_pair(platform)
    token, _ = colleague(platform, pair.downstream, level)
    update = pb.UpdateDistributionListRequest(
        project_id=pair.downstream.id, emails=["team@example.com"]
    )
    if level == "admin":
        stored = platform.connection.UpdateDistributionList(
            update, metadata=bearer(token), timeout=15
        ).distribution_list
        assert list(stored.emails) == ["team@example.com"]
        return
    expected = ("NOT_FOUND", "PROJECT_NOT_FOUND") if level == "none" else NOT_ADMIN
    assert refusal(platform.connection.UpdateDistributionList, update, token) == expected
