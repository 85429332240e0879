"""A property of the connection state machine: random sequences of requests, approvals,
rejections, withdrawals and disconnections never reach a state the rules forbid."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.integration.test_connections import grant
from tests.integration.test_directory import Platform

LIVE = (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_ACTIVE)
LEGAL = {
    (pb.CONNECTION_STATE_UNSPECIFIED, pb.CONNECTION_STATE_PENDING),
    (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_ACTIVE),
    (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_REJECTED),
    (pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_WITHDRAWN),
    (pb.CONNECTION_STATE_ACTIVE, pb.CONNECTION_STATE_DISCONNECTED),
}
# Refusals a legal-but-refused step may get; anything else (INTERNAL, UNKNOWN…) is a bug.
EXPECTED_REFUSALS = {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT}

steps = st.lists(
    st.one_of(
        st.tuples(st.just("request"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(
            st.sampled_from(["approve", "reject", "withdraw", "disconnect"]),
            st.integers(0, 20),
            st.just(0),
        ),
    ),
    min_size=3,
    max_size=12,
)


class World:
    """Four projects of two companies (one approves automatically) and their admins."""

    def __init__(self, platform: Platform):
        self.platform = platform
        review = platform.company()
        auto = platform.company(approval_preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
        self.projects = [platform.project(c.id) for c in (review, review, auto, auto)]
        admins = {company.id: platform.user(company.id) for company in (review, auto)}
        self.admin_token = {}
        for project in self.projects:
            admin = admins[project.company_id]
            platform.connection.SetConnectionManagerPermission(
                pb.SetConnectionManagerPermissionRequest(
                    project_id=project.id, user_id=admin.id, level=common_pb2.PERMISSION_LEVEL_ADMIN
                ),
                metadata=platform.auth,
                timeout=10,
            )
            for other in admins.values():
                grant(platform, project.id, other.id, cm=False, drawings=True)
            self.admin_token[project.id] = platform.stack.keys.user_token(
                admin.id, project.company_id
            )
        self.connections: list[str] = []

    def act(self, verb: str, first: int, second: int) -> None:
        connection = self.platform.connection
        try:
            if verb == "request":
                down, up = self.projects[first], self.projects[second]
                made = connection.RequestConnection(
                    pb.RequestConnectionRequest(
                        downstream_project_id=down.id, upstream_project_id=up.id
                    ),
                    metadata=bearer(self.admin_token[down.id]),
                    timeout=15,
                )
                self.connections.append(made.connection.id)
                return
            if not self.connections:
                return
            connection_id = self.connections[first % len(self.connections)]
            known = connection.GetConnection(
                pb.GetConnectionRequest(connection_id=connection_id),
                metadata=self.platform.auth,
                timeout=10,
            ).connection
            deciding_side = (
                known.upstream_project_id
                if verb in ("approve", "reject")
                else known.downstream_project_id
            )
            request = getattr(pb, f"{verb.title()}ConnectionRequest")(connection_id=connection_id)
            if verb in ("reject", "disconnect"):
                request.reason = "property test"
            getattr(connection, f"{verb.title()}Connection")(
                request, metadata=bearer(self.admin_token[deciding_side]), timeout=15
            )
        except grpc.RpcError as refused:
            assert refused.code() in EXPECTED_REFUSALS, refused.details()

    def check_invariants(self) -> None:
        every = {}
        for project in self.projects:
            listed = self.platform.connection.ListConnections(
                pb.ListConnectionsRequest(project_id=project.id, page_size=500),
                metadata=self.platform.auth,
                timeout=10,
            ).connections
            every.update({c.id: c for c in listed})
        live = [c for c in every.values() if c.state in LIVE]
        for project in self.projects:
            as_downstream = [c for c in live if c.downstream_project_id == project.id]
            as_upstream = [c for c in live if c.upstream_project_id == project.id]
            assert len(as_downstream) <= 1, "R9: two live upstreams"
            assert not (as_downstream and as_upstream), "R10: a chain"
            disconnected = [
                c
                for c in every.values()
                if c.downstream_project_id == project.id
                and c.state == pb.CONNECTION_STATE_DISCONNECTED
            ]
            if disconnected:
                first_end = min(c.state_change_time.ToDatetime() for c in disconnected)
                later = [c for c in as_downstream if c.create_time.ToDatetime() > first_end]
                assert not later, "R12: connected again after a disconnection"
        for connection_id in every:
            events = self.platform.connection.ListConnectionEvents(
                pb.ListConnectionEventsRequest(connection_id=connection_id),
                metadata=self.platform.auth,
                timeout=10,
            ).events
            assert {(e.from_state, e.to_state) for e in events} <= LEGAL


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_random_lifecycles_never_break_the_rules(
    stack: Stack, sequence: list[tuple[str, int, int]]
) -> None:
    world = World(Platform(stack))
    for verb, first, second in sequence:
        world.act(verb, first, second)
        world.check_invariants()
