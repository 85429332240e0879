"""Databases filled at v1 upgrade to today's head, and the services still read them right.

The snapshots under snapshots/v1/ (scripts/snapshot_databases.py) are the three services'
rows at the v1 contract, with the Alembic revision they were taken at. Each backend loads
them into fresh databases at that revision, upgrades to head, starts the real services on
them and reads through the public API: what comes back must be the snapshot's rows. A later
migration that loses, mangles or refuses v1 data turns this red.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from scripts.snapshot_databases import (
    SERVICES,
    current_revision,
    dump_database,
    load_snapshot,
    read_snapshot,
)
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.persistence.db import make_engine, upgrade_to_head
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.databases import CreatedDatabases
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, stack_environment
from tests.integration.calls import bearer
from tests.persistence.service_databases import MIGRATIONS_OF

# The heads when v1 was frozen: the snapshots must have been taken there.
V1_REVISIONS = {
    "connection": "0007_list_sort_keys",
    "drawing": "0005_list_order",
    "notification": "0004_delivery_resends",
}

Rows = list[dict[str, Any]]


@dataclass
class Upgraded:
    stack: Stack
    snapshots: dict[str, dict[str, Any]]
    connection: pb_grpc.ConnectionServiceStub
    drawing: drawing_grpc.DrawingServiceStub

    def rows(self, service: str, table: str) -> Rows:
        return list(self.snapshots[service]["tables"][table])

    def platform(self) -> list[tuple[str, str]]:
        return bearer(self.stack.keys.platform_token())

    def as_user(self, user_id: str) -> list[tuple[str, str]]:
        user = next(u for u in self.rows("connection", "users") if u["id"] == user_id)
        return bearer(self.stack.keys.user_token(user_id, user["company_id"]))

    def company_admin(self) -> dict[str, Any]:
        """A company admin of the snapshot who holds Connection Manager grants."""
        granted = {g["user_id"] for g in self.rows("connection", "connection_manager_grants")}
        return next(
            user
            for user in self.rows("connection", "users")
            if user["company_role"] == "company_admin" and user["id"] in granted
        )


def load_and_upgrade(url: str, service: str, snapshot: dict[str, Any]) -> None:
    load_snapshot(url, service, snapshot)
    # The rows went in at the recorded revision, not at today's head.
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) == snapshot["revision"]
    finally:
        engine.dispose()
    upgrade_to_head(url, MIGRATIONS_OF[service])


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def upgraded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Upgraded]:
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"upgrade-{backend}")
    databases = CreatedDatabases(data_dir)
    snapshots = {service: read_snapshot(service) for service in SERVICES}
    keys = make_test_keys(data_dir / "test-keys")
    env = stack_environment("sqlite", keys, data_dir)  # the URLs are set just below
    processes = []
    try:
        for service in SERVICES:
            url = databases.create(backend, service)
            load_and_upgrade(url, service, snapshots[service])
            env[f"CONNECTABILITY_{service.upper()}_DATABASE_URL"] = url
        ports = {
            f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"])
            for name in SERVICE_NAMES
        }
        settings = Settings(data_dir=data_dir, **ports)  # type: ignore[arg-type]
        processes = start_services(settings, env=env)
        stack = Stack(backend, keys, data_dir, env, processes)
        try:
            wait_until_serving(processes, timeout_seconds=60)
            yield Upgraded(
                stack,
                snapshots,
                pb_grpc.ConnectionServiceStub(stack.channel("connection")),
                drawing_grpc.DrawingServiceStub(stack.channel("drawing")),
            )
        finally:
            stack.close()
    finally:
        stop_services(processes, grace_seconds=2)
        databases.drop_all()


def every_page(call: Callable[..., Any], request: Any, field: str, metadata: Any) -> list[Any]:
    """All items of a paged List, following next_page_token."""
    items: list[Any] = []
    while True:
        response = call(request, metadata=metadata, timeout=15)
        items.extend(getattr(response, field))
        if not response.next_page_token:
            return items
        request.page_token = response.next_page_token


def iso(timestamp: Timestamp) -> str:
    return timestamp.ToDatetime(tzinfo=UTC).isoformat()


def enum_word(enum: Any, value: int, prefix: str) -> str:
    """``CONNECTION_STATE_PENDING`` -> ``pending``: how the databases spell enum values."""
    return str(enum.Name(value)).removeprefix(prefix).lower()


def test_the_snapshots_were_taken_at_the_v1_heads() -> None:
    assert {s: read_snapshot(s)["revision"] for s in SERVICES} == V1_REVISIONS


def test_companies_projects_and_users_read_as_stored(upgraded: Upgraded) -> None:
    platform = upgraded.platform()
    connection = upgraded.connection
    companies = every_page(
        connection.ListCompanies, pb.ListCompaniesRequest(page_size=100), "companies", platform
    )
    stored = upgraded.rows("connection", "companies")
    assert {c.id: (c.name, c.file_storage_location) for c in companies} == {
        c["id"]: (c["name"], c["file_storage_location"]) for c in stored
    }
    for company in stored:
        projects = every_page(
            connection.ListProjects,
            pb.ListProjectsRequest(company_id=company["id"], page_size=100),
            "projects",
            platform,
        )
        assert {p.id: (p.name, iso(p.create_time)) for p in projects} == {
            p["id"]: (p["name"], p["created_at"])
            for p in upgraded.rows("connection", "projects")
            if p["company_id"] == company["id"]
        }
        users = every_page(
            connection.ListUsers,
            pb.ListUsersRequest(company_id=company["id"], page_size=100),
            "users",
            platform,
        )
        assert {
            u.id: (
                u.email,
                u.display_name,
                enum_word(pb.CompanyRole, u.company_role, "COMPANY_ROLE_"),
            )
            for u in users
        } == {
            u["id"]: (u["email"], u["display_name"], u["company_role"])
            for u in upgraded.rows("connection", "users")
            if u["company_id"] == company["id"]
        }


def test_connections_keep_their_state_audit_trail_and_sync_state(upgraded: Upgraded) -> None:
    connection = upgraded.connection
    admin = upgraded.as_user(upgraded.company_admin()["id"])
    stored = upgraded.rows("connection", "connections")
    assert stored, "the snapshot has connections"
    for row in stored:
        read = connection.GetConnection(
            pb.GetConnectionRequest(connection_id=row["id"]), metadata=admin, timeout=15
        ).connection
        assert (
            read.upstream_project_id,
            read.downstream_project_id,
            enum_word(pb.ConnectionState, read.state, "CONNECTION_STATE_"),
            read.state_reason,
            read.requested_by_user_id,
            iso(read.create_time),
        ) == (
            row["upstream_project_id"],
            row["downstream_project_id"],
            row["state"],
            row["state_reason"],
            row["requested_by_user_id"],
            row["created_at"],
        )
        events = every_page(
            connection.ListConnectionEvents,
            pb.ListConnectionEventsRequest(connection_id=row["id"], page_size=100),
            "events",
            admin,
        )
        assert sorted(
            (
                iso(e.create_time),
                enum_word(pb.ConnectionState, e.to_state, "CONNECTION_STATE_"),
                e.actor_user_id,
                e.reason,
            )
            for e in events
        ) == sorted(
            (e["created_at"], e["to_state"], e["actor_user_id"], e["reason"])
            for e in upgraded.rows("connection", "connection_events")
            if e["connection_id"] == row["id"]
        )
    syncs = upgraded.rows("connection", "connection_syncs")
    assert syncs, "the snapshot has connection syncs"
    for sync in syncs:
        state = connection.GetSyncState(
            pb.GetSyncStateRequest(connection_id=sync["connection_id"]),
            metadata=admin,
            timeout=15,
        ).sync_state
        assert (
            state.revisions_copied,
            state.last_applied_sequence,
            enum_word(pb.InitialCopyState, state.initial_copy_state, "INITIAL_COPY_STATE_"),
        ) == (sync["revisions_copied"], sync["applied_sequence"], sync["initial_copy_state"])


def test_drawing_areas_sets_drawings_and_revisions_read_as_stored(upgraded: Upgraded) -> None:
    drawing = upgraded.drawing
    admin = upgraded.as_user(upgraded.company_admin()["id"])

    def of_project(table: str, project_id: str) -> Rows:
        return [r for r in upgraded.rows("drawing", table) if r["project_id"] == project_id]

    project_ids = sorted({r["project_id"] for r in upgraded.rows("drawing", "drawing_revisions")})
    assert project_ids, "the snapshot has revisions"
    for project_id in project_ids:
        areas = every_page(
            drawing.ListDrawingAreas,
            drawing_pb.ListDrawingAreasRequest(project_id=project_id, page_size=100),
            "drawing_areas",
            admin,
        )
        assert {a.id: a.name for a in areas} == {
            a["id"]: a["name"] for a in of_project("drawing_areas", project_id)
        }
        sets = every_page(
            drawing.ListDrawingSets,
            drawing_pb.ListDrawingSetsRequest(project_id=project_id, page_size=100),
            "drawing_sets",
            admin,
        )
        assert {s.id: (s.name, s.set_date) for s in sets} == {
            s["id"]: (s["name"], s["set_date"] or "")
            for s in of_project("drawing_sets", project_id)
        }
        drawings = [
            d
            for area in areas
            for d in every_page(
                drawing.ListDrawings,
                drawing_pb.ListDrawingsRequest(area_id=area.id, page_size=100),
                "drawings",
                admin,
            )
        ]
        assert {d.id: (d.number, d.title, d.discipline) for d in drawings} == {
            d["id"]: (d["number"], d["title"], d["discipline"])
            for d in of_project("drawings", project_id)
        }
        revisions = every_page(
            drawing.ListDrawingRevisions,
            drawing_pb.ListDrawingRevisionsRequest(project_id=project_id, page_size=100),
            "revisions",
            admin,
        )
        assert {
            r.id: (
                r.drawing_id,
                r.set_id,
                r.revision_number,
                r.file_sha256,
                enum_word(drawing_pb.RevisionStatus, r.status, "REVISION_STATUS_"),
                r.reviewed,
                r.withdrawn,
            )
            for r in revisions
        } == {
            r["id"]: (
                r["drawing_id"],
                r["set_id"] or "",
                r["revision_number"],
                r["file_sha256"],
                r["status"],
                r["reviewed"],
                r["withdrawn"],
            )
            for r in of_project("drawing_revisions", project_id)
        }


def test_markups_and_custom_fields_read_as_stored(upgraded: Upgraded) -> None:
    drawing = upgraded.drawing
    admin = upgraded.as_user(upgraded.company_admin()["id"])
    markups = upgraded.rows("drawing", "markups")
    fields = upgraded.rows("drawing", "custom_fields")
    assert markups and fields, "the snapshot has markups and custom fields"
    for revision_id in sorted({r["revision_id"] for r in markups + fields}):
        read_markups = every_page(
            drawing.ListMarkups,
            drawing_pb.ListMarkupsRequest(revision_id=revision_id, page_size=100),
            "markups",
            admin,
        )
        assert {m.id: (m.kind, m.data, m.author_user_id) for m in read_markups} == {
            m["id"]: (m["kind"], m["data"], m["author_user_id"])
            for m in markups
            if m["revision_id"] == revision_id
        }
        read_fields = every_page(
            drawing.ListCustomFields,
            drawing_pb.ListCustomFieldsRequest(revision_id=revision_id, page_size=100),
            "custom_fields",
            admin,
        )
        assert {f.name: f.value for f in read_fields} == {
            f["name"]: f["value"] for f in fields if f["revision_id"] == revision_id
        }


def test_integrator_clients_read_as_stored(upgraded: Upgraded) -> None:
    clients = upgraded.rows("connection", "integrator_clients")
    assert clients, "the snapshot has an integrator client"
    for stored in clients:
        read = upgraded.connection.GetIntegratorClient(
            pb.GetIntegratorClientRequest(client_id=stored["id"]),
            metadata=upgraded.platform(),
            timeout=15,
        ).integrator_client
        assert (read.company_id, read.user_id, read.display_name) == (
            stored["company_id"],
            stored["user_id"],
            stored["display_name"],
        )


def test_distribution_lists_and_deliveries_read_as_stored(upgraded: Upgraded) -> None:
    connection = upgraded.connection
    admin = upgraded.as_user(upgraded.company_admin()["id"])
    lists = upgraded.rows("notification", "distribution_lists")
    assert lists, "the snapshot has distribution lists"
    for stored in lists:
        read = connection.GetDistributionList(
            pb.GetDistributionListRequest(project_id=stored["project_id"]),
            metadata=admin,
            timeout=15,
        ).distribution_list
        assert list(read.emails) == json.loads(stored["emails"])
    deliveries = upgraded.rows("notification", "deliveries")
    assert deliveries, "the snapshot has deliveries"
    for project_id in sorted({d["project_id"] for d in deliveries}):
        read = every_page(
            connection.ListNotificationDeliveries,
            pb.ListNotificationDeliveriesRequest(project_id=project_id, page_size=100),
            "deliveries",
            admin,
        )
        assert {
            d.message_id: (
                d.recipient,
                enum_word(pb.NotificationDeliveryStatus, d.status, "NOTIFICATION_DELIVERY_STATUS_"),
                d.attempts,
                iso(d.sent_time) if d.HasField("sent_time") else None,
            )
            for d in read
        } == {
            d["message_id"]: (d["recipient"], d["status"], d["attempts"], d["sent_at"])
            for d in deliveries
            if d["project_id"] == project_id
        }


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_loader_puts_every_row_back_unchanged(
    make_database_url: Callable[[str, str], str], backend: str
) -> None:
    """The loading path itself: loaded at the recorded revision, dumped again, same rows."""
    for service in SERVICES:
        snapshot = read_snapshot(service)
        url = make_database_url(backend, service)
        load_snapshot(url, service, snapshot)
        assert dump_database(url) == snapshot
