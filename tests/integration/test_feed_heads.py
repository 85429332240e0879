"""WatchFeedHeads: one stream follows many projects' feeds and tells when each advances."""

from __future__ import annotations

import threading

import grpc

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_drawings_catalog import Project, register_project
from tests.integration.test_revision_lifecycle import publish_two_revisions


def test_one_stream_reports_each_feed_at_once_then_when_it_advances(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    quiet = register_project(stack)
    sheet = publish_two_revisions(drawing, stack)
    busy = sheet.project
    head = feed_head(drawing, busy)
    stream = internal.WatchFeedHeads(
        ipb.WatchFeedHeadsRequest(project_ids=[quiet.id, busy.id, "no-such-project"]),
        metadata=bearer(busy.tokens["service"]),
        timeout=20,
    )
    received: list[tuple[str, int]] = []
    arrived = threading.Condition()

    def read() -> None:
        try:
            for news in stream:
                with arrived:
                    received.append((news.project_id, news.last_sequence))
                    arrived.notify_all()
        except grpc.RpcError:
            pass  # cancelled when the test is done

    threading.Thread(target=read, daemon=True).start()
    with arrived:  # both known projects at once; the unknown one is skipped
        assert arrived.wait_for(lambda: len(received) >= 2, timeout=10)
    assert sorted(received) == sorted([(quiet.id, 0), (busy.id, head)])

    drawing.WithdrawDrawingRevision(
        pb.WithdrawDrawingRevisionRequest(revision_id=sheet.older),
        metadata=bearer(busy.tokens["admin"]),
        timeout=10,
    )
    with arrived:  # then the one whose feed advanced, as soon as it committed
        assert arrived.wait_for(lambda: len(received) >= 3, timeout=10)
    assert received[2:] == [(busy.id, head + 1)]
    stream.cancel()


def feed_head(drawing: pb_grpc.DrawingServiceStub, project: Project) -> int:
    changes = drawing.ListProjectChanges(
        pb.ListProjectChangesRequest(project_id=project.id, page_size=500),
        metadata=bearer(project.tokens["service"]),
        timeout=10,
    ).changes
    return changes[-1].sequence


def test_too_many_projects_are_refused(stack: Stack) -> None:
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    request = ipb.WatchFeedHeadsRequest(project_ids=[f"p-{n}" for n in range(1001)])

    def first_message(req: ipb.WatchFeedHeadsRequest, metadata: object, timeout: float) -> None:
        next(iter(internal.WatchFeedHeads(req, metadata=metadata, timeout=timeout)))

    assert refusal(first_message, request, project.tokens["service"]) == (
        "INVALID_ARGUMENT",
        "TOO_MANY_PROJECTS",
    )
    assert refusal(first_message, ipb.WatchFeedHeadsRequest(), project.tokens["admin"]) == (
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
    )
