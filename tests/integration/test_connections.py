"""The connection lifecycle through the running services: request, preview, approval,
rejection, withdrawal, disconnection, the rules and who may see what (R1–R13)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually, refusal
from tests.integration.test_directory import Platform


@dataclass
class Pair:
    """A downstream and an upstream project, each with a Connection Manager admin."""

    platform: Platform
    downstream: pb.Project
    upstream: pb.Project
    down_admin: str  # tokens
    up_admin: str
    down_admin_id: str

    def request(
        self, validate_only: bool = False, upstream_id: str = ""
    ) -> pb.RequestConnectionResponse:
        return self.platform.connection.RequestConnection(
            pb.RequestConnectionRequest(
                downstream_project_id=self.downstream.id,
                upstream_project_id=upstream_id or self.upstream.id,
                validate_only=validate_only,
            ),
            metadata=bearer(self.down_admin),
            timeout=15,
        )


def grant(platform: Platform, project_id: str, user_id: str, cm: bool, drawings: bool) -> None:
    if cm:
        platform.connection.SetConnectionManagerPermission(
            pb.SetConnectionManagerPermissionRequest(
                project_id=project_id, user_id=user_id, level=common_pb2.PERMISSION_LEVEL_ADMIN
            ),
            metadata=platform.auth,
            timeout=10,
        )
    if drawings:
        request = drawing_pb.SetDrawingsPermissionRequest(
            project_id=project_id, user_id=user_id, level=common_pb2.PERMISSION_LEVEL_READ_ONLY
        )
        eventually(
            lambda: platform.drawing.SetDrawingsPermission(
                request, metadata=platform.auth, timeout=10
            )
        )


def make_pair(
    platform: Platform,
    preference: int = pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED,
    upstream_location: str = "us",
) -> Pair:
    down_company = platform.company()
    up_company = platform.company(approval_preference=preference)
    if upstream_location != "us":
        up_company = platform.connection.CreateCompany(
            pb.CreateCompanyRequest(
                company=pb.Company(name="Far Away", file_storage_location=upstream_location)
            ),
            metadata=platform.auth,
            timeout=10,
        ).company
    downstream, upstream = platform.project(down_company.id), platform.project(up_company.id)
    down_admin, up_admin = platform.user(down_company.id), platform.user(up_company.id)
    grant(platform, downstream.id, down_admin.id, cm=True, drawings=True)
    grant(platform, upstream.id, down_admin.id, cm=False, drawings=True)
    grant(platform, upstream.id, up_admin.id, cm=True, drawings=True)
    keys = platform.stack.keys
    return Pair(
        platform,
        downstream,
        upstream,
        keys.user_token(down_admin.id, down_company.id),
        keys.user_token(up_admin.id, up_company.id),
        down_admin.id,
    )


@pytest.fixture
def platform(stack: Stack) -> Platform:
    return Platform(stack)


def decide(
    pair: Pair, verb: str, connection_id: str, token: str, reason: str = ""
) -> pb.Connection:
    call = getattr(pair.platform.connection, f"{verb}Connection")
    request_type = getattr(pb, f"{verb}ConnectionRequest")
    fields = {"connection_id": connection_id}
    if verb in ("Reject", "Disconnect"):
        fields["reason"] = reason
    return call(request_type(**fields), metadata=bearer(token), timeout=15).connection


def test_a_request_waits_for_review_then_the_upstream_admin_approves(platform: Platform) -> None:
    pair = make_pair(platform)
    requested = pair.request().connection
    assert requested.state == pb.CONNECTION_STATE_PENDING

    approved = decide(pair, "Approve", requested.id, pair.up_admin)
    assert approved.state == pb.CONNECTION_STATE_ACTIVE

    events = platform.connection.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=requested.id),
        metadata=bearer(pair.down_admin),
        timeout=10,
    ).events
    assert [(e.from_state, e.to_state) for e in events] == [
        (pb.CONNECTION_STATE_UNSPECIFIED, pb.CONNECTION_STATE_PENDING),
        (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_ACTIVE),
    ]
    as_upstream = platform.connection.ListConnections(
        pb.ListConnectionsRequest(project_id=pair.upstream.id, role=pb.CONNECTION_ROLE_UPSTREAM),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).connections
    assert [c.id for c in as_upstream] == [requested.id]


def test_auto_approve_is_the_systems_act_at_the_request_instant(platform: Platform) -> None:
    pair = make_pair(platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    answered = pair.request().connection
    read = platform.connection.GetConnection(
        pb.GetConnectionRequest(connection_id=answered.id),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).connection
    for connection in (answered, read):  # R5: never pending, approved by nobody
        assert connection.state == pb.CONNECTION_STATE_ACTIVE
        assert connection.state_reason == "auto_approve"
        assert connection.state_changed_by_user_id == ""
        assert connection.requested_by_user_id == pair.down_admin_id
        assert connection.state_change_time == connection.create_time
    events = platform.connection.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=answered.id),
        metadata=bearer(pair.down_admin),
        timeout=10,
    ).events
    assert [
        (e.from_state, e.to_state, e.actor_user_id, e.actor_company_id, e.reason) for e in events
    ] == [
        (
            pb.CONNECTION_STATE_UNSPECIFIED,
            pb.CONNECTION_STATE_PENDING,
            pair.down_admin_id,
            pair.downstream.company_id,
            "",
        ),
        (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_ACTIVE, "", "", "auto_approve"),
    ]
    assert events[0].create_time == events[1].create_time == answered.create_time


def test_a_preview_gives_every_verdict_and_changes_nothing(platform: Platform) -> None:
    pair = make_pair(platform)
    preview = pair.request(validate_only=True)
    assert not preview.HasField("connection")
    assert [v.rule for v in preview.verdicts] == [
        "R6",
        "R7",
        "R8",
        "R8",
        "R9",
        "R10",
        "R11",
        "R11",
        "R12",
    ]
    assert all(v.passed for v in preview.verdicts)
    listed = platform.connection.ListConnections(
        pb.ListConnectionsRequest(project_id=pair.downstream.id),
        metadata=bearer(pair.down_admin),
        timeout=10,
    ).connections
    assert list(listed) == []


def test_without_drawings_access_the_upstream_does_not_exist(platform: Platform) -> None:
    pair = make_pair(platform)
    stranger_project = platform.project(platform.company().id)
    hidden = refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=pair.downstream.id, upstream_project_id=stranger_project.id
        ),
        pair.down_admin,
    )
    missing = refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=pair.downstream.id, upstream_project_id="no-such"
        ),
        pair.down_admin,
    )
    assert hidden == missing == ("NOT_FOUND", "PROJECT_NOT_FOUND")


def test_rules_refuse_with_their_reason_and_change_nothing(platform: Platform) -> None:
    pair = make_pair(platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    first = pair.request().connection
    # R9: a second upstream for the same downstream.
    other = make_pair(platform)
    grant(platform, other.upstream.id, pair.down_admin_id, cm=False, drawings=True)
    second = pb.RequestConnectionRequest(
        downstream_project_id=pair.downstream.id, upstream_project_id=other.upstream.id
    )
    assert refusal(platform.connection.RequestConnection, second, pair.down_admin) == (
        "FAILED_PRECONDITION",
        "DOWNSTREAM_ALREADY_CONNECTED",
    )
    # R11: another file storage location.
    far = make_pair(platform, upstream_location="eu")
    assert refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=far.downstream.id, upstream_project_id=far.upstream.id
        ),
        far.down_admin,
    ) == ("FAILED_PRECONDITION", "FILE_STORAGE_LOCATION_MISMATCH")
    # R6: an inactive upstream.
    inactive = make_pair(platform)
    platform.connection.UpdateProject(
        pb.UpdateProjectRequest(
            project=pb.Project(id=inactive.upstream.id, state=pb.PROJECT_STATE_INACTIVE),
            update_mask=FieldMask(paths=["state"]),
        ),
        metadata=platform.auth,
        timeout=10,
    )
    assert refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=inactive.downstream.id,
            upstream_project_id=inactive.upstream.id,
        ),
        inactive.down_admin,
    ) == ("FAILED_PRECONDITION", "PROJECT_INACTIVE")
    # Nothing changed: the downstream still has exactly its first connection.
    listed = platform.connection.ListConnections(
        pb.ListConnectionsRequest(project_id=pair.downstream.id),
        metadata=bearer(pair.down_admin),
        timeout=10,
    ).connections
    assert [c.id for c in listed] == [first.id]


def test_rejection_is_not_final_but_disconnection_is(platform: Platform) -> None:
    pair = make_pair(platform)
    rejected = decide(pair, "Reject", pair.request().connection.id, pair.up_admin, "Not yet")
    assert (rejected.state, rejected.state_reason) == (pb.CONNECTION_STATE_REJECTED, "Not yet")
    withdrawn = decide(pair, "Withdraw", pair.request().connection.id, pair.down_admin)
    assert withdrawn.state == pb.CONNECTION_STATE_WITHDRAWN

    again = pair.request().connection  # R3: the downstream may ask again
    active = decide(pair, "Approve", again.id, pair.up_admin)
    no_reason = pb.DisconnectConnectionRequest(connection_id=active.id)
    assert refusal(platform.connection.DisconnectConnection, no_reason, pair.up_admin) == (
        "INVALID_ARGUMENT",
        "REASON_REQUIRED",
    )
    gone = decide(pair, "Disconnect", active.id, pair.up_admin, "Project closed")
    assert gone.state == pb.CONNECTION_STATE_DISCONNECTED
    # Final (R4, R12): no transition back, and the downstream can never connect again.
    assert refusal(
        platform.connection.ApproveConnection,
        pb.ApproveConnectionRequest(connection_id=active.id),
        pair.up_admin,
    ) == ("FAILED_PRECONDITION", "CONNECTION_NOT_PENDING")
    assert refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=pair.downstream.id, upstream_project_id=pair.upstream.id
        ),
        pair.down_admin,
    ) == ("FAILED_PRECONDITION", "DOWNSTREAM_PREVIOUSLY_DISCONNECTED")


def test_only_the_right_side_decides_and_strangers_see_nothing(platform: Platform) -> None:
    pair = make_pair(platform)
    pending = pair.request().connection
    # The downstream cannot approve its own request; the upstream cannot withdraw it.
    assert refusal(
        platform.connection.ApproveConnection,
        pb.ApproveConnectionRequest(connection_id=pending.id),
        pair.down_admin,
    ) == ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")
    assert refusal(
        platform.connection.WithdrawConnection,
        pb.WithdrawConnectionRequest(connection_id=pending.id),
        pair.up_admin,
    ) == ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")
    stranger_company = platform.company()
    stranger = platform.user(stranger_company.id)
    token = platform.stack.keys.user_token(stranger.id, stranger_company.id)
    seen = refusal(
        platform.connection.GetConnection, pb.GetConnectionRequest(connection_id=pending.id), token
    )
    missing = refusal(
        platform.connection.GetConnection, pb.GetConnectionRequest(connection_id="nope"), token
    )
    assert seen == missing == ("NOT_FOUND", "CONNECTION_NOT_FOUND")
    state = platform.connection.GetConnection(
        pb.GetConnectionRequest(connection_id=pending.id),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).connection.state
    assert state == pb.CONNECTION_STATE_PENDING


def test_the_distribution_list_is_read_by_viewers_and_edited_by_admins(platform: Platform) -> None:
    pair = make_pair(platform)
    connection = platform.connection
    update = pb.UpdateDistributionListRequest(
        project_id=pair.downstream.id,
        emails=["pm@example.com", "PM@example.com", "site@example.com"],
    )
    stored = connection.UpdateDistributionList(
        update, metadata=bearer(pair.down_admin), timeout=15
    ).distribution_list
    assert list(stored.emails) == ["pm@example.com", "site@example.com"]

    company_id = pair.downstream.company_id
    viewer = platform.user(company_id)
    platform.connection.SetConnectionManagerPermission(
        pb.SetConnectionManagerPermissionRequest(
            project_id=pair.downstream.id,
            user_id=viewer.id,
            level=common_pb2.PERMISSION_LEVEL_READ_ONLY,
        ),
        metadata=platform.auth,
        timeout=10,
    )
    viewer_token = platform.stack.keys.user_token(viewer.id, company_id)
    read = connection.GetDistributionList(
        pb.GetDistributionListRequest(project_id=pair.downstream.id),
        metadata=bearer(viewer_token),
        timeout=15,
    ).distribution_list
    assert list(read.emails) == ["pm@example.com", "site@example.com"]
    assert refusal(connection.UpdateDistributionList, update, viewer_token) == (
        "PERMISSION_DENIED",
        "CONNECTION_MANAGER_ADMIN_REQUIRED",
    )
    bad = pb.UpdateDistributionListRequest(project_id=pair.downstream.id, emails=["not an address"])
    assert refusal(connection.UpdateDistributionList, bad, pair.down_admin) == (
        "INVALID_ARGUMENT",
        "INVALID_EMAIL_ADDRESS",
    )
    assert refusal(
        connection.GetDistributionList,
        pb.GetDistributionListRequest(project_id=pair.downstream.id),
        pair.up_admin,
    ) == ("NOT_FOUND", "PROJECT_NOT_FOUND")


def test_connectable_projects_are_those_with_drawings_access(platform: Platform) -> None:
    pair = make_pair(platform)
    platform.project(platform.company().id, name="Hidden Tower")  # no access: not offered
    own = platform.project(pair.downstream.company_id, name="Own Annex")
    grant(platform, own.id, pair.down_admin_id, cm=False, drawings=True)

    offered = platform.connection.ListConnectableProjects(
        pb.ListConnectableProjectsRequest(downstream_project_id=pair.downstream.id),
        metadata=bearer(pair.down_admin),
        timeout=15,
    ).projects
    assert [(p.project_id, p.same_company) for p in offered] == [
        (own.id, True),
        (pair.upstream.id, False),
    ]


def test_each_transition_tells_the_right_lists(platform: Platform) -> None:
    pair = make_pair(platform)
    for project, address in (
        (pair.downstream, "down@example.com"),
        (pair.upstream, "up@example.com"),
    ):
        admin = pair.down_admin if project is pair.downstream else pair.up_admin
        platform.connection.UpdateDistributionList(
            pb.UpdateDistributionListRequest(project_id=project.id, emails=[address]),
            metadata=bearer(admin),
            timeout=15,
        )
    pending = pair.request().connection
    decide(pair, "Approve", pending.id, pair.up_admin)

    def copied() -> None:  # the initial copy (empty here) tells the downstream too (R24)
        state = platform.connection.GetSyncState(
            pb.GetSyncStateRequest(connection_id=pending.id),
            metadata=bearer(pair.down_admin),
            timeout=10,
        ).sync_state
        assert state.initial_copy_state == pb.INITIAL_COPY_STATE_COMPLETE

    eventually(copied, timeout_seconds=15)
    decide(pair, "Disconnect", pending.id, pair.down_admin, "Job finished")

    def deliveries_to(project_id: str, expected: int) -> list[str]:
        deliveries = platform.notification.ListDeliveries(
            notification_pb.ListDeliveriesRequest(project_id=project_id),
            metadata=platform.auth,
            timeout=10,
        ).deliveries
        assert len(deliveries) == expected
        return sorted(d.event_id for d in deliveries)

    # Upstream: request needing review, new connection, disconnection; downstream: the
    # last two (R23) and the initial copy's completion (R24). Each reaches its list once.
    eventually(lambda: deliveries_to(pair.upstream.id, 3), timeout_seconds=15)
    eventually(lambda: deliveries_to(pair.downstream.id, 3), timeout_seconds=15)
