"""Continuous sync in the drawing service (R15, R19, R20, R21): the upstream's real feed,
applied to a connection's copies exactly once; refusals that change nothing; disconnect."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import common_pb2
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_direct_uploads import a_pdf, import_files, import_request, upload_file
from tests.integration.test_drawings_catalog import Project, register_project
from tests.integration.test_revision_lifecycle import Sheet, publish_two_revisions

CURRENT, OBSOLETE, OUTDATED = (
    pb.REVISION_CURRENCY_CURRENT,
    pb.REVISION_CURRENCY_OBSOLETE,
    pb.REVISION_CURRENCY_OUTDATED,
)


@dataclass
class Link:
    """An upstream sheet with two published revisions, copied into a downstream project."""

    drawing: pb_grpc.DrawingServiceStub
    # Copy, apply and disconnection marks: what only the connection service calls.
    internal: ipb_grpc.DrawingInternalServiceStub
    sheet: Sheet
    downstream: Project
    connection_id: str
    snapshot: int

    @property
    def upstream(self) -> Project:
        return self.sheet.project

    def upstream_admin(self) -> list[tuple[str, str]]:
        return bearer(self.upstream.tokens["admin"])

    def service(self) -> list[tuple[str, str]]:
        return bearer(self.upstream.tokens["service"])

    def copy(self) -> ipb.CopyPublishedRevisionsResponse:
        return self.internal.CopyPublishedRevisions(
            self.copy_request(), metadata=self.service(), timeout=30
        )

    def copy_request(self) -> ipb.CopyPublishedRevisionsRequest:
        return ipb.CopyPublishedRevisionsRequest(
            connection_id=self.connection_id,
            upstream_project_id=self.upstream.id,
            downstream_project_id=self.downstream.id,
        )

    def feed(self) -> list[pb.ProjectChange]:
        """The upstream's changes after the initial copy's snapshot, read as the service."""
        return list(
            self.drawing.ListProjectChanges(
                pb.ListProjectChangesRequest(
                    project_id=self.upstream.id, after_sequence=self.snapshot, page_size=500
                ),
                metadata=self.service(),
                timeout=10,
            ).changes
        )

    def apply_request(self, changes: list[pb.ProjectChange]) -> ipb.ApplyProjectChangesRequest:
        return ipb.ApplyProjectChangesRequest(
            connection_id=self.connection_id,
            upstream_project_id=self.upstream.id,
            downstream_project_id=self.downstream.id,
            changes=changes,
        )

    def apply(self, changes: list[pb.ProjectChange]) -> tuple[int, int]:
        applied = self.internal.ApplyProjectChanges(
            self.apply_request(changes), metadata=self.service(), timeout=30
        )
        return applied.applied_through_sequence, applied.applied_count

    def disconnect(self) -> int:
        request = ipb.MarkConnectionDisconnectedRequest(
            connection_id=self.connection_id, downstream_project_id=self.downstream.id
        )
        answer = self.internal.MarkConnectionDisconnected(
            request, metadata=self.service(), timeout=10
        )
        return answer.sets_marked

    def copies(self) -> dict[str, pb.DrawingRevision]:
        """The downstream's revisions, by the upstream revision each copies."""
        revisions = self.drawing.ListDrawingRevisions(
            pb.ListDrawingRevisionsRequest(project_id=self.downstream.id),
            metadata=bearer(self.downstream.tokens["admin"]),
            timeout=10,
        ).revisions
        return {revision.upstream_revision_id: revision for revision in revisions}

    def downstream_state(self) -> list[Any]:
        """Everything the downstream admin can read of its project."""
        reader = bearer(self.downstream.tokens["admin"])
        project = self.downstream.id
        areas = self.drawing.ListDrawingAreas(
            pb.ListDrawingAreasRequest(project_id=project), metadata=reader, timeout=10
        ).drawing_areas
        drawings = [
            self.drawing.ListDrawings(
                pb.ListDrawingsRequest(area_id=area.id), metadata=reader, timeout=10
            ).drawings
            for area in areas
        ]
        sets = self.drawing.ListDrawingSets(
            pb.ListDrawingSetsRequest(project_id=project), metadata=reader, timeout=10
        ).drawing_sets
        return [list(areas), [list(d) for d in drawings], list(sets), self.copies()]

    def publish_upstream(self, drawing_date: str, number: str) -> str:
        """A new published upstream revision of the sheet; returns its id."""
        older = self.drawing.GetDrawingRevision(
            pb.GetDrawingRevisionRequest(revision_id=self.sheet.older),
            metadata=self.upstream_admin(),
            timeout=10,
        ).revision
        upload = upload_file(self.drawing, self.upstream, a_pdf(number))
        request = import_request(
            self.upstream, older.area_id, self.sheet.set_id, older.drawing_id, upload
        )
        request.drawing_log_imports[0].drawing_date = drawing_date
        request.drawing_log_imports[0].revision_number = number
        batch = import_files(self.drawing, request, bearer(self.upstream.tokens["standard"]))
        self.drawing.ConfirmDrawingRevisions(
            pb.ConfirmDrawingRevisionsRequest(
                project_id=self.upstream.id, revision_ids=batch.revision_ids
            ),
            metadata=self.upstream_admin(),
            timeout=10,
        )
        self.drawing.PublishDrawingRevisions(
            pb.PublishDrawingRevisionsRequest(set_id=self.sheet.set_id),
            metadata=self.upstream_admin(),
            timeout=10,
        )
        return str(batch.revision_ids[0])

    def publish_downstream(self, *upstream_ids: str) -> None:
        copies = self.copies()
        chosen = [copies[upstream_id] for upstream_id in upstream_ids]
        admin = bearer(self.downstream.tokens["admin"])
        self.drawing.ConfirmDrawingRevisions(
            pb.ConfirmDrawingRevisionsRequest(
                project_id=self.downstream.id, revision_ids=[c.id for c in chosen]
            ),
            metadata=admin,
            timeout=10,
        )
        self.drawing.PublishDrawingRevisions(
            pb.PublishDrawingRevisionsRequest(
                set_id=chosen[0].set_id, revision_ids=[c.id for c in chosen]
            ),
            metadata=admin,
            timeout=10,
        )

    def currencies(self) -> dict[str, int]:
        return {upstream_id: copy.currency for upstream_id, copy in self.copies().items()}


@pytest.fixture
def link(stack: Stack) -> Link:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    sheet = publish_two_revisions(drawing, stack)
    downstream = register_project(stack)
    made = Link(drawing, internal, sheet, downstream, f"conn-{uuid.uuid4().hex[:8]}", 0)
    made.snapshot = made.copy().snapshot_sequence
    return made


def edit_everything_upstream(link: Link) -> str:
    """One change of every kind the feed carries; returns the newly published revision."""
    drawing, admin = link.drawing, link.upstream_admin()
    older = drawing.GetDrawingRevision(
        pb.GetDrawingRevisionRequest(revision_id=link.sheet.older), metadata=admin, timeout=10
    ).revision
    drawing.UpdateDrawingRevision(
        pb.UpdateDrawingRevisionRequest(
            revision=pb.DrawingRevision(
                id=link.sheet.older, revision_number="1A", received_date="2026-11-24"
            ),
            update_mask=FieldMask(paths=["revision_number", "received_date"]),
        ),
        metadata=admin,
        timeout=10,
    )
    drawing.UpdateDrawing(
        pb.UpdateDrawingRequest(
            drawing=pb.Drawing(id=older.drawing_id, number="A-102", title="Plan, revised"),
            update_mask=FieldMask(paths=["number", "title"]),
        ),
        metadata=admin,
        timeout=10,
    )
    drawing.UpdateDrawingSet(
        pb.UpdateDrawingSetRequest(
            drawing_set=pb.DrawingSet(id=link.sheet.set_id, name="IFC 2", set_date="2026-11-02"),
            update_mask=FieldMask(paths=["name", "set_date"]),
        ),
        metadata=admin,
        timeout=10,
    )
    drawing.UpdateDrawingArea(
        pb.UpdateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(id=older.area_id, description="Level 2"),
            update_mask=FieldMask(paths=["description"]),
        ),
        metadata=admin,
        timeout=10,
    )
    third = link.publish_upstream("2026-11-30", "3")
    drawing.WithdrawDrawingRevision(
        pb.WithdrawDrawingRevisionRequest(revision_id=link.sheet.newer), metadata=admin, timeout=10
    )
    drawing.DeleteDrawingRevision(
        pb.DeleteDrawingRevisionRequest(revision_id=link.sheet.older), metadata=admin, timeout=10
    )
    return third


def test_every_change_kind_reaches_the_copies_once(link: Link) -> None:
    third = edit_everything_upstream(link)
    changes = link.feed()
    kinds = pb.ProjectChangeKind
    assert [kinds.Name(c.kind).removeprefix("PROJECT_CHANGE_KIND_") for c in changes] == [
        "REVISION_METADATA_EDITED",
        "DRAWING_EDITED",
        "SET_EDITED",
        "AREA_EDITED",
        "REVISION_PUBLISHED",
        "REVISION_WITHDRAWN",
        "REVISION_DELETED",
    ]
    head = changes[-1].sequence

    # An overlapping batch and a repeat apply nothing twice (R19).
    assert link.apply(changes[:2]) == (changes[1].sequence, 2)
    assert link.apply(changes) == (head, len(changes) - 2)
    after = link.downstream_state()
    assert link.apply(changes) == (head, 0)
    assert link.apply(changes[3:5]) == (head, 0)
    assert link.downstream_state() == after

    areas, drawings, sets, copies = after
    assert [(a.name, a.description, a.connected) for a in areas] == [
        ("Architectural", "Level 2", True)
    ]
    assert [(d.number, d.title, d.discipline) for d in drawings[0]] == [
        ("A-102", "Plan, revised", "Arch")
    ]
    assert [(s.name, s.set_date, s.connection_state) for s in sets] == [
        ("IFC 2", "2026-11-02", pb.DRAWING_SET_CONNECTION_STATE_CONNECTED)
    ]
    assert sorted(copies) == sorted([link.sheet.older, link.sheet.newer, third])
    older, newer, new = copies[link.sheet.older], copies[link.sheet.newer], copies[third]
    assert (older.revision_number, older.received_date) == ("1A", "2026-11-24")
    # Withdrawn and deleted upstream: kept downstream, marked withdrawn (R20).
    assert older.withdrawn and newer.withdrawn and not new.withdrawn
    assert new.status == pb.REVISION_STATUS_UNPUBLISHED and not new.reviewed
    assert (new.revision_number, new.drawing_date, new.connection_id) == (
        "3",
        "2026-11-30",
        link.connection_id,
    )
    assert new.set_id == sets[0].id and new.area_id == areas[0].id
    # A repeat of the initial copy copies nothing and answers the cursor's position.
    assert (link.copy().snapshot_sequence, link.copy().copied_count) == (head, 3)


def test_racing_applies_of_one_batch_apply_it_once(link: Link) -> None:
    third = link.publish_upstream("2026-11-30", "3")
    fourth = link.publish_upstream("2026-12-02", "4")
    changes = link.feed()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(link.apply, [changes] * 4))
    assert {through for through, _ in answers} == {changes[-1].sequence}
    assert sum(applied for _, applied in answers) == len(changes)  # one winner per change
    assert sorted(link.copies()) == sorted([link.sheet.older, link.sheet.newer, third, fourth])


def test_a_newer_copy_waiting_makes_the_downstream_current_outdated(link: Link) -> None:
    link.publish_downstream(link.sheet.older, link.sheet.newer)
    assert link.currencies() == {link.sheet.older: OBSOLETE, link.sheet.newer: CURRENT}

    third = link.publish_upstream("2026-11-30", "3")
    assert link.apply(link.feed())[1] == 1
    assert link.currencies() == {
        link.sheet.older: OBSOLETE,
        link.sheet.newer: OUTDATED,  # R15: a newer connected revision waits
        third: pb.REVISION_CURRENCY_UNSPECIFIED,  # unpublished: no currency
    }

    link.publish_downstream(third)
    assert link.currencies()[link.sheet.newer] == OBSOLETE
    assert link.currencies()[third] == CURRENT

    # Withdrawn upstream: the published copy is withdrawn, the newest other one current.
    link.drawing.WithdrawDrawingRevision(
        pb.WithdrawDrawingRevisionRequest(revision_id=third),
        metadata=link.upstream_admin(),
        timeout=10,
    )
    assert link.apply(link.feed())[1] == 1
    copies = link.copies()
    assert copies[third].withdrawn and copies[third].status == pb.REVISION_STATUS_PUBLISHED
    assert link.currencies()[link.sheet.newer] == CURRENT


def test_bad_batches_are_refused_and_change_nothing(link: Link) -> None:
    edit_everything_upstream(link)
    changes = link.feed()
    service = link.upstream.tokens["service"]
    before = link.downstream_state()
    too_many = [
        pb.ProjectChange(
            sequence=link.snapshot + n,
            kind=pb.PROJECT_CHANGE_KIND_AREA_EDITED,
            drawing_area=changes[3].drawing_area,
        )
        for n in range(1, 502)
    ]
    swapped = ipb.ApplyProjectChangesRequest(
        connection_id=link.connection_id,
        upstream_project_id=link.downstream.id,
        downstream_project_id=link.upstream.id,
        changes=changes,
    )
    cases = [
        (link.apply_request(too_many), ("INVALID_ARGUMENT", "TOO_MANY_CHANGES")),
        (
            link.apply_request([changes[1], changes[0]]),
            ("INVALID_ARGUMENT", "CHANGES_OUT_OF_ORDER"),
        ),
        (link.apply_request(changes[1:]), ("FAILED_PRECONDITION", "CHANGES_NOT_CONTIGUOUS")),
        (swapped, ("INVALID_ARGUMENT", "CONNECTION_PROJECTS_MISMATCH")),
    ]
    for request, expected in cases:
        assert refusal(link.internal.ApplyProjectChanges, request, service) == expected
    # Only our connection service may apply.
    assert refusal(
        link.internal.ApplyProjectChanges,
        link.apply_request(changes),
        link.downstream.tokens["admin"],
    ) == ("PERMISSION_DENIED", "PERMISSION_DENIED")
    assert link.downstream_state() == before

    # A connection whose initial copy never committed gets nothing.
    never_copied = link.apply_request(changes)
    never_copied.connection_id = "conn-never-copied"
    assert refusal(link.internal.ApplyProjectChanges, never_copied, service) == (
        "FAILED_PRECONDITION",
        "INITIAL_COPY_REQUIRED",
    )


def test_sync_pauses_while_a_project_is_inactive_and_catches_up(link: Link, stack: Stack) -> None:
    link.publish_upstream("2026-11-30", "3")
    changes = link.feed()
    before = link.downstream_state()
    set_active(stack, link.downstream, False)
    assert refusal(
        link.internal.ApplyProjectChanges,
        link.apply_request(changes),
        link.upstream.tokens["service"],
    ) == ("FAILED_PRECONDITION", "PROJECT_INACTIVE")
    assert link.downstream_state() == before

    set_active(stack, link.downstream, True)
    assert link.apply(changes) == (changes[-1].sequence, 1)


def test_disconnect_marks_the_sets_keeps_the_copies_and_stops_the_sync(link: Link) -> None:
    link.publish_upstream("2026-11-30", "3")
    changes = link.feed()

    assert link.disconnect() == 1
    assert link.disconnect() == 0  # idempotent
    _, _, sets, copies = link.downstream_state()
    assert [s.connection_state for s in sets] == [pb.DRAWING_SET_CONNECTION_STATE_DISCONNECTED]
    assert all(s.connected for s in sets)
    assert sorted(copies) == sorted([link.sheet.older, link.sheet.newer])  # copies stay
    service = link.upstream.tokens["service"]
    assert refusal(link.internal.ApplyProjectChanges, link.apply_request(changes), service) == (
        "FAILED_PRECONDITION",
        "CONNECTION_DISCONNECTED",
    )
    assert refusal(link.internal.CopyPublishedRevisions, link.copy_request(), service) == (
        "FAILED_PRECONDITION",
        "CONNECTION_DISCONNECTED",
    )
    # A disconnected set stays read-only: nothing can be uploaded into it.
    upload = upload_file(link.drawing, link.downstream, a_pdf("mine"))
    area_id = link.downstream_state()[0][0].id
    into_set = import_request(link.downstream, area_id, sets[0].id, "any", upload)
    assert refusal(link.drawing.CreateDrawingUpload, into_set, link.downstream.tokens["admin"]) == (
        "FAILED_PRECONDITION",
        "CONNECTED_CONTENT_READ_ONLY",
    )


def test_a_connection_disconnected_before_its_copy_never_copies(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    sheet = publish_two_revisions(drawing, stack)
    link = Link(
        drawing, internal, sheet, register_project(stack), f"conn-{uuid.uuid4().hex[:8]}", 0
    )

    assert link.disconnect() == 0
    assert refusal(
        internal.CopyPublishedRevisions, link.copy_request(), sheet.project.tokens["service"]
    ) == ("FAILED_PRECONDITION", "CONNECTION_DISCONNECTED")
    assert link.copies() == {}


def set_active(stack: Stack, project: Project, active: bool) -> None:
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    facts = common_pb2.ProjectFacts(
        project_id=project.id, company_id=project.company_id, name="Tower", active=active
    )
    internal.RegisterProject(
        ipb.DrawingInternalServiceRegisterProjectRequest(project=facts),
        metadata=bearer(stack.keys.platform_token()),
        timeout=10,
    )


def test_a_disconnection_racing_the_first_copy_leaves_one_clear_outcome(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    sheet = publish_two_revisions(drawing, stack)
    service = sheet.project.tokens["service"]
    for _ in range(6):
        link = Link(
            drawing, internal, sheet, register_project(stack), f"conn-{uuid.uuid4().hex[:8]}", 0
        )

        with ThreadPoolExecutor(max_workers=2) as pool:
            copied = pool.submit(_outcome_of_copy, link)
            pool.submit(link.disconnect).result()
        # Either the copy won (its copies stay, as a record) or it is refused as
        # disconnected; never a key conflict surfacing as INTERNAL.
        assert copied.result() in ("OK", "FAILED_PRECONDITION")
        assert refusal(internal.CopyPublishedRevisions, link.copy_request(), service) == (
            "FAILED_PRECONDITION",
            "CONNECTION_DISCONNECTED",
        )


def _outcome_of_copy(link: Link) -> str:
    try:
        link.copy()
        return "OK"
    except grpc.RpcError as error:
        return str(error.code().name)  # type: ignore[attr-defined]


def test_one_batch_reaches_several_downstreams_in_one_call(link: Link, stack: Stack) -> None:
    """Fan-out: the same upstream changes applied to three connections at once; the one
    that was disconnected is refused in its own result and the others are applied."""
    siblings = [
        Link(
            link.drawing,
            link.internal,
            link.sheet,
            register_project(stack),
            f"conn-{uuid.uuid4().hex[:8]}",
            0,
        )
        for _ in range(2)
    ]
    for sibling in siblings:
        sibling.snapshot = sibling.copy().snapshot_sequence
    siblings[1].disconnect()
    third = link.publish_upstream("2026-11-30", "3")
    changes = link.feed()
    targets = [link, *siblings]
    request = ipb.ApplyProjectChangesToConnectionsRequest(
        upstream_project_id=link.upstream.id,
        connections=[
            ipb.ConnectionTarget(
                connection_id=target.connection_id, downstream_project_id=target.downstream.id
            )
            for target in targets
        ],
        changes=changes,
    )

    first = link.internal.ApplyProjectChangesToConnections(
        request, metadata=link.service(), timeout=30
    ).results
    again = link.internal.ApplyProjectChangesToConnections(
        request, metadata=link.service(), timeout=30
    ).results

    assert [r.connection_id for r in first] == [t.connection_id for t in targets]
    assert [(r.applied_through_sequence, r.applied_count) for r in first[:2]] == [
        (changes[-1].sequence, 1)
    ] * 2
    assert (first[2].error_code, first[2].error_reason) == (
        grpc.StatusCode.FAILED_PRECONDITION.value[0],
        "CONNECTION_DISCONNECTED",
    )
    assert [r.applied_count for r in again[:2]] == [0, 0]  # exactly once (R19)
    assert third in link.copies() and third in siblings[0].copies()
    assert third not in siblings[1].copies()
    too_many = ipb.ApplyProjectChangesToConnectionsRequest(
        upstream_project_id=link.upstream.id,
        connections=[ipb.ConnectionTarget(connection_id="c", downstream_project_id="d")] * 2,
    )
    assert refusal(
        link.internal.ApplyProjectChangesToConnections, too_many, link.upstream.tokens["service"]
    ) == ("INVALID_ARGUMENT", "DUPLICATE_CONNECTION")
