"""One caller's streams cannot freeze a service: on the running services, a user opening
64 streams gets 4, the rest are refused with a RetryInfo, and everyone else (health checks,
another company's calls) still answers within a second."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connectability.v1 import connection_service_pb2 as connection_pb
from connectability.v1 import connection_service_pb2_grpc as connection_grpc
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, retry_delay_of
from tests.integration.test_connections import make_pair
from tests.integration.test_direct_uploads import import_files, import_request, upload_file
from tests.integration.test_directory import Platform
from tests.integration.test_drawings_catalog import make_area_set_drawing, register_project

FLOOD = 64
PER_CALLER = 4  # the default stream_limit_per_principal


def big_pdf(megabytes: int) -> bytes:
    """A PDF far larger than any flow-control window: unread, it keeps the server writing."""
    filler = b"0123456789abcdef" * 64 * 1024  # 1 MiB
    return b"%PDF-1.7\n" + filler * megabytes + b"\n%%EOF\n"


def published_revision(stack: Stack, content: bytes) -> tuple[str, str]:
    """(revision id, a read-only user's token) of a published revision holding ``content``."""
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    upload_uuid = upload_file(drawing, project, content)
    admin = bearer(project.tokens["admin"])
    revision_id = import_files(
        drawing,
        import_request(project, area.id, drawing_set.id, sheet.id, upload_uuid),
        admin,
    ).revision_ids[0]
    drawing.ConfirmDrawingRevisions(
        pb.ConfirmDrawingRevisionsRequest(project_id=project.id, revision_ids=[revision_id]),
        metadata=admin,
        timeout=10,
    )
    drawing.PublishDrawingRevisions(
        pb.PublishDrawingRevisionsRequest(set_id=drawing_set.id), metadata=admin, timeout=10
    )
    return revision_id, project.tokens["read_only"]


@contextmanager
def flood(address: str, open_stream: Callable[[grpc.Channel], Any]) -> Iterator[list[Any]]:
    """FLOOD streams on a channel of their own, none of them ever read; closing the channel
    at the end cancels those still open."""
    channel = grpc.insecure_channel(address)
    try:
        yield [open_stream(channel) for _ in range(FLOOD)]
    finally:
        channel.close()


def settle(calls: list[Any], refused: int) -> tuple[list[Any], list[Any]]:
    """(open, ended) once ``refused`` of ``calls`` have ended."""
    deadline = time.monotonic() + 20
    while sum(call.done() for call in calls) < refused and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # an admitted stream ending late would show now
    return [c for c in calls if not c.done()], [c for c in calls if c.done()]


def assert_refused_with_retry_info(calls: list[Any]) -> None:
    for call in calls:
        assert call.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, call.details()
        info = error_info_of(call)
        assert info is not None and info.reason == "STREAM_LIMIT_EXCEEDED"
        assert dict(info.metadata) == {"scope": "caller", "limit": str(PER_CALLER)}
        delay = retry_delay_of(call)
        assert delay is not None and delay > 0


def assert_serving_within_a_second(stack: Stack, service: str) -> None:
    health = health_pb2_grpc.HealthStub(stack.channel(service))
    answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def another_company_reads_its_project(stack: Stack) -> Callable[[], None]:
    """A probe: another company's member reads their project, within a second."""
    platform = Platform(stack)
    company = platform.company()
    project = platform.project(company.id)
    member = platform.user(company.id)
    token = bearer(stack.keys.user_token(member.id, company.id))

    def probe() -> None:
        answer = platform.connection.GetProject(
            connection_pb.GetProjectRequest(project_id=project.id), metadata=token, timeout=1
        )
        assert answer.project.id == project.id

    return probe


def test_64_unread_downloads_from_one_user_leave_the_service_answering(stack: Stack) -> None:
    content = big_pdf(8)
    revision_id, reader = published_revision(stack, content)
    others = register_project(stack)  # another company's project in the drawing service
    other_call = another_company_reads_its_project(stack)
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    request = pb.DownloadRevisionFileRequest(revision_id=revision_id)

    with flood(
        stack.address("drawing"),
        lambda channel: pb_grpc.DrawingServiceStub(channel).DownloadRevisionFile(
            request, metadata=bearer(reader), timeout=120
        ),
    ) as calls:
        still_open, ended = settle(calls, FLOOD - PER_CALLER)
        assert (len(still_open), len(ended)) == (PER_CALLER, FLOOD - PER_CALLER)
        assert_refused_with_retry_info(ended)
        # The four it holds do not stop anyone else.
        assert_serving_within_a_second(stack, "drawing")
        drawing.ListDrawingAreas(
            pb.ListDrawingAreasRequest(project_id=others.id),
            metadata=bearer(others.tokens["read_only"]),
            timeout=1,
        )
        other_call()

    # Closing them gave the user's slots back: the whole file streams.
    def download_whole_file() -> bytes:
        chunks = drawing.DownloadRevisionFile(request, metadata=bearer(reader), timeout=30)
        return b"".join(chunk.data for chunk in chunks)

    deadline = time.monotonic() + 10
    while True:
        try:
            assert download_whole_file() == content
            break
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert time.monotonic() < deadline, "the closed streams' slots never came back"
            time.sleep(0.1)


def test_64_progress_watches_on_a_pending_connection_leave_the_service_answering(
    stack: Stack,
) -> None:
    pair = make_pair(Platform(stack))  # review required: the connection stays pending
    connection = pair.request().connection
    assert connection.state == connection_pb.CONNECTION_STATE_PENDING
    other_call = another_company_reads_its_project(stack)
    request = connection_pb.WatchInitialCopyProgressRequest(connection_id=connection.id)

    with flood(
        stack.address("connection"),
        # No deadline, as the attacker had it.
        lambda channel: connection_grpc.ConnectionServiceStub(channel).WatchInitialCopyProgress(
            request, metadata=bearer(pair.down_admin)
        ),
    ) as calls:
        still_open, ended = settle(calls, FLOOD - PER_CALLER)
        assert (len(still_open), len(ended)) == (PER_CALLER, FLOOD - PER_CALLER)
        assert_refused_with_retry_info(ended)
        assert_serving_within_a_second(stack, "connection")
        other_call()
