"""Drawing areas, sets and drawings of a project (SQLAlchemy, inside the caller's transaction).

Edits that a connection must carry downstream (R15) are appended to the project's change
feed in the same transaction. Connected copies are read-only downstream (R17).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.api import drawing_messages as messages
from services.drawing.change_feed import ChangeFeed
from services.drawing.store.models import Base, Drawing, DrawingArea, DrawingSet, ProjectFacts
from shared.facts.errors import ErrorReason, FailedPrecondition
from shared.persistence.db import RecordConflict, RecordNotFound, new_id, utcnow
from shared.persistence.paging import SortKey, ascending, descending, fetch_page

RowT = TypeVar("RowT", bound=Base)


def existing(session: Session, model: type[RowT], kind: str, record_id: str) -> RowT:
    row = session.get(model, record_id) if record_id else None
    if row is None:
        raise RecordNotFound(kind, record_id)
    return row


def _refuse_if_connected(connected: bool, what: str) -> None:
    if connected:
        raise FailedPrecondition(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            f"This {what} is a connected copy: it follows its upstream project and cannot be "
            "edited here.",
        )


def require_unused_area_name(
    session: Session, project_id: str, name: str, renamed_id: str | None = None
) -> None:
    """Refuse a name another area of the project has, compared casefolded.

    Every area counts, connected copies included, so that no two areas of a project read
    alike. Copies themselves are written by the sync engine, not here: a copy keeps its
    upstream area's name even when a local area of the project has it already. The
    project's facts row is locked first (PostgreSQL) so that two concurrent creates of one
    name cannot both pass; SQLite has a single writer anyway.
    """
    session.execute(
        select(ProjectFacts.project_id)
        .where(ProjectFacts.project_id == project_id)
        .with_for_update()
    )
    wanted = name.casefold()
    others = select(DrawingArea.id, DrawingArea.name).where(DrawingArea.project_id == project_id)
    for area_id, taken in session.execute(others):
        if area_id != renamed_id and taken.casefold() == wanted:
            raise RecordConflict("drawing_area", name, "name")


def apply_changes(row: Any, changes: Mapping[str, object]) -> bool:
    """Set the changed fields; True when anything actually changed."""
    changed = False
    for field, value in changes.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


ProjectRowT = TypeVar("ProjectRowT", DrawingArea, DrawingSet)


def _list_of_project(
    session: Session,
    model: type[ProjectRowT],
    order: tuple[SortKey, ...],
    project_id: str,
    page_size: int,
    page_token: str,
) -> tuple[list[ProjectRowT], str]:
    return fetch_page(
        session,
        select(model).where(model.project_id == project_id),
        order,
        page_size=page_size,
        page_token=page_token,
        filters={"project_id": project_id},
    )


class Catalog:
    def __init__(self, feed: ChangeFeed):
        self._feed = feed

    # Areas

    def create_area(
        self, session: Session, project_id: str, name: str, description: str
    ) -> DrawingArea:
        require_unused_area_name(session, project_id, name)
        now = utcnow()
        area = DrawingArea(
            id=new_id(),
            project_id=project_id,
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
        )
        session.add(area)
        session.flush()
        return area

    def list_areas(
        self, session: Session, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingArea], str]:
        order = (ascending(DrawingArea.name_sort_key), ascending(DrawingArea.id))
        return _list_of_project(session, DrawingArea, order, project_id, page_size, page_token)

    def update_area(
        self, session: Session, area: DrawingArea, changes: Mapping[str, object]
    ) -> DrawingArea:
        _refuse_if_connected(area.connection_id is not None, "drawing area")
        if "name" in changes:
            require_unused_area_name(session, area.project_id, str(changes["name"]), area.id)
        if apply_changes(area, changes):
            session.flush()
            self._feed.append(
                session,
                area.project_id,
                pb.ProjectChange(
                    kind=pb.PROJECT_CHANGE_KIND_AREA_EDITED,
                    drawing_area=messages.area_message(area),
                ),
            )
        return area

    # Sets

    def create_set(
        self, session: Session, project_id: str, name: str, set_date: date | None
    ) -> DrawingSet:
        now = utcnow()
        drawing_set = DrawingSet(
            id=new_id(),
            project_id=project_id,
            name=name,
            set_date=set_date,
            connection_state="not_connected",
            created_at=now,
            updated_at=now,
        )
        session.add(drawing_set)
        session.flush()
        return drawing_set

    def list_sets(
        self, session: Session, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingSet], str]:
        # Sets without a date come last (as if dated on the first day of year 1).
        order = (
            descending(func.coalesce(DrawingSet.set_date, date.min)),
            ascending(DrawingSet.id),
        )
        return _list_of_project(session, DrawingSet, order, project_id, page_size, page_token)

    def update_set(
        self, session: Session, drawing_set: DrawingSet, changes: Mapping[str, object]
    ) -> DrawingSet:
        _refuse_if_connected(drawing_set.connection_state != "not_connected", "drawing set")
        if apply_changes(drawing_set, changes):
            session.flush()
            self._feed.append(
                session,
                drawing_set.project_id,
                pb.ProjectChange(
                    kind=pb.PROJECT_CHANGE_KIND_SET_EDITED,
                    drawing_set=messages.set_message(drawing_set),
                ),
            )
        return drawing_set

    # Drawings

    def create_drawing(
        self, session: Session, area: DrawingArea, number: str, title: str, discipline: str
    ) -> Drawing:
        _refuse_if_connected(area.connection_id is not None, "drawing area")
        self._require_unused_number(session, area.id, number)
        now = utcnow()
        drawing = Drawing(
            id=new_id(),
            project_id=area.project_id,
            area_id=area.id,
            number=number,
            title=title,
            discipline=discipline,
            created_at=now,
            updated_at=now,
        )
        session.add(drawing)
        self._flush_or_number_taken(session, number)
        return drawing

    def list_drawings(
        self, session: Session, area_id: str, page_size: int, page_token: str
    ) -> tuple[list[Drawing], str]:
        return fetch_page(
            session,
            select(Drawing).where(Drawing.area_id == area_id),
            (ascending(Drawing.number), ascending(Drawing.id)),
            page_size=page_size,
            page_token=page_token,
            filters={"area_id": area_id},
        )

    def update_drawing(
        self, session: Session, drawing: Drawing, changes: Mapping[str, object]
    ) -> Drawing:
        _refuse_if_connected(drawing.connection_id is not None, "drawing")
        if "number" in changes and changes["number"] != drawing.number:
            self._require_unused_number(session, drawing.area_id, str(changes["number"]))
        if apply_changes(drawing, changes):
            self._flush_or_number_taken(session, drawing.number)
            self._feed.append(
                session,
                drawing.project_id,
                pb.ProjectChange(
                    kind=pb.PROJECT_CHANGE_KIND_DRAWING_EDITED,
                    drawing=messages.drawing_message(drawing),
                ),
            )
        return drawing

    @staticmethod
    def _require_unused_number(session: Session, area_id: str, number: str) -> None:
        taken = select(Drawing.id).where(Drawing.area_id == area_id, Drawing.number == number)
        if session.scalar(taken) is not None:
            raise RecordConflict("drawing", number, "number")

    @staticmethod
    def _flush_or_number_taken(session: Session, number: str) -> None:
        try:
            session.flush()
        except IntegrityError as error:  # a concurrent twin took the number meanwhile
            raise RecordConflict("drawing", number, "number") from error
