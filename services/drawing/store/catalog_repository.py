"""The stored drawing areas, sets and drawings of a project, and the lookups their rules need."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.drawing.store.models import Base, Drawing, DrawingArea, DrawingSet, ProjectFacts
from shared.persistence.db import RecordConflict, RecordNotFound
from shared.persistence.paging import SortKey, ascending, descending, fetch_page

RowT = TypeVar("RowT", bound=Base)
ProjectRowT = TypeVar("ProjectRowT", DrawingArea, DrawingSet)


def existing(session: Session, model: type[RowT], kind: str, record_id: str) -> RowT:
    row = session.get(model, record_id) if record_id else None
    if row is None:
        raise RecordNotFound(kind, record_id)
    return row


class CatalogRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, row: DrawingArea | DrawingSet | Drawing) -> None:
        self._session.add(row)

    # Areas

    def lock_project(self, project_id: str) -> None:
        """Lock the project's facts row (PostgreSQL), so that two concurrent creates of one
        area name cannot both pass; SQLite has a single writer anyway."""
        self._session.execute(
            select(ProjectFacts.project_id)
            .where(ProjectFacts.project_id == project_id)
            .with_for_update()
        )

    def area_names(self, project_id: str) -> list[tuple[str, str]]:
        """(id, name) of every area of the project, connected copies included."""
        others = select(DrawingArea.id, DrawingArea.name).where(
            DrawingArea.project_id == project_id
        )
        return [(area_id, name) for area_id, name in self._session.execute(others)]

    def list_areas(
        self, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingArea], str]:
        order = (ascending(DrawingArea.name_sort_key), ascending(DrawingArea.id))
        return self._list_of_project(DrawingArea, order, project_id, page_size, page_token)

    # Sets

    def list_sets(
        self, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingSet], str]:
        # Sets without a date come last (as if dated on the first day of year 1).
        order = (
            descending(func.coalesce(DrawingSet.set_date, date.min)),
            ascending(DrawingSet.id),
        )
        return self._list_of_project(DrawingSet, order, project_id, page_size, page_token)

    # Drawings

    def require_unused_number(self, area_id: str, number: str) -> None:
        """Drawing numbers are unique within their area, compared exactly."""
        taken = select(Drawing.id).where(Drawing.area_id == area_id, Drawing.number == number)
        if self._session.scalar(taken) is not None:
            raise RecordConflict("drawing", number, "number")

    def flush_or_number_taken(self, number: str) -> None:
        try:
            self._session.flush()
        except IntegrityError as error:  # a concurrent twin took the number meanwhile
            raise RecordConflict("drawing", number, "number") from error

    def list_drawings(
        self, area_id: str, page_size: int, page_token: str
    ) -> tuple[list[Drawing], str]:
        return fetch_page(
            self._session,
            select(Drawing).where(Drawing.area_id == area_id),
            (ascending(Drawing.number), ascending(Drawing.id)),
            page_size=page_size,
            page_token=page_token,
            filters={"area_id": area_id},
        )

    def _list_of_project(
        self,
        model: type[ProjectRowT],
        order: tuple[SortKey, ...],
        project_id: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[ProjectRowT], str]:
        return fetch_page(
            self._session,
            select(model).where(model.project_id == project_id),
            order,
            page_size=page_size,
            page_token=page_token,
            filters={"project_id": project_id},
        )
