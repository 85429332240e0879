"""The initial copy of a connection (R14): every published upstream revision, with its
drawing, set and area, copied into the downstream project in one transaction.

It is four set-based ``INSERT … SELECT`` statements, not one round trip per revision: a
copy's id is ``<connection id>-<upstream id>``, so each statement can map upstream rows to
their downstream mirrors by itself, and a copy that exists already is skipped (``ON
CONFLICT DO NOTHING``). Files are shared by content (R18): a copy points at the same SHA-256.

The connection's cursor is written in the same transaction, at the snapshot's feed
position. The copy is all or nothing, so a cursor means it committed: a repeat copies
nothing again and answers the cursor's position (R19).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.orm import Session

from services.drawing.connection_cursors import (
    lock_downstream,
    locked_cursor,
    require_connected,
    require_same_projects,
    start_cursor,
)
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    ProjectFacts,
)
from shared.persistence.db import utcnow
from shared.persistence.upsert import INSERT_BY_DIALECT


def mirror_id(connection_id: str, upstream_id: str) -> str:
    """The id of the copy of an upstream row (area, set, drawing or revision)."""
    return f"{connection_id}-{upstream_id}"


def copy_id(connection_id: str, upstream_column: Any) -> Any:
    """``mirror_id`` as a SQL expression over the upstream row's id."""
    return literal(mirror_id(connection_id, "")) + upstream_column


def _published(upstream_project_id: str) -> Select[Any]:
    return select(DrawingRevision).where(
        DrawingRevision.project_id == upstream_project_id,
        DrawingRevision.status == "published",
        DrawingRevision.withdrawn.is_(False),
    )


def copy_published_revisions(
    session: Session, connection_id: str, upstream_project_id: str, downstream_project_id: str
) -> tuple[int, int]:
    """(the upstream feed position the copy reflects, copies the downstream now holds)."""
    # Lock the upstream's feed head: no publication can slip between the snapshot and the
    # position returned, so following the feed from there misses nothing. Taken before the
    # cursor, so a twin copy waits here and then finds the cursor this one wrote.
    snapshot = session.scalars(
        select(ProjectFacts.last_change_sequence)
        .where(ProjectFacts.project_id == upstream_project_id)
        .with_for_update()
    ).one()
    lock_downstream(session, downstream_project_id)
    cursor = locked_cursor(session, connection_id)
    if cursor is not None:
        require_connected(cursor)
        require_same_projects(cursor, upstream_project_id, downstream_project_id)
        position = cursor.applied_through_sequence
    else:
        _copy(session, connection_id, upstream_project_id, downstream_project_id)
        start_cursor(session, connection_id, upstream_project_id, downstream_project_id, snapshot)
        position = snapshot
    return int(position), _copies_held(session, connection_id, downstream_project_id)


def _copies_held(session: Session, connection_id: str, downstream_project_id: str) -> int:
    copies = session.scalar(
        select(func.count())
        .select_from(DrawingRevision)
        .where(
            DrawingRevision.project_id == downstream_project_id,
            DrawingRevision.connection_id == connection_id,
        )
    )
    return int(copies or 0)


def _copy(
    session: Session, connection_id: str, upstream_project_id: str, downstream_project_id: str
) -> None:
    insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
    now = utcnow()
    published = _published(upstream_project_id).subquery()
    drawings_used = select(Drawing).where(Drawing.id.in_(select(published.c.drawing_id)))
    areas_used = select(DrawingArea).where(
        DrawingArea.id.in_(select(drawings_used.subquery().c.area_id))
    )
    sets_used = select(DrawingSet).where(DrawingSet.id.in_(select(published.c.set_id)))

    def run(model: Any, columns: dict[str, Any], source: Select[Any]) -> None:
        copied = source.with_only_columns(*columns.values())
        session.execute(insert(model).from_select(list(columns), copied).on_conflict_do_nothing())

    area = areas_used.subquery()
    run(
        DrawingArea,
        {
            "id": copy_id(connection_id, area.c.id),
            "project_id": literal(downstream_project_id),
            "name": area.c.name,
            # Bulk inserts skip the model's validator: carry the key along with the name.
            "name_sort_key": area.c.name_sort_key,
            "description": area.c.description,
            "connection_id": literal(connection_id),
            "upstream_area_id": area.c.id,
            "created_at": literal(now, DrawingArea.created_at.type),
            "updated_at": literal(now, DrawingArea.updated_at.type),
        },
        select(area).where(true()),
    )
    drawing_set = sets_used.subquery()
    run(
        DrawingSet,
        {
            "id": copy_id(connection_id, drawing_set.c.id),
            "project_id": literal(downstream_project_id),
            "name": drawing_set.c.name,
            "set_date": drawing_set.c.set_date,
            "connection_state": literal("connected"),
            "connection_id": literal(connection_id),
            "upstream_set_id": drawing_set.c.id,
            "created_at": literal(now, DrawingSet.created_at.type),
            "updated_at": literal(now, DrawingSet.updated_at.type),
        },
        select(drawing_set).where(true()),
    )
    drawing = drawings_used.subquery()
    run(
        Drawing,
        {
            "id": copy_id(connection_id, drawing.c.id),
            "project_id": literal(downstream_project_id),
            "area_id": copy_id(connection_id, drawing.c.area_id),
            "number": drawing.c.number,
            "title": drawing.c.title,
            "discipline": drawing.c.discipline,
            "connection_id": literal(connection_id),
            "upstream_drawing_id": drawing.c.id,
            "created_at": literal(now, Drawing.created_at.type),
            "updated_at": literal(now, Drawing.updated_at.type),
        },
        select(drawing).where(true()),
    )
    run(
        DrawingRevision,
        {
            "id": copy_id(connection_id, published.c.id),
            "project_id": literal(downstream_project_id),
            "drawing_id": copy_id(connection_id, published.c.drawing_id),
            "set_id": copy_id(connection_id, published.c.set_id),
            "revision_number": published.c.revision_number,
            "drawing_date": published.c.drawing_date,
            "drawing_sequence": published.c.drawing_sequence,  # the upstream's order (R17)
            "received_date": published.c.received_date,
            "file_sha256": published.c.file_sha256,
            "file_name": published.c.file_name,
            "status": literal("unpublished"),
            "reviewed": literal(False),
            "current": literal(False),
            "withdrawn": literal(False),
            "connection_id": literal(connection_id),
            "upstream_revision_id": published.c.id,
            "created_at": literal(now, DrawingRevision.created_at.type),
            "updated_at": literal(now, DrawingRevision.updated_at.type),
        },
        select(published).where(true()),
    )
