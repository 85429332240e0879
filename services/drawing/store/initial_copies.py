"""The initial copy of a connection, stored: four set-based ``INSERT … SELECT`` statements.

Not one round trip per revision: a copy's id is ``<connection id>-<upstream id>``, so each
statement maps upstream rows to their downstream mirrors by itself, and a copy that exists
already is skipped (``ON CONFLICT DO NOTHING``). Files are shared by content (R18): a copy
points at the same SHA-256.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.orm import Session

from services.drawing.domain.copying import (
    COPIED_STATUS,
    UNPUBLISHED_COPY,
    mirror_id,
)
from services.drawing.domain.revision_states import SetConnectionState
from services.drawing.store.models import Drawing, DrawingArea, DrawingRevision, DrawingSet
from shared.persistence.db import utcnow
from shared.persistence.upsert import INSERT_BY_DIALECT


def copy_id(connection_id: str, upstream_column: Any) -> Any:
    """``mirror_id`` as a SQL expression over the upstream row's id."""
    return literal(mirror_id(connection_id, "")) + upstream_column


def _taken(upstream_project_id: str) -> Select[Any]:
    """The upstream revisions the initial copy takes (``taken_by_initial_copy``)."""
    return select(DrawingRevision).where(
        DrawingRevision.project_id == upstream_project_id,
        DrawingRevision.status == COPIED_STATUS,
        DrawingRevision.withdrawn.is_(False),
    )


class InitialCopies:
    def __init__(self, session: Session) -> None:
        self._session = session

    def held(self, connection_id: str, downstream_project_id: str) -> int:
        """The revision copies the connection holds downstream."""
        copies = self._session.scalar(
            select(func.count())
            .select_from(DrawingRevision)
            .where(
                DrawingRevision.project_id == downstream_project_id,
                DrawingRevision.connection_id == connection_id,
            )
        )
        return int(copies or 0)

    def copy(
        self, connection_id: str, upstream_project_id: str, downstream_project_id: str
    ) -> None:
        """Copy every revision the initial copy takes, with its drawing, set and area;
        copies that exist already are skipped."""
        session = self._session
        insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
        now = utcnow()
        published = _taken(upstream_project_id).subquery()
        drawings_used = select(Drawing).where(Drawing.id.in_(select(published.c.drawing_id)))
        areas_used = select(DrawingArea).where(
            DrawingArea.id.in_(select(drawings_used.subquery().c.area_id))
        )
        sets_used = select(DrawingSet).where(DrawingSet.id.in_(select(published.c.set_id)))

        def run(model: Any, columns: dict[str, Any], source: Select[Any]) -> None:
            copied = source.with_only_columns(*columns.values())
            session.execute(
                insert(model).from_select(list(columns), copied).on_conflict_do_nothing()
            )

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
                "connection_state": literal(SetConnectionState.CONNECTED.value),
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
                # Waiting for the downstream's review, as every copy starts.
                **{field: literal(value) for field, value in UNPUBLISHED_COPY.items()},
                "connection_id": literal(connection_id),
                "upstream_revision_id": published.c.id,
                "created_at": literal(now, DrawingRevision.created_at.type),
                "updated_at": literal(now, DrawingRevision.updated_at.type),
            },
            select(published).where(true()),
        )
