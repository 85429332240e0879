"""The checks on a batch of feed changes before it is applied (no network, no database)."""

from __future__ import annotations

import pytest

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.change_batches import MAX_CHANGES, check_batch, unapplied
from shared.facts.errors import DomainError


def area_edited(sequence: int) -> pb.ProjectChange:
    return pb.ProjectChange(
        sequence=sequence,
        kind=pb.PROJECT_CHANGE_KIND_AREA_EDITED,
        drawing_area=pb.DrawingArea(id="a"),
    )


def reason_of(call: object, *args: object) -> str:
    with pytest.raises(DomainError) as refused:
        call(*args)  # type: ignore[operator]
    return refused.value.reason


def test_a_well_formed_batch_passes() -> None:
    check_batch([area_edited(s) for s in (3, 4, 9)])
    check_batch([])


def test_too_many_or_unordered_changes_are_refused() -> None:
    batch = [area_edited(s) for s in range(1, MAX_CHANGES + 2)]
    assert reason_of(check_batch, batch) == "TOO_MANY_CHANGES"
    assert reason_of(check_batch, [area_edited(2), area_edited(1)]) == "CHANGES_OUT_OF_ORDER"
    assert reason_of(check_batch, [area_edited(2), area_edited(2)]) == "CHANGES_OUT_OF_ORDER"


def test_a_change_needs_a_known_kind_and_its_snapshots() -> None:
    assert reason_of(check_batch, [pb.ProjectChange(sequence=1)]) == "CHANGE_KIND_UNKNOWN"
    published = pb.ProjectChange(
        sequence=1,
        kind=pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED,
        revision=pb.DrawingRevision(id="r"),
        drawing=pb.Drawing(id="d"),
        drawing_area=pb.DrawingArea(id="a"),
    )
    assert reason_of(check_batch, [published]) == "CHANGE_INCOMPLETE"  # no drawing_set
    published.drawing_set.id = "s"
    check_batch([published])


def test_changes_already_applied_are_skipped_and_the_rest_must_follow_on() -> None:
    batch = [area_edited(s) for s in (4, 5, 6, 7)]
    assert [c.sequence for c in unapplied(batch, 5)] == [6, 7]
    assert unapplied(batch, 7) == []
    assert [c.sequence for c in unapplied(batch, 3)] == [4, 5, 6, 7]
    assert reason_of(unapplied, batch, 2) == "CHANGES_NOT_CONTIGUOUS"  # 3 is missing
    assert reason_of(unapplied, [area_edited(4), area_edited(6)], 3) == "CHANGES_NOT_CONTIGUOUS"
