"""Drawing areas, sets and drawings: create, read, list, edit (R26 levels; R17 for copies).

The fields a caller sends are checked only once the caller may act (``checked`` readers
run after the access check), so a caller who may not see a project learns nothing from
how a request about it is refused (R27).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from services.drawing.domain.drawings_access import ADMIN, READ_ONLY, STANDARD, hidden
from services.drawing.store.models import Drawing, DrawingArea, DrawingSet
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from services.drawing.use_cases.catalog_steps import Catalog
from shared.facts.identity import Principal

Changes = Callable[[], Mapping[str, object]]


@dataclass(frozen=True)
class AreaFields:
    name: str
    description: str


@dataclass(frozen=True)
class SetFields:
    name: str
    set_date: date | None


@dataclass(frozen=True)
class DrawingFields:
    number: str
    title: str
    discipline: str


@dataclass(frozen=True)
class Edit:
    """An update: the record, the etag it was read at ("" = blind), its checked changes."""

    record_id: str
    etag: str
    changes: Changes


class CatalogUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork], catalog: Catalog) -> None:
        self._uow = uow
        self._catalog = catalog

    # Areas

    def create_area(
        self, caller: Principal, project_id: str, checked: Callable[[], AreaFields]
    ) -> DrawingArea:
        with self._uow() as uow:
            access.require_to_change(uow, caller, project_id, ADMIN)
            fields = checked()
            return self._catalog.create_area(
                uow.session, project_id, fields.name, fields.description
            )

    def get_area(self, caller: Principal, area_id: str) -> DrawingArea:
        with self._uow() as uow:
            return access.visible(uow, caller, "drawing_area", area_id, uow.catalog.area)

    def list_areas(
        self, caller: Principal, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingArea], str]:
        with self._uow() as uow:
            access.require(uow, caller, project_id, READ_ONLY)
            return self._catalog.list_areas(uow.session, project_id, page_size, page_token)

    def update_area(self, caller: Principal, edit: Edit) -> DrawingArea:
        with self._uow() as uow:
            self._editable(uow, caller, "drawing_area", edit.record_id, uow.catalog.area)
            changes = edit.changes()
            area = uow.catalog.locked(DrawingArea, "drawing_area", edit.record_id, edit.etag)
            return self._catalog.update_area(uow.session, area, changes)

    # Sets

    def create_set(
        self, caller: Principal, project_id: str, checked: Callable[[], SetFields]
    ) -> DrawingSet:
        with self._uow() as uow:
            access.require_to_change(uow, caller, project_id, ADMIN)
            fields = checked()
            return self._catalog.create_set(uow.session, project_id, fields.name, fields.set_date)

    def list_sets(
        self, caller: Principal, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingSet], str]:
        with self._uow() as uow:
            access.require(uow, caller, project_id, READ_ONLY)
            return self._catalog.list_sets(uow.session, project_id, page_size, page_token)

    def update_set(self, caller: Principal, edit: Edit) -> DrawingSet:
        with self._uow() as uow:
            self._editable(uow, caller, "drawing_set", edit.record_id, uow.catalog.drawing_set)
            changes = edit.changes()
            drawing_set = uow.catalog.locked(DrawingSet, "drawing_set", edit.record_id, edit.etag)
            return self._catalog.update_set(uow.session, drawing_set, changes)

    # Drawings

    def create_drawing(
        self,
        caller: Principal,
        area_id: str,
        project_id: str,
        checked: Callable[[], DrawingFields],
    ) -> Drawing:
        """``project_id`` may be empty; if set, it must be the area's project."""
        with self._uow() as uow:
            area = access.visible(uow, caller, "drawing_area", area_id, uow.catalog.area)
            if project_id and project_id != area.project_id:
                raise hidden("drawing_area", area_id)  # an area of another project
            # Creating a drawing is the first step of uploading one (seed 002): standard may.
            access.require_to_change(
                uow, caller, area.project_id, STANDARD, ("drawing_area", area.id)
            )
            fields = checked()
            return self._catalog.create_drawing(
                uow.session, area, fields.number, fields.title, fields.discipline
            )

    def get_drawing(self, caller: Principal, drawing_id: str) -> Drawing:
        with self._uow() as uow:
            return access.visible(uow, caller, "drawing", drawing_id, uow.catalog.drawing)

    def list_drawings(
        self, caller: Principal, area_id: str, page_size: int, page_token: str
    ) -> tuple[list[Drawing], str]:
        with self._uow() as uow:
            area = access.visible(uow, caller, "drawing_area", area_id, uow.catalog.area)
            return self._catalog.list_drawings(uow.session, area.id, page_size, page_token)

    def update_drawing(self, caller: Principal, edit: Edit) -> Drawing:
        with self._uow() as uow:
            self._editable(uow, caller, "drawing", edit.record_id, uow.catalog.drawing)
            changes = edit.changes()
            drawing = uow.catalog.locked(Drawing, "drawing", edit.record_id, edit.etag)
            return self._catalog.update_drawing(uow.session, drawing, changes)

    @staticmethod
    def _editable(
        uow: DrawingUnitOfWork,
        caller: Principal,
        kind: str,
        record_id: str,
        find: Callable[[str], DrawingArea | DrawingSet | Drawing | None],
    ) -> None:
        known = access.visible(uow, caller, kind, record_id, find)
        access.require_to_change(uow, caller, known.project_id, ADMIN, (kind, record_id))
