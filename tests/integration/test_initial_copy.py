"""The drawing service's initial copy (R14, R16, R18, R19): published upstream revisions
arrive unpublished in connected mirrors downstream, sharing their files, exactly once."""

from __future__ import annotations

import uuid

from google.protobuf.field_mask_pb2 import FieldMask

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_direct_uploads import a_pdf, import_request, upload_file
from tests.integration.test_drawings_catalog import register_project
from tests.integration.test_revision_lifecycle import publish_two_revisions


def test_published_revisions_are_copied_once_and_unpublished(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    sheet = publish_two_revisions(drawing, stack)  # upstream: two published revisions
    upstream = sheet.project
    admin = bearer(upstream.tokens["admin"])
    drawing.CreateMarkup(
        pb.CreateMarkupRequest(markup=pb.Markup(revision_id=sheet.newer, kind="cloud")),
        metadata=admin,
        timeout=10,
    )
    downstream = register_project(stack)
    connection_id = f"conn-{uuid.uuid4().hex[:8]}"
    copy = ipb.CopyPublishedRevisionsRequest(
        connection_id=connection_id,
        upstream_project_id=upstream.id,
        downstream_project_id=downstream.id,
    )
    service = bearer(upstream.tokens["service"])

    first = internal.CopyPublishedRevisions(copy, metadata=service, timeout=30)
    again = internal.CopyPublishedRevisions(copy, metadata=service, timeout=30)

    assert (first.copied_count, again.copied_count) == (2, 2)  # the repeat adds nothing
    head = (
        drawing.ListProjectChanges(
            pb.ListProjectChangesRequest(project_id=upstream.id, page_size=500),
            metadata=service,
            timeout=10,
        )
        .changes[-1]
        .sequence
    )
    assert first.snapshot_sequence == head
    reader = bearer(downstream.tokens["admin"])
    copies = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=downstream.id), metadata=reader, timeout=10
    ).revisions
    originals = {
        r.id: r
        for r in drawing.ListDrawingRevisions(
            pb.ListDrawingRevisionsRequest(project_id=upstream.id), metadata=admin, timeout=10
        ).revisions
    }
    assert sorted(c.upstream_revision_id for c in copies) == sorted([sheet.older, sheet.newer])
    for copied in copies:
        original = originals[copied.upstream_revision_id]
        assert copied.status == pb.REVISION_STATUS_UNPUBLISHED and not copied.reviewed
        assert copied.file_sha256 == original.file_sha256  # the same bytes, not a copy
        assert copied.connection_id == connection_id
        markups = drawing.ListMarkups(
            pb.ListMarkupsRequest(revision_id=copied.id), metadata=reader, timeout=10
        ).markups
        assert list(markups) == []  # markups never cross (R16)
    sets = drawing.ListDrawingSets(
        pb.ListDrawingSetsRequest(project_id=downstream.id), metadata=reader, timeout=10
    ).drawing_sets
    assert [(s.connected, s.connection_state) for s in sets] == [
        (True, pb.DRAWING_SET_CONNECTION_STATE_CONNECTED)
    ]
    # A connected drawing is read-only downstream (R17).
    area = drawing.ListDrawingAreas(
        pb.ListDrawingAreasRequest(project_id=downstream.id), metadata=reader, timeout=10
    ).drawing_areas[0]
    assert area.connected
    copied_sheet = drawing.ListDrawings(
        pb.ListDrawingsRequest(area_id=area.id), metadata=reader, timeout=10
    ).drawings[0]
    edit = pb.UpdateDrawingRequest(
        drawing=pb.Drawing(id=copied_sheet.id, title="Mine"), update_mask=FieldMask(paths=["title"])
    )
    assert refusal(drawing.UpdateDrawing, edit, downstream.tokens["admin"]) == (
        "FAILED_PRECONDITION",
        "CONNECTED_CONTENT_READ_ONLY",
    )
    # Nor can the downstream add its own revision to a connected drawing through a set of
    # its own (R17): once published it would outrank newer upstream copies.
    own_set = drawing.CreateDrawingSet(
        pb.CreateDrawingSetRequest(drawing_set=pb.DrawingSet(project_id=downstream.id, name="Own")),
        metadata=bearer(downstream.tokens["admin"]),
        timeout=10,
    ).drawing_set
    upload_uuid = upload_file(drawing, downstream, a_pdf("own revision"))
    own_revision = import_request(downstream, area.id, own_set.id, copied_sheet.id, upload_uuid)
    assert refusal(drawing.CreateDrawingUpload, own_revision, downstream.tokens["admin"]) == (
        "FAILED_PRECONDITION",
        "CONNECTED_CONTENT_READ_ONLY",
    )


def test_only_the_connection_service_copies(stack: Stack) -> None:
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    copy = ipb.CopyPublishedRevisionsRequest(
        connection_id="c", upstream_project_id=project.id, downstream_project_id=project.id
    )
    assert refusal(internal.CopyPublishedRevisions, copy, project.tokens["admin"]) == (
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
    )


def test_a_downstream_finds_the_copies_of_one_connection_and_of_one_upstream_revision(
    stack: Stack,
) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    downstream = register_project(stack)
    sources = {}  # connection id -> the upstream sheet it copies
    for _ in range(2):
        sheet = publish_two_revisions(drawing, stack)
        connection_id = f"conn-{uuid.uuid4().hex[:8]}"
        internal.CopyPublishedRevisions(
            ipb.CopyPublishedRevisionsRequest(
                connection_id=connection_id,
                upstream_project_id=sheet.project.id,
                downstream_project_id=downstream.id,
            ),
            metadata=bearer(sheet.project.tokens["service"]),
            timeout=30,
        )
        sources[connection_id] = sheet
    (first, sheet), (second, _) = sources.items()
    admin = bearer(downstream.tokens["admin"])  # copies arrive unpublished: admin sees them

    def listed(token: str = "", **filters: str) -> pb.ListDrawingRevisionsResponse:
        request = pb.ListDrawingRevisionsRequest(project_id=downstream.id, **filters)
        request.page_token = token
        return drawing.ListDrawingRevisions(request, metadata=admin, timeout=10)

    everything = listed().revisions
    assert len(everything) == 4
    of_first = listed(connection_id=first).revisions
    assert {(r.connection_id, r.upstream_revision_id) for r in of_first} == {
        (first, sheet.older),
        (first, sheet.newer),
    }
    one = listed(upstream_revision_id=sheet.older).revisions
    assert [(r.connection_id, r.upstream_revision_id) for r in one] == [(first, sheet.older)]
    assert listed(connection_id=second, upstream_revision_id=sheet.older).revisions == []
    # A read_only user sees no unpublished copy, filter or not.
    as_reader = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=downstream.id, connection_id=first),
        metadata=bearer(downstream.tokens["read_only"]),
        timeout=10,
    )
    assert list(as_reader.revisions) == []

    # The page token is bound to the filters it was issued for.
    page = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=downstream.id, connection_id=first, page_size=1),
        metadata=admin,
        timeout=10,
    )
    assert len(page.revisions) == 1 and page.next_page_token
    rest = listed(page.next_page_token, connection_id=first).revisions
    assert {r.id for r in [*page.revisions, *rest]} == {r.id for r in of_first}
    for other in ({"connection_id": second}, {"upstream_revision_id": sheet.older}, {}):
        request = pb.ListDrawingRevisionsRequest(
            project_id=downstream.id, page_size=1, page_token=page.next_page_token, **other
        )
        assert refusal(drawing.ListDrawingRevisions, request, downstream.tokens["admin"]) == (
            "INVALID_ARGUMENT",
            "INVALID_PAGE_TOKEN",
        )
