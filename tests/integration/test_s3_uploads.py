"""Seed 002's upload flow on a stack whose drawing service keeps files in S3 (moto's
server): CreateUpload answers a genuine presigned POST, the file goes straight into the
bucket, CreateDrawingUpload's processing checks and keeps it, and the revision downloads
through a presigned GET of at most a minute."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.s3 import s3_environment
from tests.fixtures.stack import Stack, stack_of_its_own
from tests.integration.calls import bearer
from tests.integration.test_direct_uploads import (
    a_pdf,
    get,
    import_request,
    processed,
    upload_file,
)
from tests.integration.test_drawings_catalog import make_area_set_drawing, register_project

BUCKET = f"stack-{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="module")
def s3_stack(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {
        name.removeprefix("CONNECTABILITY_").lower(): value
        for name, value in s3_environment(s3_endpoint, BUCKET).items()
    }
    with stack_of_its_own(tmp_path_factory.mktemp("s3-stack"), **settings) as running:
        yield running


def bucket_keys(s3_endpoint: str, prefix: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [entry["Key"] for entry in listed.get("Contents", [])]


def test_files_go_through_the_bucket_and_are_kept_once(s3_stack: Stack, s3_endpoint: str) -> None:
    drawing = pb_grpc.DrawingServiceStub(s3_stack.channel("drawing"))
    project = register_project(s3_stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    standard = bearer(project.tokens["standard"])
    content = a_pdf("s3")
    form = drawing.CreateUpload(
        pb.CreateUploadRequest(project_id=project.id, response_filename="A-101.pdf"),
        metadata=standard,
        timeout=10,
    )
    assert form.url == f"{s3_endpoint}/{BUCKET}"  # the bucket itself, as in the seed
    assert {"key", "policy", "x-amz-signature", "x-amz-credential"} <= set(form.fields)
    # The same bytes twice (the seed's POST to S3 answers 204 both times).
    first, second = upload_file(drawing, project, content), upload_file(drawing, project, content)
    created = drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, first, second),
        metadata=standard,
        timeout=10,
    ).drawing_upload
    done = processed(drawing, created.id, standard)
    assert done.status == pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW, done.error_message
    digest = hashlib.sha256(content).hexdigest()
    assert bucket_keys(s3_endpoint, "files/") == [f"files/{digest}"]  # one object (R18)
    assert bucket_keys(s3_endpoint, "uploads/") == []  # the browsers' objects are gone
    link = drawing.GetRevisionDownload(
        pb.GetRevisionDownloadRequest(revision_id=done.revision_ids[0]),
        metadata=bearer(project.tokens["admin"]),
        timeout=10,
    )
    assert parse_qs(urlsplit(link.url).query)["X-Amz-Expires"] == ["60"]
    downloaded = get(link.url)
    assert downloaded.status == 200 and downloaded.body == content
    streamed = drawing.DownloadRevisionFile(  # over gRPC, read from the bucket
        pb.DownloadRevisionFileRequest(revision_id=done.revision_ids[1]),
        metadata=bearer(project.tokens["admin"]),
        timeout=10,
    )
    assert b"".join(chunk.data for chunk in streamed) == content


def test_a_file_that_is_not_a_pdf_fails_its_drawing_upload(s3_stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(s3_stack.channel("drawing"))
    project = register_project(s3_stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    standard = bearer(project.tokens["standard"])
    # The bucket takes anything; the claim is where R29 holds.
    not_a_pdf = upload_file(drawing, project, b"<html>" + a_pdf("html"))
    created = drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, not_a_pdf),
        metadata=standard,
        timeout=10,
    ).drawing_upload
    done = processed(drawing, created.id, standard)
    assert done.status == pb.DRAWING_UPLOAD_STATUS_FAILED
    assert [failure.reason for failure in done.import_failures] == ["NOT_A_PDF"]
