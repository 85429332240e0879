"""Checks on a batch of upstream feed changes before it is applied downstream (plain Python).

The feed is gap-free, so once the changes at or below the cursor are skipped the rest must
continue it exactly: a gap means the caller lost a change, and applying past it would
lose it for good (R19).
"""

from __future__ import annotations

from collections.abc import Sequence

from connectability.v1 import drawing_service_pb2 as pb
from shared.facts.errors import ErrorReason, FailedPrecondition, InvalidArgument

MAX_CHANGES = 500

# The snapshots each kind of change carries (see ProjectChangeKind).
_SNAPSHOTS: dict[int, tuple[str, ...]] = {
    pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED: (
        "revision",
        "drawing",
        "drawing_set",
        "drawing_area",
    ),
    pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED: ("revision",),
    pb.PROJECT_CHANGE_KIND_DRAWING_EDITED: ("drawing",),
    pb.PROJECT_CHANGE_KIND_SET_EDITED: ("drawing_set",),
    pb.PROJECT_CHANGE_KIND_AREA_EDITED: ("drawing_area",),
    pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN: ("revision",),
    pb.PROJECT_CHANGE_KIND_REVISION_DELETED: ("revision",),
}


def check_batch(changes: Sequence[pb.ProjectChange]) -> None:
    """At most MAX_CHANGES, in strictly ascending order, each with its snapshots."""
    if len(changes) > MAX_CHANGES:
        raise InvalidArgument(
            ErrorReason.TOO_MANY_CHANGES, f"At most {MAX_CHANGES} changes can be applied at once."
        )
    previous = None
    for index, change in enumerate(changes):
        if previous is not None and change.sequence <= previous:
            raise InvalidArgument(
                ErrorReason.CHANGES_OUT_OF_ORDER,
                "Changes must be in strictly ascending sequence order.",
                {"index": str(index), "sequence": str(change.sequence)},
            )
        previous = change.sequence
        _check_snapshots(index, change)


def _check_snapshots(index: int, change: pb.ProjectChange) -> None:
    needed = _SNAPSHOTS.get(change.kind)
    if needed is None:
        raise InvalidArgument(
            ErrorReason.CHANGE_KIND_UNKNOWN,
            f"changes[{index}] has no known kind.",
            {"index": str(index), "sequence": str(change.sequence)},
        )
    for field in needed:
        if not getattr(change, field).id:
            raise InvalidArgument(
                ErrorReason.CHANGE_INCOMPLETE,
                f"changes[{index}] lacks the {field} snapshot its kind carries.",
                {"index": str(index), "sequence": str(change.sequence)},
            )


def unapplied(changes: Sequence[pb.ProjectChange], applied_through: int) -> list[pb.ProjectChange]:
    """The changes after ``applied_through``, which must continue it without a gap."""
    rest = [change for change in changes if change.sequence > applied_through]
    for offset, change in enumerate(rest, start=1):
        if change.sequence != applied_through + offset:
            raise FailedPrecondition(
                ErrorReason.CHANGES_NOT_CONTIGUOUS,
                f"The next change to apply is {applied_through + offset}, "
                f"not {change.sequence}: resume the feed after {applied_through}.",
                {
                    "applied_through_sequence": str(applied_through),
                    "sequence": str(change.sequence),
                },
            )
    return rest
