"""The per-project change feed: ordered, gap-free, resumable, live, read at Drawings
read_only."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing, register_project


def rename_area(
    drawing: pb_grpc.DrawingServiceStub, project: Project, area_id: str, name: str
) -> None:
    drawing.UpdateDrawingArea(
        pb.UpdateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(id=area_id, name=name),
            update_mask=FieldMask(paths=["name"]),
        ),
        metadata=bearer(project.tokens["admin"]),
        timeout=30,
    )


def feed(
    drawing: pb_grpc.DrawingServiceStub, project: Project, after: int = 0, size: int = 0
) -> pb.ListProjectChangesResponse:
    return drawing.ListProjectChanges(
        pb.ListProjectChangesRequest(project_id=project.id, after_sequence=after, page_size=size),
        metadata=bearer(project.tokens["service"]),
        timeout=10,
    )


def test_edits_that_connections_carry_are_in_the_feed_in_order(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    admin = bearer(project.tokens["admin"])
    assert list(feed(drawing, project).changes) == []  # creating content is not news yet

    rename_area(drawing, project, area.id, "Architecture")
    drawing.UpdateDrawingSet(
        pb.UpdateDrawingSetRequest(
            drawing_set=pb.DrawingSet(id=drawing_set.id, set_date="2026-12-01"),
            update_mask=FieldMask(paths=["set_date"]),
        ),
        metadata=admin,
        timeout=10,
    )
    drawing.UpdateDrawing(
        pb.UpdateDrawingRequest(
            drawing=pb.Drawing(id=sheet.id, number="A-100"), update_mask=FieldMask(paths=["number"])
        ),
        metadata=admin,
        timeout=10,
    )
    rename_area(drawing, project, area.id, "Architecture")  # no change: no news

    changes = feed(drawing, project).changes
    assert [(c.sequence, c.kind) for c in changes] == [
        (1, pb.PROJECT_CHANGE_KIND_AREA_EDITED),
        (2, pb.PROJECT_CHANGE_KIND_SET_EDITED),
        (3, pb.PROJECT_CHANGE_KIND_DRAWING_EDITED),
    ]
    assert changes[0].drawing_area.name == "Architecture"
    assert changes[1].drawing_set.set_date == "2026-12-01"
    assert changes[2].drawing.number == "A-100"
    first = feed(drawing, project, size=2)
    rest = drawing.ListProjectChanges(
        pb.ListProjectChangesRequest(
            project_id=project.id, page_size=2, page_token=first.next_page_token
        ),
        metadata=bearer(project.tokens["service"]),
        timeout=10,
    )
    assert [c.sequence for c in [*first.changes, *rest.changes]] == [1, 2, 3]
    assert not rest.next_page_token
    assert [c.sequence for c in feed(drawing, project, after=2).changes] == [3]


def test_the_feed_is_read_at_drawings_read_only_and_hidden_from_outsiders(stack: Stack) -> None:
    # The feed is public: an integrator's incremental sync reads it as its user may (R31).
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    request = pb.ListProjectChangesRequest(project_id=project.id)
    answer = drawing.ListProjectChanges(
        request, metadata=bearer(project.tokens["read_only"]), timeout=10
    )
    assert list(answer.changes) == []  # nothing published yet
    assert refusal(drawing.ListProjectChanges, request, project.tokens["outsider"]) == (
        "NOT_FOUND",
        "PROJECT_NOT_FOUND",
    )


def test_a_watcher_gets_the_backlog_then_live_changes(stack: Stack) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    area, _, _ = make_area_set_drawing(drawing, project)
    rename_area(drawing, project, area.id, "Backlog")
    stream = drawing.WatchProjectChanges(
        pb.WatchProjectChangesRequest(project_id=project.id),
        metadata=bearer(project.tokens["service"]),
        timeout=30,
    )
    assert next(stream).change.drawing_area.name == "Backlog"
    rename_area(drawing, project, area.id, "Live")
    live = next(stream).change
    assert (live.sequence, live.drawing_area.name) == (2, "Live")
    stream.cancel()


def test_concurrent_writers_and_a_reconnecting_reader_miss_nothing_and_repeat_nothing(
    stack: Stack,
) -> None:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    project = register_project(stack)
    areas = [make_area_set_drawing(drawing, project)[0]]
    areas += [
        drawing.CreateDrawingArea(
            pb.CreateDrawingAreaRequest(
                drawing_area=pb.DrawingArea(project_id=project.id, name=f"Area {n}")
            ),
            metadata=bearer(project.tokens["admin"]),
            timeout=10,
        ).drawing_area
        for n in range(3)
    ]
    writers, edits_each = 8, 10
    received: list[int] = []

    def write(writer: int) -> None:
        for edit in range(edits_each):
            area = areas[(writer + edit) % len(areas)]
            rename_area(drawing, project, area.id, f"w{writer}-e{edit}")

    def read_with_reconnects() -> None:
        last = 0
        while len(received) < writers * edits_each:
            stream = drawing.WatchProjectChanges(
                pb.WatchProjectChangesRequest(project_id=project.id, after_sequence=last),
                metadata=bearer(project.tokens["service"]),
                timeout=60,
            )
            try:
                for taken, response in enumerate(stream):
                    received.append(response.change.sequence)
                    last = response.change.sequence
                    if taken == 6:  # drop the connection now and then, resume from last
                        break
                    if len(received) == writers * edits_each:
                        break
            except grpc.RpcError:
                pass
            finally:
                stream.cancel()

    reader = threading.Thread(target=read_with_reconnects)
    reader.start()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(write, range(writers)))
    reader.join(timeout=60)
    assert not reader.is_alive()

    total = writers * edits_each
    assert received == list(range(1, total + 1))
    listed = [c.sequence for c in feed(drawing, project, size=500).changes]
    assert listed == list(range(1, total + 1))
