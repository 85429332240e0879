"""The direct upload workflow of seed 002, over real gRPC and HTTP, from listing areas to a
published revision whose file downloads byte-identical; and each bad input refused."""

from __future__ import annotations

import hashlib
import http.client
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing, register_project
from tests.storage.multipart_body import encode_form


def a_pdf(label: str = "") -> bytes:
    """Bytes that look like a PDF, unique per call so each test stores its own file."""
    return b"%PDF-1.7\n" + f"{label} {uuid.uuid4().hex}\n".encode() * 50 + b"%%EOF\n"


@dataclass
class Http:
    status: int
    body: bytes
    headers: dict[str, str]


def post_form(url: str, fields: dict[str, str], file_bytes: bytes) -> Http:
    body, content_type = encode_form(list(fields.items()), file_bytes)
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("POST", where.path, body, {"Content-Type": content_type})
    answer = connection.getresponse()
    result = Http(answer.status, answer.read(), dict(answer.getheaders()))
    connection.close()
    return result


def get(url: str) -> Http:
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("GET", f"{where.path}?{where.query}")
    answer = connection.getresponse()
    result = Http(answer.status, answer.read(), dict(answer.getheaders()))
    connection.close()
    return result


def upload_file(
    drawing: pb_grpc.DrawingServiceStub, project: Project, content: bytes, name: str = "A-101.pdf"
) -> str:
    """CreateUpload, then the multipart POST to the storage endpoint; returns the uuid."""
    upload = drawing.CreateUpload(
        pb.CreateUploadRequest(project_id=project.id, response_filename=name),
        metadata=bearer(project.tokens["standard"]),
        timeout=10,
    )
    posted = post_form(upload.url, dict(upload.fields), content)
    assert posted.status == 204, posted.body
    return upload.uuid


def import_request(
    project: Project, area_id: str, set_id: str, drawing_id: str, *uuids: str
) -> pb.CreateDrawingUploadRequest:
    return pb.CreateDrawingUploadRequest(
        project_id=project.id,
        drawing_area_id=area_id,
        drawing_set_id=set_id,
        drawing_log_imports=[
            pb.DrawingLogImport(
                drawing_date="2026-11-20",
                received_date="2026-11-21",
                revision_number="1",
                upload_uuid=upload_uuid,
                drawing_id=drawing_id,
            )
            for upload_uuid in uuids
        ],
    )


_DONE = (pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW, pb.DRAWING_UPLOAD_STATUS_FAILED)


def processed(
    drawing: pb_grpc.DrawingServiceStub,
    drawing_upload_id: str,
    metadata: Sequence[tuple[str, str]],
    seen: list[int] | None = None,
) -> pb.DrawingUpload:
    """Poll GetDrawingUpload as seed 002 says, until READY_FOR_REVIEW or FAILED; every
    status observed is appended to ``seen``."""
    deadline = time.monotonic() + 30
    while True:
        polled = drawing.GetDrawingUpload(
            pb.GetDrawingUploadRequest(drawing_upload_id=drawing_upload_id),
            metadata=metadata,
            timeout=10,
        ).drawing_upload
        if seen is not None:
            seen.append(polled.status)
        if polled.status in _DONE:
            return polled
        assert time.monotonic() < deadline, f"still {polled.status} after 30 s"
        time.sleep(0.02)


def import_files(
    drawing: pb_grpc.DrawingServiceStub,
    request: pb.CreateDrawingUploadRequest,
    metadata: Sequence[tuple[str, str]],
) -> pb.DrawingUpload:
    """CreateDrawingUpload, then poll until its revisions are ready for review."""
    created = drawing.CreateDrawingUpload(request, metadata=metadata, timeout=10).drawing_upload
    done = processed(drawing, created.id, metadata)
    assert done.status == pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW, done.error_message
    return done


@pytest.fixture
def drawing(stack: Stack) -> pb_grpc.DrawingServiceStub:
    return pb_grpc.DrawingServiceStub(stack.channel("drawing"))


def test_the_seed_workflow_ends_in_a_published_revision_that_downloads_intact(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    make_area_set_drawing(drawing, project)  # the project's admin set up an area and a set
    standard, admin, reader = (
        bearer(project.tokens[w]) for w in ("standard", "admin", "read_only")
    )

    # 1. Determine the drawing area and drawing set ids.
    area = drawing.ListDrawingAreas(
        pb.ListDrawingAreasRequest(project_id=project.id), metadata=standard, timeout=10
    ).drawing_areas[0]
    drawing_set = drawing.ListDrawingSets(
        pb.ListDrawingSetsRequest(project_id=project.id), metadata=standard, timeout=10
    ).drawing_sets[0]
    # 2. Create a drawing object (number and discipline required).
    sheet = drawing.CreateDrawing(
        pb.CreateDrawingRequest(
            drawing=pb.Drawing(area_id=area.id, number="A-201", title="Roof", discipline="Arch")
        ),
        metadata=standard,
        timeout=10,
    ).drawing
    # 3-4. Create an upload, POST the file to the storage service (204).
    content = a_pdf("roof plan")
    upload_uuid = upload_file(drawing, project, content, "A-201 Roof.pdf")
    # 5. Create a drawing upload.
    created = drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, upload_uuid),
        metadata=standard,
        timeout=10,
    ).drawing_upload
    # It is queued at once; polling shows it ready for review with its revision.
    assert created.status == pb.DRAWING_UPLOAD_STATUS_IN_QUEUE and not created.revision_ids
    polled = processed(drawing, created.id, standard)
    assert polled.status == pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW
    assert len(polled.revision_ids) == 1
    revision_id = polled.revision_ids[0]

    # 6. Ready for review: unpublished, seen by standard users, not by read-only ones.
    revision = drawing.GetDrawingRevision(
        pb.GetDrawingRevisionRequest(revision_id=revision_id), metadata=standard, timeout=10
    ).revision
    assert (revision.status, revision.reviewed) == (pb.REVISION_STATUS_UNPUBLISHED, False)
    assert revision.file_sha256 == hashlib.sha256(content).hexdigest()
    assert (revision.file_name, revision.file_size_bytes) == ("A-201 Roof.pdf", len(content))
    assert refusal(
        drawing.GetDrawingRevision,
        pb.GetDrawingRevisionRequest(revision_id=revision_id),
        project.tokens["read_only"],
    ) == ("NOT_FOUND", "REVISION_NOT_FOUND")

    # Review and publish (admin).
    assert refusal(
        drawing.PublishDrawingRevisions,
        pb.PublishDrawingRevisionsRequest(set_id=drawing_set.id, revision_ids=[revision_id]),
        project.tokens["admin"],
    ) == ("FAILED_PRECONDITION", "REVISION_NOT_REVIEWED")
    drawing.ConfirmDrawingRevisions(
        pb.ConfirmDrawingRevisionsRequest(project_id=project.id, revision_ids=[revision_id]),
        metadata=admin,
        timeout=10,
    )
    published = drawing.PublishDrawingRevisions(
        pb.PublishDrawingRevisionsRequest(set_id=drawing_set.id), metadata=admin, timeout=10
    ).revisions
    assert [(r.id, r.status, r.currency) for r in published] == [
        (revision_id, pb.REVISION_STATUS_PUBLISHED, pb.REVISION_CURRENCY_CURRENT)
    ]

    # A read-only user now sees it and downloads the very same bytes, twice over.
    listed = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=project.id), metadata=reader, timeout=10
    ).revisions
    assert [r.id for r in listed] == [revision_id]
    link = drawing.GetRevisionDownload(
        pb.GetRevisionDownloadRequest(revision_id=revision_id), metadata=reader, timeout=10
    )
    downloaded = get(link.url)
    assert downloaded.status == 200
    assert downloaded.body == content
    assert link.sha256 == hashlib.sha256(downloaded.body).hexdigest() == revision.file_sha256
    streamed = b"".join(
        chunk.data
        for chunk in drawing.DownloadRevisionFile(
            pb.DownloadRevisionFileRequest(revision_id=revision_id), metadata=reader, timeout=10
        )
    )
    assert streamed == content

    # The publication is in the feed, with what a downstream needs to mirror it.
    feed = drawing.ListProjectChanges(
        pb.ListProjectChangesRequest(project_id=project.id),
        metadata=bearer(project.tokens["service"]),
        timeout=10,
    ).changes
    publication = [c for c in feed if c.kind == pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED]
    assert len(publication) == 1
    assert publication[0].revision.id == revision_id
    assert (publication[0].drawing.number, publication[0].drawing_set.id) == (
        "A-201",
        drawing_set.id,
    )
    assert publication[0].drawing_area.id == area.id


def test_the_same_bytes_are_stored_once(drawing: pb_grpc.DrawingServiceStub, stack: Stack) -> None:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    content = a_pdf("shared")
    first, second = upload_file(drawing, project, content), upload_file(drawing, project, content)
    batch = import_files(
        drawing,
        import_request(project, area.id, drawing_set.id, sheet.id, first, second),
        bearer(project.tokens["standard"]),
    )
    revisions = [
        drawing.GetDrawingRevision(
            pb.GetDrawingRevisionRequest(revision_id=rid),
            metadata=bearer(project.tokens["admin"]),
            timeout=10,
        ).revision
        for rid in batch.revision_ids
    ]
    digest = hashlib.sha256(content).hexdigest()
    assert [r.file_sha256 for r in revisions] == [digest, digest]
    stored = list((stack.data_dir / "files").rglob(digest))
    assert len(stored) == 1 and stored[0].read_bytes() == content


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("plans/A-101.pdf", "FILE_NAME_FORBIDDEN_CHARACTER"),
        ("A-101?.pdf", "FILE_NAME_FORBIDDEN_CHARACTER"),
        ("A-101 .pdf", "FILE_NAME_SPACE_AROUND_EXTENSION"),
        ("A-101.txt", "FILE_NAME_NOT_PDF"),
        ("A" * 252 + ".pdf", "FILE_NAME_TOO_LONG"),
    ],
)
def test_file_names_that_break_r30_are_refused(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack, file_name: str, reason: str
) -> None:
    project = register_project(stack)
    request = pb.CreateUploadRequest(project_id=project.id, response_filename=file_name)
    assert refusal(drawing.CreateUpload, request, project.tokens["standard"]) == (
        "INVALID_ARGUMENT",
        reason,
    )


def test_bad_imports_are_refused_and_nothing_is_half_created(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    other = register_project(stack)
    _, other_set, _ = make_area_set_drawing(drawing, other)
    token = project.tokens["standard"]
    good = upload_file(drawing, project, a_pdf("good"))

    # A body that is not a PDF is refused by the storage endpoint; the upload stays empty.
    not_pdf = drawing.CreateUpload(
        pb.CreateUploadRequest(project_id=project.id, response_filename="B.pdf"),
        metadata=bearer(token),
        timeout=10,
    )
    refused = post_form(not_pdf.url, dict(not_pdf.fields), b"GIF89a not a drawing")
    assert (refused.status, b"NOT_A_PDF" in refused.body) == (415, True)
    # A tampered policy is refused before a byte is stored.
    tampered = dict(not_pdf.fields)
    tampered["key"] = good
    assert post_form(not_pdf.url, tampered, a_pdf("sneaky")).status == 403

    cases = [
        (
            import_request(project, area.id, drawing_set.id, sheet.id, good, not_pdf.uuid),
            ("FAILED_PRECONDITION", "UPLOAD_NOT_RECEIVED"),
        ),
        (
            import_request(project, area.id, drawing_set.id, sheet.id, good, "no-such-upload"),
            ("NOT_FOUND", "UPLOAD_NOT_FOUND"),
        ),
        (
            import_request(project, area.id, drawing_set.id, sheet.id, good, good),
            ("INVALID_ARGUMENT", "DUPLICATE_IMPORT"),
        ),
        (
            import_request(project, area.id, other_set.id, sheet.id, good),
            ("NOT_FOUND", "DRAWING_SET_NOT_FOUND"),
        ),
        (
            import_request(project, area.id, drawing_set.id, "no-such-drawing", good),
            ("NOT_FOUND", "DRAWING_NOT_FOUND"),
        ),
    ]
    for request, expected in cases:
        assert refusal(drawing.CreateDrawingUpload, request, token) == expected
    no_date = import_request(project, area.id, drawing_set.id, sheet.id, good)
    no_date.drawing_log_imports[0].drawing_date = ""
    assert refusal(drawing.CreateDrawingUpload, no_date, token) == (
        "INVALID_ARGUMENT",
        "MISSING_FIELD",
    )

    # Nothing was half-created: no revisions, and the good upload is still usable, once.
    revisions = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=project.id),
        metadata=bearer(project.tokens["admin"]),
        timeout=10,
    ).revisions
    assert list(revisions) == []
    drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, good),
        metadata=bearer(token),
        timeout=10,
    )
    again = import_request(project, area.id, drawing_set.id, sheet.id, good)
    assert refusal(drawing.CreateDrawingUpload, again, token) == (
        "FAILED_PRECONDITION",
        "UPLOAD_ALREADY_USED",
    )


def test_outsiders_and_readers_cannot_upload(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    request = pb.CreateUploadRequest(project_id=project.id, response_filename="A.pdf")
    assert refusal(drawing.CreateUpload, request, project.tokens["read_only"]) == (
        "PERMISSION_DENIED",
        "DRAWINGS_STANDARD_REQUIRED",
    )
    assert refusal(drawing.CreateUpload, request, project.tokens["outsider"]) == (
        "NOT_FOUND",
        "PROJECT_NOT_FOUND",
    )


def test_a_retried_drawing_upload_creates_its_revisions_once(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    request = import_request(
        project, area.id, drawing_set.id, sheet.id, upload_file(drawing, project, a_pdf())
    )
    request.request_id = uuid.uuid4().hex
    token = bearer(project.tokens["standard"])

    first = drawing.CreateDrawingUpload(request, metadata=token, timeout=10).drawing_upload
    again = drawing.CreateDrawingUpload(request, metadata=token, timeout=10).drawing_upload

    assert again == first  # the first answer, replayed
    done = processed(drawing, first.id, token)
    assert len(done.revision_ids) == 1
    revisions = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=project.id), metadata=token, timeout=10
    ).revisions
    assert [r.id for r in revisions] == list(done.revision_ids)


def test_twenty_files_are_queued_then_ready_with_revisions_in_import_order(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    standard = bearer(project.tokens["standard"])
    files = [a_pdf(f"sheet {n}") for n in range(20)]
    uuids = [upload_file(drawing, project, content) for content in files]
    request = import_request(project, area.id, drawing_set.id, sheet.id, *uuids)
    for n, entry in enumerate(request.drawing_log_imports):
        entry.revision_number = str(n)

    created = drawing.CreateDrawingUpload(request, metadata=standard, timeout=10).drawing_upload
    seen = [created.status]
    done = processed(drawing, created.id, standard, seen)

    assert created.status == pb.DRAWING_UPLOAD_STATUS_IN_QUEUE and not created.revision_ids
    assert seen == sorted(seen) and seen[-1] == pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW
    assert len(done.revision_ids) == 20 and not done.import_failures
    revisions = [
        drawing.GetDrawingRevision(
            pb.GetDrawingRevisionRequest(revision_id=rid), metadata=standard, timeout=10
        ).revision
        for rid in done.revision_ids
    ]
    # The i-th id is the revision of the i-th file: its number and its bytes.
    assert [r.revision_number for r in revisions] == [str(n) for n in range(20)]
    assert [r.file_sha256 for r in revisions] == [hashlib.sha256(f).hexdigest() for f in files]
    assert list(done.revision_ids) != sorted(done.revision_ids)  # not id order by chance


def test_a_cut_short_file_fails_the_drawing_upload_with_its_reason(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    standard = bearer(project.tokens["standard"])
    cut_short = a_pdf("cut short")[:-20]  # starts like a PDF, so the storage accepts it
    uuids = [upload_file(drawing, project, content) for content in (a_pdf(), cut_short, a_pdf())]

    created = drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, *uuids),
        metadata=standard,
        timeout=10,
    ).drawing_upload
    failed = processed(drawing, created.id, standard)

    assert failed.status == pb.DRAWING_UPLOAD_STATUS_FAILED and not failed.revision_ids
    assert [(f.import_index, f.upload_uuid, f.reason) for f in failed.import_failures] == [
        (1, uuids[1], "PDF_INCOMPLETE")
    ]
    assert "1 of 3 files" in failed.error_message
    listed = drawing.ListDrawingRevisions(
        pb.ListDrawingRevisionsRequest(project_id=project.id), metadata=standard, timeout=10
    ).revisions
    assert list(listed) == []
    # The good files were freed: a new drawing upload of them succeeds.
    retried = import_files(
        drawing,
        import_request(project, area.id, drawing_set.id, sheet.id, uuids[0], uuids[2]),
        standard,
    )
    assert len(retried.revision_ids) == 2
