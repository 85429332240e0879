"""Every List RPC serves its documented order across pages, on SQLite and PostgreSQL.

The cases are checked against the services' descriptors: a List without a case fails.
Each case makes rows whose id order is the reverse of the documented order (ids supplied
where the API takes them), then pages through them two at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as npb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as dpb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.sync_setup import SyncPair, make_sync_pair
from tests.integration.test_connections import decide, grant, make_pair
from tests.integration.test_directory import Platform

# Names whose casefolded code point order differs from plain, from a locale's, and from
# their ids: "_x" < "alpha" < "Beta" < "Zeta" < "Émile".
NAMES = ["_x", "alpha", "Beta", "Zeta", "Émile"]
PAGE = 2


def descending_ids(prefix: str, count: int) -> list[str]:
    """``count`` ids, each sorting before the one it follows."""
    return [f"{prefix}-{count - n:02d}" for n in range(count)]


def paged(call: Callable[..., Any], request: Any, field: str, token: str) -> list[Any]:
    """Every item of a list, fetched ``PAGE`` at a time."""
    items: list[Any] = []
    while True:
        request.page_size = PAGE
        answer = call(request, metadata=bearer(token), timeout=10)
        items += getattr(answer, field)
        if not answer.next_page_token:
            return items
        request.page_token = answer.next_page_token


@dataclass
class World:
    stack: Stack
    platform: Platform
    tag: str

    @property
    def platform_token(self) -> str:
        return self.stack.keys.platform_token()

    @property
    def service_token(self) -> str:
        return self.stack.keys.service_token("connection")


def _companies(world: World) -> None:
    ids = descending_ids(f"co-{world.tag}", len(NAMES))
    for company_id, name in zip(ids, NAMES, strict=True):
        world.platform.connection.CreateCompany(
            pb.CreateCompanyRequest(
                company=pb.Company(name=name, file_storage_location="us"), company_id=company_id
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
    listed = paged(
        world.platform.connection.ListCompanies,
        pb.ListCompaniesRequest(),
        "companies",
        world.platform_token,
    )
    assert [c.name for c in listed if c.id in ids] == NAMES


def _projects(world: World) -> None:
    company = world.platform.company()
    ids = descending_ids(f"pr-{world.tag}", len(NAMES))
    for project_id, name in zip(ids, NAMES, strict=True):
        world.platform.connection.CreateProject(
            pb.CreateProjectRequest(
                project=pb.Project(company_id=company.id, name=name), project_id=project_id
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
    listed = paged(
        world.platform.connection.ListProjects,
        pb.ListProjectsRequest(company_id=company.id),
        "projects",
        world.platform_token,
    )
    assert [p.name for p in listed] == NAMES


def _users(world: World) -> None:
    company = world.platform.company()
    emails = [f"{name}@{world.tag}.example.com" for name in NAMES]
    for user_id, email in zip(descending_ids(f"us-{world.tag}", len(NAMES)), emails, strict=True):
        world.platform.connection.CreateUser(
            pb.CreateUserRequest(
                user=pb.User(company_id=company.id, email=email, display_name="Pat"),
                user_id=user_id,
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
    listed = paged(
        world.platform.connection.ListUsers,
        pb.ListUsersRequest(company_id=company.id),
        "users",
        world.platform_token,
    )
    assert [u.email.split("@")[0] for u in listed] == NAMES


def _user_ids(world: World, company_id: str, count: int) -> list[str]:
    """Users created in the reverse of their id order; returned in id order."""
    ids = descending_ids(f"gr-{uuid.uuid4().hex[:6]}", count)
    for user_id in ids:
        world.platform.connection.CreateUser(
            pb.CreateUserRequest(
                user=pb.User(
                    company_id=company_id, email=f"{user_id}@example.com", display_name="Pat"
                ),
                user_id=user_id,
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
    return sorted(ids)


def _connection_manager_permissions(world: World) -> None:
    company = world.platform.company()
    project = world.platform.project(company.id)
    user_ids = _user_ids(world, company.id, 5)
    for user_id in reversed(user_ids):
        grant(world.platform, project.id, user_id, cm=True, drawings=False)
    listed = paged(
        world.platform.connection.ListConnectionManagerPermissions,
        pb.ListConnectionManagerPermissionsRequest(project_id=project.id),
        "permissions",
        world.platform_token,
    )
    assert [p.user_id for p in listed] == user_ids


def _connectable_projects(world: World) -> None:
    company = world.platform.company()
    chooser = world.platform.user(company.id)
    downstream = world.platform.project(company.id)
    grant(world.platform, downstream.id, chooser.id, cm=True, drawings=False)
    ids = descending_ids(f"cp-{world.tag}", len(NAMES))
    for project_id, name in zip(ids, NAMES, strict=True):
        world.platform.connection.CreateProject(
            pb.CreateProjectRequest(
                project=pb.Project(company_id=company.id, name=name), project_id=project_id
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
        grant(world.platform, project_id, chooser.id, cm=False, drawings=True)
    token = world.stack.keys.user_token(chooser.id, company.id)
    listed = paged(
        world.platform.connection.ListConnectableProjects,
        pb.ListConnectableProjectsRequest(downstream_project_id=downstream.id),
        "projects",
        token,
    )
    assert [p.project_name for p in listed if p.project_id in ids] == NAMES


def _connections(world: World) -> None:
    """One upstream, several downstreams: its connections list newest first."""
    pair = make_pair(world.platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    made = []
    for _ in range(4):
        other = make_pair(world.platform)
        grant(world.platform, pair.upstream.id, other.down_admin_id, cm=False, drawings=True)
        made.append(other.request(upstream_id=pair.upstream.id).connection.id)
    listed = paged(
        world.platform.connection.ListConnections,
        pb.ListConnectionsRequest(project_id=pair.upstream.id),
        "connections",
        pair.up_admin,
    )
    assert [c.id for c in listed] == list(reversed(made))


def _connection_events(world: World) -> None:
    pair = make_pair(world.platform)
    connection = pair.request().connection
    decide(pair, "Approve", connection.id, pair.up_admin)
    decide(pair, "Disconnect", connection.id, pair.up_admin, reason="Project closed")
    listed = paged(
        world.platform.connection.ListConnectionEvents,
        pb.ListConnectionEventsRequest(connection_id=connection.id),
        "events",
        pair.up_admin,
    )
    assert [e.to_state for e in listed] == [
        pb.CONNECTION_STATE_PENDING,
        pb.CONNECTION_STATE_ACTIVE,
        pb.CONNECTION_STATE_DISCONNECTED,
    ]


def _drawings_permissions(world: World) -> None:
    sync = _synced(world)
    project_id = sync.upstream.project.id
    user_ids = descending_ids(f"dp-{world.tag}", 4)
    for user_id in user_ids:
        world.platform.drawing.SetDrawingsPermission(
            dpb.SetDrawingsPermissionRequest(
                project_id=project_id, user_id=user_id, level=common_pb2.PERMISSION_LEVEL_STANDARD
            ),
            metadata=world.platform.auth,
            timeout=10,
        )
    listed = paged(
        world.platform.drawing.ListDrawingsPermissions,
        dpb.ListDrawingsPermissionsRequest(project_id=project_id),
        "permissions",
        world.platform_token,
    )
    by_user = [p.user_id for p in listed]
    assert by_user == sorted(by_user)
    assert [u for u in by_user if u in user_ids] == sorted(user_ids)


def _synced(world: World) -> SyncPair:
    return make_sync_pair(world.platform)


def _drawing_areas(world: World) -> None:
    sync = _synced(world)
    project = sync.upstream.project
    admin = bearer(project.tokens["admin"])
    for name in reversed(NAMES):
        sync.drawing.CreateDrawingArea(
            dpb.CreateDrawingAreaRequest(
                drawing_area=dpb.DrawingArea(project_id=project.id, name=name)
            ),
            metadata=admin,
            timeout=10,
        )
    listed = paged(
        sync.drawing.ListDrawingAreas,
        dpb.ListDrawingAreasRequest(project_id=project.id),
        "drawing_areas",
        project.tokens["admin"],
    )
    assert [a.name for a in listed if a.name in NAMES] == NAMES


def _drawing_sets(world: World) -> None:
    sync = _synced(world)
    project = sync.upstream.project
    dates = ["2026-10-01", "", "2026-12-01", "2026-11-15", "2026-11-15", ""]
    for set_date in dates:
        sync.drawing.CreateDrawingSet(
            dpb.CreateDrawingSetRequest(
                drawing_set=dpb.DrawingSet(project_id=project.id, name="Set", set_date=set_date)
            ),
            metadata=bearer(project.tokens["admin"]),
            timeout=10,
        )
    listed = paged(
        sync.drawing.ListDrawingSets,
        dpb.ListDrawingSetsRequest(project_id=project.id),
        "drawing_sets",
        project.tokens["admin"],
    )
    # The pair's own "IFC" set is dated 2026-11-01; undated sets come last; ties by id.
    assert [s.set_date for s in listed] == [
        "2026-12-01",
        "2026-11-15",
        "2026-11-15",
        "2026-11-01",
        "2026-10-01",
        "",
        "",
    ]
    for tied in ("2026-11-15", ""):
        ids = [s.id for s in listed if s.set_date == tied]
        assert ids == sorted(ids)


def _drawings(world: World) -> None:
    sync = _synced(world)
    project = sync.upstream.project
    numbers = ["A-102", "_x", "a-100", "B-2", "É-1"]
    for number in reversed(sorted(numbers)):
        sync.drawing.CreateDrawing(
            dpb.CreateDrawingRequest(
                drawing=dpb.Drawing(
                    area_id=sync.upstream.area_id, number=number, title="Plan", discipline="Arch"
                )
            ),
            metadata=bearer(project.tokens["admin"]),
            timeout=10,
        )
    listed = paged(
        sync.drawing.ListDrawings,
        dpb.ListDrawingsRequest(area_id=sync.upstream.area_id),
        "drawings",
        project.tokens["admin"],
    )
    # Code point order, the pair's own "A-101" first: "A-101" < "A-102" < "B-2" < "_x" < ...
    assert [d.number for d in listed] == ["A-101", "A-102", "B-2", "_x", "a-100", "É-1"]


def _drawing_revisions(world: World) -> None:
    """Revisions sharing a drawing date list in upload order, upstream and in the copies."""
    sync = _synced(world)
    uploaded = [sync.publish(str(n), drawing_date="2026-11-20") for n in range(1, 5)]
    sync.connect()
    copies = sync.copies_of(len(uploaded))
    listed = paged(
        sync.drawing.ListDrawingRevisions,
        dpb.ListDrawingRevisionsRequest(project_id=sync.upstream.project.id),
        "revisions",
        sync.upstream.project.tokens["admin"],
    )
    assert [r.id for r in listed] == uploaded
    assert [r.drawing_sequence for r in listed] == [1, 2, 3, 4]
    down = paged(
        sync.drawing.ListDrawingRevisions,
        dpb.ListDrawingRevisionsRequest(project_id=sync.pair.downstream.id),
        "revisions",
        sync.pair.down_admin,
    )
    assert [r.upstream_revision_id for r in down] == uploaded
    assert len(copies) == len(down)
    # A revision published after the initial copy arrives through the apply path, last.
    later = sync.publish("5", drawing_date="2026-11-20")
    sync.copies_of(len(uploaded) + 1)
    down = paged(
        sync.drawing.ListDrawingRevisions,
        dpb.ListDrawingRevisionsRequest(project_id=sync.pair.downstream.id),
        "revisions",
        sync.pair.down_admin,
    )
    assert [r.upstream_revision_id for r in down] == [*uploaded, later]
    assert [r.drawing_sequence for r in down] == [1, 2, 3, 4, 5]


def _one_revision(world: World) -> tuple[SyncPair, str]:
    sync = _synced(world)
    return sync, sync.publish("1")


def _markups(world: World) -> None:
    sync, revision_id = _one_revision(world)
    admin = sync.upstream.project.tokens["admin"]
    made = [
        sync.drawing.CreateMarkup(
            dpb.CreateMarkupRequest(markup=dpb.Markup(revision_id=revision_id, kind=f"k{n}")),
            metadata=bearer(admin),
            timeout=10,
        ).markup.id
        for n in range(5)
    ]
    listed = paged(
        sync.drawing.ListMarkups,
        dpb.ListMarkupsRequest(revision_id=revision_id),
        "markups",
        admin,
    )
    assert [m.id for m in listed] == made


def _custom_fields(world: World) -> None:
    sync, revision_id = _one_revision(world)
    admin = sync.upstream.project.tokens["admin"]
    for name in reversed(NAMES):
        sync.drawing.SetCustomField(
            dpb.SetCustomFieldRequest(
                revision_id=revision_id, custom_field=dpb.CustomField(name=name, value="v")
            ),
            metadata=bearer(admin),
            timeout=10,
        )
    listed = paged(
        sync.drawing.ListCustomFields,
        dpb.ListCustomFieldsRequest(revision_id=revision_id),
        "custom_fields",
        admin,
    )
    # Code point order, not casefolded: "Beta" < "Zeta" < "_x" < "alpha" < "Émile".
    assert [f.name for f in listed] == ["Beta", "Zeta", "_x", "alpha", "Émile"]


def _project_changes(world: World) -> None:
    sync = _synced(world)
    for n in range(3):
        sync.publish(str(n))
    listed = paged(
        sync.drawing.ListProjectChanges,
        dpb.ListProjectChangesRequest(project_id=sync.upstream.project.id),
        "changes",
        world.service_token,
    )
    sequences = [c.sequence for c in listed]
    assert len(sequences) > PAGE and sequences == sorted(set(sequences))


def _deliveries(world: World) -> None:
    project_id, events = _notified_project(world)
    listed = paged(
        world.platform.notification.ListDeliveries,
        npb.ListDeliveriesRequest(project_id=project_id),
        "deliveries",
        world.service_token,
    )
    assert [d.event_id for d in listed] == [e for e in reversed(events) for _ in range(2)]


def _notification_deliveries(world: World) -> None:
    """The same deliveries through the public API, as a Connection Manager reads them."""
    project_id, events = _notified_project(world)
    listed = paged(
        world.platform.connection.ListNotificationDeliveries,
        pb.ListNotificationDeliveriesRequest(project_id=project_id),
        "deliveries",
        world.platform_token,
    )
    assert [d.event_id for d in listed] == [e for e in reversed(events) for _ in range(2)]


def _notified_project(world: World) -> tuple[str, list[str]]:
    """A project whose list of two addresses was told three events: (project id, event ids)."""
    company = world.platform.company()
    project = world.platform.project(company.id)
    service = bearer(world.service_token)

    def registered() -> None:
        world.platform.notification.UpdateDistributionList(
            npb.UpdateDistributionListRequest(
                project_id=project.id,
                tool=common_pb2.TOOL_CONNECTION_MANAGER,
                emails=["a@example.com", "b@example.com"],
            ),
            metadata=service,
            timeout=10,
        )

    eventually(registered)
    events = []
    for n in range(3):
        event = npb.NotificationEvent(
            kind=npb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
            project_id=project.id,
            connection_id=f"conn-{world.tag}-{n}",
            project_name="Tower",
            company_name="Acme",
        )
        answer = world.platform.notification.Notify(
            npb.NotifyRequest(event=event, idempotency_key=f"{world.tag}-{n}"),
            metadata=service,
            timeout=10,
        )
        events.append(answer.event_id)
    return project.id, events


CASES: dict[str, Callable[[World], None]] = {
    "ConnectionService/ListCompanies": _companies,
    "ConnectionService/ListProjects": _projects,
    "ConnectionService/ListUsers": _users,
    "ConnectionService/ListConnectionManagerPermissions": _connection_manager_permissions,
    "ConnectionService/ListConnectableProjects": _connectable_projects,
    "ConnectionService/ListConnections": _connections,
    "ConnectionService/ListConnectionEvents": _connection_events,
    "DrawingService/ListDrawingsPermissions": _drawings_permissions,
    "DrawingService/ListDrawingAreas": _drawing_areas,
    "DrawingService/ListDrawingSets": _drawing_sets,
    "DrawingService/ListDrawings": _drawings,
    "DrawingService/ListDrawingRevisions": _drawing_revisions,
    "DrawingService/ListMarkups": _markups,
    "DrawingService/ListCustomFields": _custom_fields,
    "DrawingService/ListProjectChanges": _project_changes,
    "ConnectionService/ListNotificationDeliveries": _notification_deliveries,
    "NotificationInternalService/ListDeliveries": _deliveries,
}


def list_rpcs() -> set[str]:
    """Every List RPC the contract declares, as "Service/Method"."""
    files = (pb, dpb, npb)
    return {
        f"{service.name}/{method.name}"
        for module in files
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
        if method.name.startswith("List")
    }


def test_every_list_rpc_has_an_order_case() -> None:
    assert set(CASES) == list_rpcs()


@pytest.mark.parametrize("rpc", sorted(CASES))
def test_list_serves_its_documented_order_across_pages(stack: Stack, rpc: str) -> None:
    world = World(stack, Platform(stack), uuid.uuid4().hex[:8])
    CASES[rpc](world)
