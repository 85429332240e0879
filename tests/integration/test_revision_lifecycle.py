"""Published revisions over their life: current and obsolete, metadata edits, withdrawal and
deletion, each reaching the change feed; markups and custom fields; outsiders see nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_direct_uploads import a_pdf, import_files, import_request, upload_file
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing, register_project


@dataclass
class Sheet:
    """A drawing with two published revisions (dates 2026-11-20 and 2026-11-25)."""

    project: Project
    set_id: str
    older: str
    newer: str


def publish_two_revisions(drawing: pb_grpc.DrawingServiceStub, stack: Stack) -> Sheet:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    uploads = [upload_file(drawing, project, a_pdf(name)) for name in ("rev 1", "rev 2")]
    request = import_request(project, area.id, drawing_set.id, sheet.id, *uploads)
    request.drawing_log_imports[1].drawing_date = "2026-11-25"
    request.drawing_log_imports[1].revision_number = "2"
    batch = import_files(drawing, request, bearer(project.tokens["standard"]))
    admin = bearer(project.tokens["admin"])
    drawing.ConfirmDrawingRevisions(
        pb.ConfirmDrawingRevisionsRequest(project_id=project.id, revision_ids=batch.revision_ids),
        metadata=admin,
        timeout=10,
    )
    drawing.PublishDrawingRevisions(
        pb.PublishDrawingRevisionsRequest(set_id=drawing_set.id), metadata=admin, timeout=10
    )
    return Sheet(project, drawing_set.id, batch.revision_ids[0], batch.revision_ids[1])


def currency(drawing: pb_grpc.DrawingServiceStub, sheet: Sheet) -> dict[str, int]:
    revisions = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=sheet.project.id),
        metadata=bearer(sheet.project.tokens["admin"]),
        timeout=10,
    ).revisions
    return {revision.id: revision.currency for revision in revisions}


def feed_kinds(drawing: pb_grpc.DrawingServiceStub, project: Project) -> list[int]:
    changes = drawing.ListProjectChanges(
        pb.ListProjectChangesRequest(project_id=project.id, page_size=500),
        metadata=bearer(project.tokens["service"]),
        timeout=10,
    ).changes
    return [change.kind for change in changes]


@pytest.fixture
def drawing(stack: Stack) -> pb_grpc.DrawingServiceStub:
    return pb_grpc.DrawingServiceStub(stack.channel("drawing"))


def test_the_newest_published_revision_is_current_until_an_admin_chooses(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    sheet = publish_two_revisions(drawing, stack)
    current, obsolete = pb.REVISION_CURRENCY_CURRENT, pb.REVISION_CURRENCY_OBSOLETE
    assert currency(drawing, sheet) == {sheet.older: obsolete, sheet.newer: current}

    drawing.SetCurrentDrawingRevision(
        pb.SetCurrentDrawingRevisionRequest(revision_id=sheet.older),
        metadata=bearer(sheet.project.tokens["admin"]),
        timeout=10,
    )
    assert currency(drawing, sheet) == {sheet.older: current, sheet.newer: obsolete}


def test_metadata_edits_withdrawal_and_deletion_reach_the_feed(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    sheet = publish_two_revisions(drawing, stack)
    admin = bearer(sheet.project.tokens["admin"])
    published = pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED
    assert feed_kinds(drawing, sheet.project) == [published, published]

    edited = drawing.UpdateDrawingRevision(
        pb.UpdateDrawingRevisionRequest(
            revision=pb.DrawingRevision(id=sheet.older, revision_number="1A"),
            update_mask=FieldMask(paths=["revision_number"]),
        ),
        metadata=admin,
        timeout=10,
    ).revision
    assert edited.revision_number == "1A"
    withdrawn = drawing.WithdrawDrawingRevision(
        pb.WithdrawDrawingRevisionRequest(revision_id=sheet.newer), metadata=admin, timeout=10
    ).revision
    assert withdrawn.withdrawn
    # Withdrawing the current revision makes the newest remaining one current (R15).
    assert currency(drawing, sheet)[sheet.older] == pb.REVISION_CURRENCY_CURRENT
    drawing.DeleteDrawingRevision(
        pb.DeleteDrawingRevisionRequest(revision_id=sheet.older), metadata=admin, timeout=10
    )
    assert refusal(
        drawing.GetDrawingRevision,
        pb.GetDrawingRevisionRequest(revision_id=sheet.older),
        sheet.project.tokens["admin"],
    ) == ("NOT_FOUND", "REVISION_NOT_FOUND")

    assert feed_kinds(drawing, sheet.project) == [
        published,
        published,
        pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED,
        pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN,
        pb.PROJECT_CHANGE_KIND_REVISION_DELETED,
    ]


def test_bad_revision_changes_are_refused(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    sheet = publish_two_revisions(drawing, stack)
    admin = sheet.project.tokens["admin"]
    cases = [
        (
            drawing.UpdateDrawingRevision,
            pb.UpdateDrawingRevisionRequest(
                revision=pb.DrawingRevision(id=sheet.older, drawing_date="20/11/2026"),
                update_mask=FieldMask(paths=["drawing_date"]),
            ),
            ("INVALID_ARGUMENT", "INVALID_DATE"),
        ),
        (
            drawing.UpdateDrawingRevision,
            pb.UpdateDrawingRevisionRequest(
                revision=pb.DrawingRevision(id=sheet.older, file_sha256="0" * 64),
                update_mask=FieldMask(paths=["file_sha256"]),
            ),
            ("INVALID_ARGUMENT", "INVALID_UPDATE_MASK"),
        ),
        (
            drawing.ConfirmDrawingRevisions,
            pb.ConfirmDrawingRevisionsRequest(project_id=sheet.project.id, revision_ids=["nope"]),
            ("INVALID_ARGUMENT", "REVISION_NOT_IN_PROJECT"),
        ),
    ]
    for call, request, expected in cases:
        assert refusal(call, request, admin) == expected
    standard = sheet.project.tokens["standard"]
    withdraw = pb.WithdrawDrawingRevisionRequest(revision_id=sheet.newer)
    assert refusal(drawing.WithdrawDrawingRevision, withdraw, standard) == (
        "PERMISSION_DENIED",
        "DRAWINGS_ADMIN_REQUIRED",
    )
    assert not drawing.GetDrawingRevision(
        pb.GetDrawingRevisionRequest(revision_id=sheet.newer), metadata=bearer(admin), timeout=10
    ).revision.withdrawn


def test_markups_and_custom_fields_belong_to_their_project(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    sheet = publish_two_revisions(drawing, stack)
    tokens = sheet.project.tokens
    drawing.CreateMarkup(
        pb.CreateMarkupRequest(
            markup=pb.Markup(revision_id=sheet.newer, kind="cloud", data='{"x": 10}')
        ),
        metadata=bearer(tokens["standard"]),
        timeout=10,
    )
    drawing.SetCustomField(
        pb.SetCustomFieldRequest(
            revision_id=sheet.newer, custom_field=pb.CustomField(name="Phase", value="2")
        ),
        metadata=bearer(tokens["admin"]),
        timeout=10,
    )
    reader = bearer(tokens["read_only"])
    markups = drawing.ListMarkups(
        pb.ListMarkupsRequest(revision_id=sheet.newer), metadata=reader, timeout=10
    ).markups
    fields = drawing.ListCustomFields(
        pb.ListCustomFieldsRequest(revision_id=sheet.newer), metadata=reader, timeout=10
    ).custom_fields
    assert [(m.kind, m.data) for m in markups] == [("cloud", '{"x": 10}')]
    assert [(f.name, f.value) for f in fields] == [("Phase", "2")]
    assert refusal(
        drawing.SetCustomField,
        pb.SetCustomFieldRequest(
            revision_id=sheet.newer, custom_field=pb.CustomField(name="Phase", value="3")
        ),
        tokens["standard"],
    ) == ("PERMISSION_DENIED", "DRAWINGS_ADMIN_REQUIRED")
    # Neither is news for a connection (R16): the feed holds only the two publications.
    assert feed_kinds(drawing, sheet.project) == [pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED] * 2


def test_an_outsider_sees_no_revision_and_no_file(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    sheet = publish_two_revisions(drawing, stack)
    outsider = sheet.project.tokens["outsider"]
    for call, request in [
        (drawing.GetDrawingRevision, pb.GetDrawingRevisionRequest(revision_id=sheet.newer)),
        (drawing.GetRevisionDownload, pb.GetRevisionDownloadRequest(revision_id=sheet.newer)),
        (drawing.ListMarkups, pb.ListMarkupsRequest(revision_id=sheet.newer)),
    ]:
        assert refusal(call, request, outsider) == ("NOT_FOUND", "REVISION_NOT_FOUND")
    listing = pb.ListDrawingRevisionsRequest(project_id=sheet.project.id)
    assert refusal(drawing.ListDrawingRevisions, listing, outsider) == (
        "NOT_FOUND",
        "PROJECT_NOT_FOUND",
    )
