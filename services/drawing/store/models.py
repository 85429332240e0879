"""The drawing service's tables: the project facts it is told, Drawings grants, the Drawings
tool itself (areas, sets, drawings, revisions, markups, custom fields), files and uploads,
the per-project change feed, each connection's sync cursor, and the AIP-155 replay store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from shared.facts.permission_levels import PERMISSION_LEVELS
from shared.persistence.db import UtcDateTime, utcnow
from shared.persistence.db_mixins import (
    NAMING_CONVENTION,
    IdempotentRequestColumns,
    ProjectFactsColumns,
    Timestamps,
    sql_one_of,
)
from shared.persistence.sort_keys import keeps_sort_key, sort_key_column


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SET_CONNECTION_STATES: tuple[str, ...] = ("not_connected", "connected", "disconnected")
REVISION_STATUSES: tuple[str, ...] = ("unpublished", "published")
DRAWING_UPLOAD_STATUSES: tuple[str, ...] = ("in_queue", "processing", "ready_for_review", "failed")


class ProjectFacts(ProjectFactsColumns, Base):
    __tablename__ = "project_facts"

    # The newest sequence number of the project's change feed. Writers take the next one
    # under a lock on this row, so numbers are gap-free in commit order.
    last_change_sequence: Mapped[int] = mapped_column(BigInteger, default=0)


class DrawingsGrant(Base):
    """A user's Drawings level on one project; no row means ``none``.

    ``user_id`` is not a foreign key: users live in the connection service's database.
    """

    __tablename__ = "drawings_grants"
    __table_args__ = (CheckConstraint(sql_one_of("level", PERMISSION_LEVELS), name="level"),)

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project_facts.project_id"), primary_key=True
    )
    # Indexed for "the projects this user can see" (R1's list of connectable projects).
    user_id: Mapped[str] = mapped_column(String, primary_key=True, index=True)
    level: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class IdempotentRequest(IdempotentRequestColumns, Base):
    __tablename__ = "idempotent_requests"


class DrawingArea(Timestamps, Base):
    __tablename__ = "drawing_areas"
    # Serves ListDrawingAreas: by name, casefolded, then id.
    __table_args__ = (
        Index("ix_drawing_areas_project_id_name_sort_key_id", "project_id", "name_sort_key", "id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    name: Mapped[str] = mapped_column(String)
    name_sort_key: Mapped[str] = sort_key_column()
    _keep_name_sort_key = validates("name")(keeps_sort_key("name_sort_key"))
    description: Mapped[str] = mapped_column(Text, default="")
    # Set on a downstream copy: the connection it came through and the area it mirrors.
    connection_id: Mapped[str | None] = mapped_column(String, nullable=True)
    upstream_area_id: Mapped[str | None] = mapped_column(String, nullable=True)


class DrawingSet(Timestamps, Base):
    __tablename__ = "drawing_sets"
    __table_args__ = (
        CheckConstraint(
            sql_one_of("connection_state", SET_CONNECTION_STATES), name="connection_state"
        ),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    name: Mapped[str] = mapped_column(String)
    set_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    connection_state: Mapped[str] = mapped_column(String, default="not_connected")
    connection_id: Mapped[str | None] = mapped_column(String, nullable=True)
    upstream_set_id: Mapped[str | None] = mapped_column(String, nullable=True)


class Drawing(Timestamps, Base):
    __tablename__ = "drawings"
    __table_args__ = (UniqueConstraint("area_id", "number"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    area_id: Mapped[str] = mapped_column(ForeignKey("drawing_areas.id"))
    number: Mapped[str] = mapped_column(String)
    title: Mapped[str] = mapped_column(String, default="")
    discipline: Mapped[str] = mapped_column(String)
    connection_id: Mapped[str | None] = mapped_column(String, nullable=True)
    upstream_drawing_id: Mapped[str | None] = mapped_column(String, nullable=True)


class StoredFile(Base):
    """One stored file, named by the SHA-256 of its bytes: the same bytes are kept once."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DrawingUpload(Timestamps, Base):
    """A batch import of uploaded files as new revisions (seed 002's drawing upload)."""

    __tablename__ = "drawing_uploads"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", DRAWING_UPLOAD_STATUSES), name="status"),
        Index("ix_drawing_uploads_status", "status"),  # the processing round's queue
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    area_id: Mapped[str] = mapped_column(ForeignKey("drawing_areas.id"))
    set_id: Mapped[str] = mapped_column(ForeignKey("drawing_sets.id"))
    status: Mapped[str] = mapped_column(String, default="in_queue")
    error_message: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String)
    # The replica processing it and until when: a crashed replica's claim runs out and
    # another one takes the upload over.
    claimed_by: Mapped[str | None] = mapped_column(String, nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class DrawingUploadImport(Base):
    """One file of a drawing upload, as requested, and what became of it.

    ``position`` is the file's index in the request's ``drawing_log_imports``: clients map
    revisions to files by it. ``revision_id`` is set once the revision exists (no foreign
    key: a revision deleted later is still named); ``failure_reason`` when this file failed.
    """

    __tablename__ = "drawing_upload_imports"

    drawing_upload_id: Mapped[str] = mapped_column(
        ForeignKey("drawing_uploads.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    upload_uuid: Mapped[str] = mapped_column(String)
    drawing_id: Mapped[str] = mapped_column(String)
    drawing_date: Mapped[date] = mapped_column(Date)
    received_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    revision_number: Mapped[str] = mapped_column(String, default="")
    revision_id: Mapped[str | None] = mapped_column(String, nullable=True)
    failure_reason: Mapped[str] = mapped_column(String, default="")
    failure_message: Mapped[str] = mapped_column(Text, default="")


class Upload(Base):
    """A direct upload: created with a signed policy, filled by the storage endpoint's POST."""

    __tablename__ = "uploads"

    uuid: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    response_filename: Mapped[str] = mapped_column(String)
    content_type: Mapped[str] = mapped_column(String)
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the file arrived (the storage endpoint's 204).
    file_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("stored_files.sha256"), nullable=True
    )
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Set when a drawing upload turned it into a revision: an upload is used once.
    drawing_upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("drawing_uploads.id"), nullable=True
    )


class DrawingRevision(Timestamps, Base):
    __tablename__ = "drawing_revisions"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", REVISION_STATUSES), name="status"),
        Index("ix_drawing_revisions_project_status", "project_id", "status"),
        Index("ix_drawing_revisions_drawing", "drawing_id"),
        Index("ix_drawing_revisions_set", "set_id"),
        # ListDrawingRevisions' copy filters, and finding a connection's copy of a revision.
        Index("ix_drawing_revisions_copies", "connection_id", "upstream_revision_id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"))
    drawing_id: Mapped[str] = mapped_column(ForeignKey("drawings.id"))
    set_id: Mapped[str] = mapped_column(ForeignKey("drawing_sets.id"))
    revision_number: Mapped[str] = mapped_column(String, default="")
    drawing_date: Mapped[date] = mapped_column(Date)
    # The revision's place among its drawing's revisions: 1, 2, ... in upload order. A copy
    # keeps its upstream's (R17), so both sides list a drawing's revisions alike.
    drawing_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    received_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    file_name: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String, default="unpublished")
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The drawing's current revision (one per drawing among published ones).
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    drawing_upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("drawing_uploads.id"), nullable=True
    )
    connection_id: Mapped[str | None] = mapped_column(String, nullable=True)
    upstream_revision_id: Mapped[str | None] = mapped_column(String, nullable=True)


class Markup(Base):
    __tablename__ = "markups"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    revision_id: Mapped[str] = mapped_column(ForeignKey("drawing_revisions.id"), index=True)
    author_user_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    data: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CustomField(Base):
    __tablename__ = "custom_fields"

    revision_id: Mapped[str] = mapped_column(ForeignKey("drawing_revisions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ProjectChange(Base):
    """One entry of a project's ordered change feed: what a connection must carry."""

    __tablename__ = "project_changes"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project_facts.project_id"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    # The serialized connectability.v1.ProjectChange as readers receive it.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConnectionCursor(Timestamps, Base):
    """How far a connection's copies follow its upstream feed: the exactly-once key (R19).

    Written in the same transaction as the initial copy and as every apply, so a change is
    applied if and only if the cursor says so. A disconnected connection keeps its row with
    ``disconnected_at`` set, and nothing more is copied or applied for it (R21).
    """

    __tablename__ = "connection_cursors"

    connection_id: Mapped[str] = mapped_column(String, primary_key=True)
    # Unknown (None) only when the disconnect was recorded before any copy.
    upstream_project_id: Mapped[str | None] = mapped_column(
        ForeignKey("project_facts.project_id"), nullable=True
    )
    downstream_project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"))
    # The highest upstream feed sequence contained downstream.
    applied_through_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
