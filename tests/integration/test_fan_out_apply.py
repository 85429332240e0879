"""Fan-out (R15, R19): one batch of upstream changes applied to many downstreams in one
call gives each exactly the copies it would get on its own, whatever its cursor, and
refuses the connections that may not apply without touching the others."""

from __future__ import annotations

import json
import uuid
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.integration.test_apply_changes import Link, set_active
from tests.integration.test_direct_uploads import a_pdf, import_files, import_request, upload_file
from tests.integration.test_drawings_catalog import make_area_set_drawing, register_project
from tests.integration.test_revision_lifecycle import Sheet


def _linked_before_anything_is_published(stack: Stack, count: int) -> tuple[list[Link], str]:
    """``count`` downstreams connected (empty initial copies) to an upstream that then
    publishes two revisions of a new drawing, in a new set and area; and that drawing."""
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    internal = ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    upstream = register_project(stack)
    area, drawing_set, sheet = make_area_set_drawing(drawing, upstream)
    links = [
        Link(
            drawing,
            internal,
            Sheet(upstream, drawing_set.id, "", ""),
            register_project(stack),
            f"conn-{uuid.uuid4().hex[:8]}",
            0,
        )
        for _ in range(count)
    ]
    for link in links:
        link.snapshot = link.copy().snapshot_sequence
    uploads = [upload_file(drawing, upstream, a_pdf(name)) for name in ("rev 1", "rev 2")]
    request = import_request(upstream, area.id, drawing_set.id, sheet.id, *uploads)
    request.drawing_log_imports[1].drawing_date = "2026-11-25"
    request.drawing_log_imports[1].revision_number = "2"
    batch = import_files(drawing, request, bearer(upstream.tokens["standard"]))
    admin = bearer(upstream.tokens["admin"])
    drawing.ConfirmDrawingRevisions(
        pb.ConfirmDrawingRevisionsRequest(project_id=upstream.id, revision_ids=batch.revision_ids),
        metadata=admin,
        timeout=10,
    )
    for revision_id in batch.revision_ids:  # one publication each: two feed changes
        drawing.PublishDrawingRevisions(
            pb.PublishDrawingRevisionsRequest(set_id=drawing_set.id, revision_ids=[revision_id]),
            metadata=admin,
            timeout=10,
        )
    for link in links:
        link.sheet.older, link.sheet.newer = batch.revision_ids
    return links, sheet.id


def _apply_to(links: list[Link], changes: list[pb.ProjectChange]) -> list[Any]:
    request = ipb.ApplyProjectChangesToConnectionsRequest(
        upstream_project_id=links[0].upstream.id,
        connections=[
            ipb.ConnectionTarget(
                connection_id=link.connection_id, downstream_project_id=link.downstream.id
            )
            for link in links
        ],
        changes=changes,
    )
    results = (
        links[0]
        .internal.ApplyProjectChangesToConnections(request, metadata=links[0].service(), timeout=30)
        .results
    )
    return [(r.error_reason or None, r.applied_through_sequence, r.applied_count) for r in results]


def _as_seen(link: Link) -> str:
    """Everything the downstream admin reads of its project, with the connection's and the
    downstream's ids and the times and etags (which differ by nature) left out."""

    def plain(value: Any) -> Any:
        if isinstance(value, Message):
            value = MessageToDict(value)
        if isinstance(value, dict):
            return {
                key: plain(item)
                for key, item in sorted(value.items())
                if not key.endswith("Time") and key != "etag"
            }
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        return value

    state = link.downstream_state()
    state[3] = sorted(state[3].items())  # the copies, by the upstream revision they copy
    text = json.dumps(plain(state), sort_keys=True)
    return text.replace(link.connection_id, "<connection>").replace(link.downstream.id, "<d>")


def test_one_batch_gives_every_downstream_exactly_its_copies(stack: Stack) -> None:
    links, upstream_drawing = _linked_before_anything_is_published(stack, 6)
    fresh, ahead, disconnected, inactive, late, seen_edit = links
    first_two = fresh.feed()
    assert len(first_two) == 2
    assert ahead.apply(first_two[:1]) == (first_two[0].sequence, 1)
    disconnected.disconnect()
    set_active(stack, inactive.downstream, False)

    # Publications only, each connection from its own cursor, in one call.
    assert _apply_to([fresh, ahead, disconnected, inactive], first_two) == [
        (None, first_two[1].sequence, 2),
        (None, first_two[1].sequence, 1),  # the first change was there already
        ("CONNECTION_DISCONNECTED", 0, 0),
        ("PROJECT_INACTIVE", 0, 0),
    ]
    assert _as_seen(fresh) == _as_seen(ahead)
    assert len(fresh.copies()) == 2
    assert disconnected.copies() == {} and inactive.copies() == {}

    # An edit, then a publication carrying the edited drawing: a connection that has seen
    # the edit takes the publication set-based beside the others, which apply the edit
    # change by change (``late`` from its initial copy on).
    fresh.drawing.UpdateDrawing(
        pb.UpdateDrawingRequest(
            drawing=pb.Drawing(id=upstream_drawing, number="A-102", title="Plan, revised"),
            update_mask=FieldMask(paths=["number", "title"]),
        ),
        metadata=fresh.upstream_admin(),
        timeout=10,
    )
    third = fresh.publish_upstream("2026-11-30", "3")
    changes = fresh.feed()
    assert len(changes) == 4
    head = changes[-1].sequence
    assert seen_edit.apply(changes[:3]) == (changes[2].sequence, 3)
    everyone = [fresh, ahead, late, seen_edit]
    expected = [(None, head, 2), (None, head, 2), (None, head, 4), (None, head, 1)]
    assert _apply_to(everyone, changes) == expected
    assert _apply_to(everyone, changes) == [(None, head, 0)] * 4  # exactly once (R19)

    seen = {_as_seen(link) for link in everyone}
    assert len(seen) == 1  # the same copies everywhere, however they were applied
    areas, drawings, sets, copies = fresh.downstream_state()
    assert [(d.number, d.title) for d in drawings[0]] == [("A-102", "Plan, revised")]
    assert len(areas) == len(sets) == 1
    assert sorted(copies) == sorted([fresh.sheet.older, fresh.sheet.newer, third])
    assert sorted(
        (c.revision_number, c.drawing_date, c.drawing_sequence) for c in copies.values()
    ) == [
        ("1", "2026-11-20", 1),
        ("2", "2026-11-25", 2),
        ("3", "2026-11-30", 3),
    ]
    assert all(c.status == pb.REVISION_STATUS_UNPUBLISHED for c in copies.values())
    assert disconnected.copies() == {} and inactive.copies() == {}
