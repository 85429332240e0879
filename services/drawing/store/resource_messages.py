"""The Drawings tool's resources as the contract's messages, built from their stored rows.

Replies use them, and so does the change feed, which stores each change as the
``ProjectChange`` message it will serve.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.revision_states import SetConnectionState, is_published
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    StoredFile,
)
from shared.persistence.etags import etag_of
from shared.runtime.timestamps import timestamp_of

_SET_STATES: dict[str, pb.DrawingSetConnectionState] = {
    SetConnectionState.NOT_CONNECTED: pb.DRAWING_SET_CONNECTION_STATE_NOT_CONNECTED,
    SetConnectionState.CONNECTED: pb.DRAWING_SET_CONNECTION_STATE_CONNECTED,
    SetConnectionState.DISCONNECTED: pb.DRAWING_SET_CONNECTION_STATE_DISCONNECTED,
}


def date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def area_message(area: DrawingArea) -> pb.DrawingArea:
    return pb.DrawingArea(
        id=area.id,
        project_id=area.project_id,
        name=area.name,
        description=area.description,
        connected=area.connection_id is not None,
        connection_id=area.connection_id or "",
        create_time=timestamp_of(area.created_at),
        update_time=timestamp_of(area.updated_at),
        etag=etag_of(area),
    )


def set_message(drawing_set: DrawingSet) -> pb.DrawingSet:
    return pb.DrawingSet(
        id=drawing_set.id,
        project_id=drawing_set.project_id,
        name=drawing_set.name,
        set_date=date_text(drawing_set.set_date),
        connected=drawing_set.connection_state != SetConnectionState.NOT_CONNECTED,
        connection_state=_SET_STATES[drawing_set.connection_state],
        connection_id=drawing_set.connection_id or "",
        create_time=timestamp_of(drawing_set.created_at),
        update_time=timestamp_of(drawing_set.updated_at),
        etag=etag_of(drawing_set),
    )


def drawing_message(drawing: Drawing) -> pb.Drawing:
    return pb.Drawing(
        id=drawing.id,
        project_id=drawing.project_id,
        area_id=drawing.area_id,
        number=drawing.number,
        title=drawing.title,
        discipline=drawing.discipline,
        connected=drawing.connection_id is not None,
        connection_id=drawing.connection_id or "",
        create_time=timestamp_of(drawing.created_at),
        update_time=timestamp_of(drawing.updated_at),
        etag=etag_of(drawing),
    )


def revision_message(
    revision: DrawingRevision, area_id: str, stored: StoredFile | None, outdated: bool = False
) -> pb.DrawingRevision:
    """``outdated``: current, but a newer connected copy waits to be published (R15)."""
    size = stored.size_bytes if stored else 0
    return revision_message_of(revision, area_id, size, outdated, etag_of(revision))


class StoredRevision(Protocol):
    """A stored revision as its message is built from: its entity, or a row read like it."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def drawing_id(self) -> str: ...
    @property
    def set_id(self) -> str: ...
    @property
    def revision_number(self) -> str: ...
    @property
    def drawing_date(self) -> date: ...
    @property
    def drawing_sequence(self) -> int: ...
    @property
    def received_date(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def reviewed(self) -> bool: ...
    @property
    def current(self) -> bool: ...
    @property
    def withdrawn(self) -> bool: ...
    @property
    def file_sha256(self) -> str: ...
    @property
    def file_name(self) -> str: ...
    @property
    def upstream_revision_id(self) -> str | None: ...
    @property
    def connection_id(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def revision_message_of(
    revision: StoredRevision,
    area_id: str,
    file_size_bytes: int,
    outdated: bool,
    etag: str,
) -> pb.DrawingRevision:
    """A stored revision (its entity, or a row with the same fields) as its message.

    ``outdated``: current, but a newer connected copy waits to be published (R15).
    """
    published = is_published(revision.status)
    if not published:
        currency = pb.REVISION_CURRENCY_UNSPECIFIED  # as the contract says
    elif revision.current:
        currency = pb.REVISION_CURRENCY_OUTDATED if outdated else pb.REVISION_CURRENCY_CURRENT
    else:
        currency = pb.REVISION_CURRENCY_OBSOLETE
    return pb.DrawingRevision(
        id=revision.id,
        project_id=revision.project_id,
        drawing_id=revision.drawing_id,
        area_id=area_id,
        set_id=revision.set_id,
        revision_number=revision.revision_number,
        drawing_date=date_text(revision.drawing_date),
        drawing_sequence=revision.drawing_sequence,
        received_date=date_text(revision.received_date),
        status=pb.REVISION_STATUS_PUBLISHED if published else pb.REVISION_STATUS_UNPUBLISHED,
        reviewed=revision.reviewed,
        currency=currency,
        withdrawn=revision.withdrawn,
        file_sha256=revision.file_sha256,
        file_size_bytes=file_size_bytes,
        file_name=revision.file_name,
        upstream_revision_id=revision.upstream_revision_id or "",
        connection_id=revision.connection_id or "",
        create_time=timestamp_of(revision.created_at),
        update_time=timestamp_of(revision.updated_at),
        etag=etag,
    )
