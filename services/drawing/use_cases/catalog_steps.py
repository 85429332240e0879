"""Drawing areas, sets and drawings of a project (inside the caller's transaction).

Edits that a connection must carry downstream (R15) are appended to the project's change
feed in the same transaction. Connected copies are read-only downstream (R17). The rules
are ``domain/catalog_rules.py``'s; the queries ``store/catalog_repository.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import catalog_rules
from services.drawing.domain.revision_states import SetConnectionState
from services.drawing.store import resource_messages as messages
from services.drawing.store.catalog_repository import CatalogRepository, existing
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.models import Drawing, DrawingArea, DrawingSet
from shared.persistence.db import RecordConflict, new_id, utcnow

__all__ = ["Catalog", "apply_changes", "existing", "require_unused_area_name"]


def require_unused_area_name(
    session: Session, project_id: str, name: str, renamed_id: str | None = None
) -> None:
    """Refuse a name another area of the project has, compared casefolded.

    The project's facts row is locked first, so that two concurrent creates of one name
    cannot both pass.
    """
    stored = CatalogRepository(session)
    stored.lock_project(project_id)
    if catalog_rules.area_name_taken(name, stored.area_names(project_id), renamed_id):
        raise RecordConflict("drawing_area", name, "name")


def apply_changes(row: Any, changes: Mapping[str, object]) -> bool:
    """Set the changed fields; True when anything actually changed."""
    return catalog_rules.apply_changes(row, changes, utcnow())


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
        CatalogRepository(session).add(area)
        session.flush()
        return area

    def list_areas(
        self, session: Session, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingArea], str]:
        return CatalogRepository(session).list_areas(project_id, page_size, page_token)

    def update_area(
        self, session: Session, area: DrawingArea, changes: Mapping[str, object]
    ) -> DrawingArea:
        catalog_rules.require_editable_area(area)
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
            connection_state=SetConnectionState.NOT_CONNECTED.value,
            created_at=now,
            updated_at=now,
        )
        CatalogRepository(session).add(drawing_set)
        session.flush()
        return drawing_set

    def list_sets(
        self, session: Session, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingSet], str]:
        return CatalogRepository(session).list_sets(project_id, page_size, page_token)

    def update_set(
        self, session: Session, drawing_set: DrawingSet, changes: Mapping[str, object]
    ) -> DrawingSet:
        catalog_rules.require_editable_set(drawing_set)
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
        catalog_rules.require_area_takes_drawings(area)
        stored = CatalogRepository(session)
        stored.require_unused_number(area.id, number)
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
        stored.add(drawing)
        stored.flush_or_number_taken(number)
        return drawing

    def list_drawings(
        self, session: Session, area_id: str, page_size: int, page_token: str
    ) -> tuple[list[Drawing], str]:
        return CatalogRepository(session).list_drawings(area_id, page_size, page_token)

    def update_drawing(
        self, session: Session, drawing: Drawing, changes: Mapping[str, object]
    ) -> Drawing:
        catalog_rules.require_editable_drawing(drawing)
        stored = CatalogRepository(session)
        if catalog_rules.renumbers(drawing, changes):
            stored.require_unused_number(drawing.area_id, str(changes["number"]))
        if apply_changes(drawing, changes):
            stored.flush_or_number_taken(drawing.number)
            self._feed.append(
                session,
                drawing.project_id,
                pb.ProjectChange(
                    kind=pb.PROJECT_CHANGE_KIND_DRAWING_EDITED,
                    drawing=messages.drawing_message(drawing),
                ),
            )
        return drawing
