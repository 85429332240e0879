"""What may happen to a drawing revision, and when it is refused.

A revision is imported from an upload ``unpublished``, confirmed (reviewed), then
published; a published revision can be made current by hand, withdrawn, or deleted.
Connected copies (R17) follow their upstream: the downstream may review, publish and make
them current, but not edit, withdraw or delete them, nor add its own revisions to a
connected drawing or set.

Plain Python over anything shaped like the rows (the ORM rows, or dataclasses in tests).
Each refusal is a ``DomainError`` with its reason code; each transition is a function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from services.drawing.domain.revision_states import RevisionStatus, SetConnectionState
from shared.facts.errors import (
    ErrorReason,
    ErrorReasonValue,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)


class RevisionRow(Protocol):
    """What the lifecycle reads and writes of a revision."""

    id: str
    project_id: str
    drawing_id: str
    set_id: str
    status: str
    reviewed: bool
    current: bool
    withdrawn: bool
    drawing_date: date
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    connection_id: str | None


class DrawingRow(Protocol):
    id: str
    project_id: str
    area_id: str
    number: str
    connection_id: str | None


class UploadRow(Protocol):
    project_id: str
    expires_at: datetime
    file_sha256: str | None
    drawing_upload_id: str | None


R = TypeVar("R", bound=RevisionRow)
D = TypeVar("D", bound=DrawingRow)
U = TypeVar("U", bound=UploadRow)


def refusal(
    reason: ErrorReasonValue, message: str, revision_id: str = "", **extra: str
) -> FailedPrecondition:
    """A FAILED_PRECONDITION naming the revision (when there is one) and any other ids."""
    metadata = {"revision_id": revision_id, **extra} if revision_id else dict(extra)
    return FailedPrecondition(reason, message, metadata)


def is_published(revision: RevisionRow) -> bool:
    return revision.status == RevisionStatus.PUBLISHED


def is_unpublished(revision: RevisionRow) -> bool:
    return revision.status == RevisionStatus.UNPUBLISHED


# Refusals


def refuse_if_copy(revision: RevisionRow) -> None:
    """A connected copy follows its upstream: the downstream cannot edit, withdraw or delete it."""
    if revision.connection_id is not None:
        raise refusal(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            "This revision is a connected copy: it follows its upstream project.",
            revision.id,
        )


def require_published(revision: RevisionRow) -> None:
    if not is_published(revision):
        raise refusal(
            ErrorReason.REVISION_NOT_PUBLISHED,
            "Only a published revision can be that.",
            revision.id,
        )


def require_in_set(revision: RevisionRow, set_id: str) -> None:
    if revision.set_id != set_id:
        raise InvalidArgument(
            ErrorReason.REVISION_NOT_IN_SET,
            "Only revisions of the named set can be published with it.",
            {"revision_id": revision.id},
        )


def require_in_project(revision: R | None, project_id: str, revision_id: str) -> R:
    """A missing revision and another project's answer alike: neither is this project's."""
    if revision is None or revision.project_id != project_id:
        raise InvalidArgument(
            ErrorReason.REVISION_NOT_IN_PROJECT,
            f"Revision {revision_id!r} is not a revision of this project.",
            {"revision_id": revision_id},
        )
    return revision


def require_publishable(revision: RevisionRow) -> None:
    if revision.withdrawn:
        raise refusal(
            ErrorReason.REVISION_WITHDRAWN,
            "A withdrawn revision cannot be published.",
            revision.id,
        )
    if not revision.reviewed:
        raise refusal(
            ErrorReason.REVISION_NOT_REVIEWED,
            "Review (confirm) a revision before publishing it.",
            revision.id,
        )


def require_may_be_made_current(revision: RevisionRow) -> None:
    require_published(revision)
    if revision.withdrawn:
        raise refusal(
            ErrorReason.REVISION_WITHDRAWN,
            "A withdrawn revision cannot be current.",
            revision.id,
        )


# Transitions


def confirm(revision: RevisionRow, now: datetime) -> bool:
    """Mark an unpublished revision reviewed; True when it was not yet. Others stay as they are."""
    if not is_unpublished(revision) or revision.reviewed:
        return False
    revision.reviewed = True
    revision.updated_at = now
    return True


def awaits_publication(revision: RevisionRow) -> bool:
    """What publishing a set without naming revisions takes: reviewed, unpublished, in force."""
    return is_unpublished(revision) and revision.reviewed and not revision.withdrawn


def to_publish(chosen: Iterable[R]) -> list[R]:
    """The chosen revisions that publishing changes; every one of them must be publishable.

    Revisions published already are passed over, so publishing a selection twice is harmless.
    """
    unpublished = [revision for revision in chosen if is_unpublished(revision)]
    for revision in unpublished:
        require_publishable(revision)
    return unpublished


def publish(revision: RevisionRow, now: datetime) -> None:
    revision.status = RevisionStatus.PUBLISHED.value
    revision.published_at = now
    revision.updated_at = now


def withdraw(revision: RevisionRow, now: datetime) -> bool:
    """Withdraw a published revision of this project; True unless it was withdrawn already."""
    refuse_if_copy(revision)
    require_published(revision)
    if revision.withdrawn:
        return False
    revision.withdrawn = True
    revision.current = False
    revision.updated_at = now
    return True


def deletion_reaches_the_feed(revision: RevisionRow) -> bool:
    """Only what was published was ever passed downstream, so only that is announced."""
    return is_published(revision)


def edit_reaches_the_feed(revision: RevisionRow) -> bool:
    """Metadata edits of a published revision go downstream (and may change the current one)."""
    return is_published(revision)


def feed_order(revision: RevisionRow) -> tuple[date, datetime]:
    """Publications enter the feed oldest first, so a downstream copies them in that order."""
    return (revision.drawing_date, revision.created_at)


# Publishing, over the stored revisions


class PublishingStore(Protocol[R]):
    """The stored revisions publishing reads (a repository, or a fake in tests)."""

    def existing(self, revision_id: str) -> R:
        """The revision with this id; raises the store's not-found error when missing."""
        ...

    def awaiting_publication(self, set_id: str) -> list[R]: ...


@dataclass(frozen=True)
class Publication(Generic[R]):
    chosen: list[R]  # what the caller named, or what awaited publication in the set
    published: list[R]  # those of them this call published


def publish_revisions(
    store: PublishingStore[R], set_id: str, revision_ids: Sequence[str], now: datetime
) -> Publication[R]:
    """Publish the named revisions of a set, or every reviewed one waiting in it.

    Nothing is published unless every revision to publish may be: the checks run first.
    """
    if revision_ids:
        chosen = [store.existing(revision_id) for revision_id in revision_ids]
        for revision in chosen:
            require_in_set(revision, set_id)
    else:
        chosen = store.awaiting_publication(set_id)
    publishing = to_publish(chosen)
    for revision in publishing:
        publish(revision, now)
    return Publication(chosen, publishing)


def drawings_of(revisions: Iterable[RevisionRow]) -> set[str]:
    return {revision.drawing_id for revision in revisions}


# Importing uploaded files (R28)


def require_set_takes_uploads(connection_state: str) -> None:
    if connection_state != SetConnectionState.NOT_CONNECTED:
        raise refusal(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            "Files cannot be uploaded into a connected drawing set.",
        )


def require_usable_upload(
    upload: U | None, project_id: str, uuid: str, now: datetime, *, checked_at_claim: bool = False
) -> U:
    """An upload of this project whose file arrived and that no drawing upload took yet.

    ``checked_at_claim``: the file goes straight into a bucket, which does not tell us; the
    processing round then looks for it (and checks it) when it claims the drawing upload.
    """
    if upload is None or upload.project_id != project_id:
        raise NotFound(ErrorReason.UPLOAD_NOT_FOUND, f"No upload {uuid!r} was found.")
    if upload.drawing_upload_id is not None:
        raise refusal(
            ErrorReason.UPLOAD_ALREADY_USED,
            "This upload was already imported as a revision.",
            upload_uuid=uuid,
        )
    if upload.file_sha256 is None and not checked_at_claim:
        if upload.expires_at <= now:
            raise refusal(
                ErrorReason.UPLOAD_EXPIRED,
                "The upload expired before its file arrived.",
                upload_uuid=uuid,
            )
        raise refusal(
            ErrorReason.UPLOAD_NOT_RECEIVED,
            "The file of this upload was not POSTed to the storage endpoint yet.",
            upload_uuid=uuid,
        )
    return upload


def require_takes_import(drawing: D | None, project_id: str, area_id: str, drawing_id: str) -> D:
    """A drawing of this project, in the upload's area, that takes revisions of its own."""
    if drawing is None or drawing.project_id != project_id:
        raise NotFound(ErrorReason.DRAWING_NOT_FOUND, f"No drawing {drawing_id!r} was found.")
    if drawing.connection_id is not None:
        # R17: a connected drawing takes revisions from its upstream alone, whatever set the
        # upload names; its own would outrank newer upstream copies.
        raise refusal(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            f"Drawing {drawing.number} is connected: its revisions come from the "
            "upstream project only.",
            drawing_id=drawing.id,
        )
    if drawing.area_id != area_id:
        raise InvalidArgument(
            ErrorReason.DRAWING_NOT_IN_AREA,
            f"Drawing {drawing.number} is not in the drawing area of this upload.",
            {"drawing_id": drawing.id},
        )
    return drawing


class DrawingPlaces:
    """Hands out ``drawing_sequence``: a revision's place among its drawing's, 1, 2, … in
    upload order (R17: a copy keeps its upstream's, so both sides list a drawing alike).

    ``highest`` answers the highest place a drawing holds (0 for none); it is asked once
    per drawing, and places are counted on from there.
    """

    def __init__(self, highest: Callable[[str], int]):
        self._highest = highest
        self._last: dict[str, int] = {}

    def next(self, drawing_id: str) -> int:
        if drawing_id not in self._last:
            self._last[drawing_id] = self._highest(drawing_id)
        self._last[drawing_id] += 1
        return self._last[drawing_id]
