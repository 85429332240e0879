"""The states the drawing service stores as strings, as enums (the values are the stored text).

StrEnum members compare equal to their strings, so rows written before these existed and
SQL comparisons against the columns work unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class RevisionStatus(StrEnum):
    UNPUBLISHED = "unpublished"
    PUBLISHED = "published"


class DrawingUploadStatus(StrEnum):
    """A drawing upload: IN_QUEUE, PROCESSING, then READY_FOR_REVIEW or FAILED."""

    IN_QUEUE = "in_queue"
    PROCESSING = "processing"
    READY_FOR_REVIEW = "ready_for_review"
    FAILED = "failed"


class SetConnectionState(StrEnum):
    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


def is_published(status: str) -> bool:
    return status == RevisionStatus.PUBLISHED


def takes_local_uploads(state: str) -> bool:
    """Only a set that is not connected takes files uploaded in its own project (R17)."""
    return state == SetConnectionState.NOT_CONNECTED
