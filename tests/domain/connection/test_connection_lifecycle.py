"""A connection's lifecycle (R1–R5): which moves each state allows, who decides them, and
what a request, an approval, a rejection, a withdrawal and a disconnection leave behind
(the state, the audit trail, the notices), over a fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.domain import connection_lifecycle as lifecycle
from services.connection.domain.connection_lifecycle import (
    AUTO_APPROVE_REASON,
    SYSTEM,
    Actor,
    ConnectionState,
    Decision,
    Side,
)
from services.connection.domain.connection_notices import notices_due
from services.connection.domain.connection_rules import ConnectionRuleSettings
from services.connection.store.models import Company, Connection, Project, User
from services.connection.use_cases.connections import Connections, Wakes
from shared.facts.errors import DomainError, ErrorReason
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.connection.fakes import FakeDrawings, lifecycle_unit_of_work

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ALICE = Actor(user_id="alice", company_id="down-co")

P, A, R, W, D = (
    ConnectionState.PENDING,
    ConnectionState.ACTIVE,
    ConnectionState.REJECTED,
    ConnectionState.WITHDRAWN,
    ConnectionState.DISCONNECTED,
)
MOVES = {
    Decision.APPROVE: lambda c: lifecycle.approve(c, ALICE, AT),
    Decision.REJECT: lambda c: lifecycle.reject(c, ALICE, AT, "Not this project"),
    Decision.WITHDRAW: lambda c: lifecycle.withdraw(c, ALICE, AT),
    Decision.DISCONNECT: lambda c: lifecycle.disconnect(c, ALICE, AT, "Handover done"),
}
# (decision, from state) → the state reached, or the reason it is refused with
TABLE: list[tuple[Decision, ConnectionState, ConnectionState | str]] = [
    (Decision.APPROVE, P, A),
    (Decision.REJECT, P, R),
    (Decision.WITHDRAW, P, W),
    (Decision.DISCONNECT, A, D),
    *[
        (decision, state, "CONNECTION_NOT_PENDING")
        for decision in (Decision.APPROVE, Decision.REJECT, Decision.WITHDRAW)
        for state in (A, R, W, D)
    ],
    *[(Decision.DISCONNECT, s, "CONNECTION_NOT_ACTIVE") for s in (P, R, W, D)],
]


def stored(state: ConnectionState) -> Connection:
    return Connection(id="c", state=state.value, state_reason="", state_changed_by_user_id="")


@pytest.mark.parametrize(("decision", "start", "outcome"), TABLE)
def test_each_state_allows_only_its_moves(
    decision: Decision, start: ConnectionState, outcome: ConnectionState | str
) -> None:
    connection = stored(start)
    if isinstance(outcome, ConnectionState):
        change = MOVES[decision](connection)
        assert (change.from_state, change.to_state) == (start, outcome)
        assert connection.state == outcome and connection.state_changed_by_user_id == "alice"
        return
    with pytest.raises(DomainError) as refused:
        MOVES[decision](connection)
    assert (refused.value.reason, refused.value.metadata) == (outcome, {"state": start.value})
    assert connection.state == start  # a refused move changes nothing


def test_who_decides_each_move() -> None:
    assert lifecycle.deciding_sides(Decision.APPROVE) == (Side.UPSTREAM,)
    assert lifecycle.deciding_sides(Decision.REJECT) == (Side.UPSTREAM,)
    assert lifecycle.deciding_sides(Decision.WITHDRAW) == (Side.DOWNSTREAM,)
    assert set(lifecycle.deciding_sides(Decision.DISCONNECT)) == {Side.UPSTREAM, Side.DOWNSTREAM}


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_disconnection_needs_a_reason(blank: str) -> None:
    connection = stored(A)
    with pytest.raises(DomainError) as refused:
        lifecycle.disconnect(connection, ALICE, AT, blank)
    assert refused.value.reason == "REASON_REQUIRED" and connection.state == A


def test_the_systems_approval_is_recorded_with_no_user() -> None:
    connection = stored(P)
    change = lifecycle.approve(connection, SYSTEM, AT, AUTO_APPROVE_REASON)
    assert connection.state_reason == AUTO_APPROVE_REASON
    assert (change.actor.user_id, change.actor.company_id) == ("", "")


# Use cases over a fake unit of work

DOWN_ADMIN = Principal(PrincipalKind.USER, "down-admin", "down-co")
UP_ADMIN = Principal(PrincipalKind.USER, "up-admin", "up-co")
OUTSIDER = Principal(PrincipalKind.USER, "outsider", "else-co")
KINDS = notification_pb


class World:
    def __init__(self, approval_preference: str = "manual") -> None:
        self.uow = lifecycle_unit_of_work()
        self.drawings = FakeDrawings()
        self.woken: list[str] = []
        repo = self.uow.connections
        for company_id, preference in (("down-co", "manual"), ("up-co", approval_preference)):
            repo.companies[company_id] = Company(
                id=company_id,
                name=company_id,
                file_storage_location="us",
                govcloud=False,
                approval_preference=preference,
            )
        for project_id, company_id in (("down", "down-co"), ("up", "up-co")):
            repo.projects[project_id] = Project(id=project_id, company_id=company_id, active=True)
        for admin, project_id in ((DOWN_ADMIN, "down"), (UP_ADMIN, "up")):
            self.uow.directory.users[admin.subject] = User(
                id=admin.subject, company_id=admin.company_id, company_role="member"
            )
            self.uow.directory.grants[(project_id, admin.subject)] = "admin"
        for project_id in ("down", "up"):
            self.drawings.levels[(project_id, DOWN_ADMIN.subject)] = "read_only"
        self.connections = Connections(
            lambda: cast(Any, self.uow),
            self.drawings,
            ConnectionRuleSettings(),
            Wakes(
                notices_written=lambda: self.woken.append("notices"),
                sync_due=lambda: self.woken.append("sync"),
                disconnected=lambda: self.woken.append("disconnections"),
            ),
        )

    def requested(self) -> Connection:
        connection = self.connections.request(DOWN_ADMIN, "down", "up").connection
        self.uow.notices.queued.clear()
        self.woken.clear()
        return connection

    def trail(self, connection: Connection) -> list[tuple[str | None, str, str, str]]:
        return [
            (change.from_state, change.to_state, change.actor.user_id, change.reason)
            for cid, change in self.uow.connections.events
            if cid == connection.id
        ]

    def notices(self) -> list[tuple[Side, int]]:
        return [(notice.side, notice.kind) for notice in self.uow.notices.queued]


def test_a_request_is_pending_and_tells_the_upstream() -> None:
    world = World()
    requested = world.connections.request(DOWN_ADMIN, "down", "up")
    connection = requested.connection
    assert connection.state == ConnectionState.PENDING
    assert all(verdict.passed for verdict in requested.verdicts)
    assert world.uow.committed
    assert world.trail(connection) == [(None, "pending", "down-admin", "")]
    assert world.notices() == [(Side.UPSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED)]
    assert world.woken == ["notices", "sync"]
    assert connection.id not in world.uow.connections.syncs  # nothing to copy until approved


def test_an_auto_approving_upstream_makes_the_request_active_at_once() -> None:
    world = World(approval_preference="auto_approve")
    connection = world.connections.request(DOWN_ADMIN, "down", "up").connection
    assert connection.state == ConnectionState.ACTIVE
    assert world.trail(connection) == [
        (None, "pending", "down-admin", ""),
        ("pending", "active", "", AUTO_APPROVE_REASON),
    ]
    assert world.notices() == [
        (Side.UPSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED),
        (Side.DOWNSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED),
    ]
    assert connection.id in world.uow.connections.syncs  # its initial copy is due


def test_a_preview_changes_nothing() -> None:
    world = World()
    verdicts = world.connections.preview(DOWN_ADMIN, "down", "up")
    assert verdicts and all(verdict.passed for verdict in verdicts)
    assert world.uow.connections.connections == {} and world.notices() == []


def test_a_request_breaking_a_rule_is_refused_with_that_rule() -> None:
    world = World()
    world.uow.connections.projects["up"].active = False
    with pytest.raises(DomainError) as refused:
        world.connections.request(DOWN_ADMIN, "down", "up")
    assert refused.value.reason == "PROJECT_INACTIVE" and refused.value.metadata == {"rule": "R6"}
    assert not world.uow.committed and world.uow.connections.connections == {}


def test_without_drawings_access_the_upstream_does_not_exist() -> None:
    world = World()
    del world.drawings.levels[("up", DOWN_ADMIN.subject)]
    with pytest.raises(DomainError) as refused:
        world.connections.request(DOWN_ADMIN, "down", "up")
    assert refused.value.reason == "PROJECT_NOT_FOUND"


def test_approval_activates_starts_the_sync_and_tells_both_sides() -> None:
    world = World()
    connection = world.requested()
    approved = world.connections.approve(UP_ADMIN, connection.id)
    assert approved.state == ConnectionState.ACTIVE and approved.state_changed_by_user_id == (
        "up-admin"
    )
    assert world.trail(connection)[-1] == ("pending", "active", "up-admin", "")
    assert world.notices() == [
        (Side.UPSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED),
        (Side.DOWNSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED),
    ]
    assert connection.id in world.uow.connections.syncs
    assert world.woken == ["notices", "sync"]


def test_approval_checks_the_rules_again() -> None:
    world = World()
    connection = world.requested()
    world.uow.connections.projects["down"].active = False
    with pytest.raises(DomainError) as refused:
        world.connections.approve(UP_ADMIN, connection.id)
    assert refused.value.reason == "PROJECT_INACTIVE"
    assert connection.state == ConnectionState.PENDING and world.notices() == []


def test_rejection_tells_the_downstream_why() -> None:
    world = World()
    connection = world.requested()
    rejected = world.connections.reject(UP_ADMIN, connection.id, "Wrong tower")
    assert (rejected.state, rejected.state_reason) == (ConnectionState.REJECTED, "Wrong tower")
    assert world.trail(connection)[-1] == ("pending", "rejected", "up-admin", "Wrong tower")
    assert world.notices() == [(Side.DOWNSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED)]


def test_a_withdrawn_request_tells_nobody() -> None:
    world = World()
    connection = world.requested()
    withdrawn = world.connections.withdraw(DOWN_ADMIN, connection.id)
    assert withdrawn.state == ConnectionState.WITHDRAWN
    assert world.trail(connection)[-1] == ("pending", "withdrawn", "down-admin", "")
    assert world.notices() == []


@pytest.mark.parametrize("admin", [UP_ADMIN, DOWN_ADMIN])
def test_either_sides_admin_disconnects_and_the_sync_stops(admin: Principal) -> None:
    world = World()
    connection = world.requested()
    world.connections.approve(UP_ADMIN, connection.id)
    world.uow.notices.queued.clear()
    world.woken.clear()
    disconnected = world.connections.disconnect(admin, connection.id, "Project handed over")
    assert disconnected.state == ConnectionState.DISCONNECTED
    assert world.trail(connection)[-1] == (
        "active",
        "disconnected",
        admin.subject,
        "Project handed over",
    )
    assert world.notices() == [
        (Side.UPSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED),
        (Side.DOWNSTREAM, KINDS.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED),
    ]
    assert world.woken == ["notices", "disconnections", "sync"]


@pytest.mark.parametrize(
    ("decide", "caller"),
    [
        (lambda c, cid: c.approve(DOWN_ADMIN, cid), "downstream admin approving"),
        (lambda c, cid: c.reject(DOWN_ADMIN, cid, ""), "downstream admin rejecting"),
        (lambda c, cid: c.withdraw(UP_ADMIN, cid), "upstream admin withdrawing"),
    ],
)
def test_the_other_side_may_not_decide(decide: Any, caller: str) -> None:
    world = World()
    connection = world.requested()
    with pytest.raises(DomainError) as refused:
        decide(world.connections, connection.id)
    assert refused.value.reason == "CONNECTION_MANAGER_ADMIN_REQUIRED", caller
    assert connection.state == ConnectionState.PENDING and not world.uow.committed


def test_someone_who_cannot_see_a_connection_learns_nothing_of_it() -> None:
    world = World()
    connection = world.requested()
    for connection_id in (connection.id, "made-up"):
        with pytest.raises(DomainError) as refused:
            world.connections.approve(OUTSIDER, connection_id)
        assert refused.value.reason == ErrorReason.Name(ErrorReason.CONNECTION_NOT_FOUND)
    assert connection.state == ConnectionState.PENDING


def test_a_decided_connection_cannot_be_decided_again() -> None:
    world = World()
    connection = world.requested()
    world.connections.reject(UP_ADMIN, connection.id, "")
    with pytest.raises(DomainError) as refused:
        world.connections.approve(UP_ADMIN, connection.id)
    assert refused.value.reason == "CONNECTION_NOT_PENDING"
    assert connection.state == ConnectionState.REJECTED


NOTICES_TOLD = [
    (ConnectionState.PENDING, [(Side.UPSTREAM, "up")]),
    (ConnectionState.ACTIVE, [(Side.UPSTREAM, "up"), (Side.DOWNSTREAM, "down")]),
    (ConnectionState.REJECTED, [(Side.DOWNSTREAM, "down")]),
    (ConnectionState.WITHDRAWN, []),
    (ConnectionState.DISCONNECTED, [(Side.UPSTREAM, "up"), (Side.DOWNSTREAM, "down")]),
]


@pytest.mark.parametrize(("state", "told"), NOTICES_TOLD)
def test_each_state_tells_its_lists_once(
    state: ConnectionState, told: list[tuple[Side, str]]
) -> None:
    connection = Connection(
        id="c", state=state.value, upstream_project_id="up", downstream_project_id="down"
    )
    due = notices_due(connection)
    assert [(notice.side, notice.project_id) for notice in due] == told
    # One key per list and state: a redelivered notice queues no second email.
    assert len({notice.idempotency_key for notice in due}) == len(due)
    assert all(state.value in notice.idempotency_key for notice in due)


def test_a_company_admin_reads_their_companys_connections_without_a_grant() -> None:
    world = World()
    connection = world.requested()
    boss = Principal(PrincipalKind.USER, "boss", "up-co")
    world.uow.directory.users["boss"] = User(
        id="boss", company_id="up-co", company_role="company_admin"
    )
    assert world.connections.visible(boss, connection.id) is connection
    listed, _ = world.connections.of_project(boss, "up", None, 0, "")
    assert listed == [connection]
    with pytest.raises(DomainError) as refused:  # reading is not deciding
        world.connections.approve(boss, connection.id)
    assert refused.value.reason == "CONNECTION_MANAGER_ADMIN_REQUIRED"


def test_a_client_application_is_refused_where_its_company_forbids_outside_applications() -> None:
    world = World()
    connection = world.requested()
    app = Principal(PrincipalKind.INTEGRATOR, UP_ADMIN.subject, "up-co", client_id="app")
    world.uow.directory.outside_applications["up"] = False
    with pytest.raises(DomainError) as refused:
        world.connections.approve(app, connection.id)
    assert refused.value.reason == "OUTSIDE_APPLICATIONS_FORBIDDEN"
    world.uow.directory.outside_applications["up"] = True
    assert world.connections.approve(app, connection.id).state == ConnectionState.ACTIVE
