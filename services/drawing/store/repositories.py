"""The drawing service's repositories: one per aggregate, each over a unit of work's session.

Reads by id answer None for a missing record, and run no statement for an empty id (no
record has one): access checks then decide what the caller is told.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.drawing.store import models, revision_reads
from services.drawing.store.models import (
    CustomField,
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    Markup,
)
from shared.facts.permission_levels import NO_ACCESS
from shared.facts.project_facts import ProjectFacts
from shared.persistence.core_reads import read_rows
from shared.persistence.etags import locked_at_etag
from shared.persistence.paging import ascending, fetch_page
from shared.persistence.project_facts_registry import FACT_COLUMNS, facts_of

RowT = TypeVar("RowT")


def _by_id(session: Session, model: type[RowT], record_id: str) -> RowT | None:
    return session.get(model, record_id) if record_id else None


# Every call's access check reads them: the statements are built once. A person's check
# reads their grant level in the same statement (one round trip, not two).
_FACTS = select(*(getattr(models.ProjectFacts, name).label(name) for name in FACT_COLUMNS)).where(
    models.ProjectFacts.project_id == bindparam("project_id")
)
_LEVEL = (
    select(models.DrawingsGrant.level)
    .where(
        models.DrawingsGrant.project_id == bindparam("project_id"),
        models.DrawingsGrant.user_id == bindparam("user_id"),
    )
    .scalar_subquery()
)
_FACTS_AND_LEVEL = _FACTS.add_columns(_LEVEL.label("level_"))


class ProjectFactsRecords:
    """The facts of the projects this service was told about."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, project_id: str) -> ProjectFacts | None:
        known = read_rows(self._session, _FACTS, {"project_id": project_id}).first()
        return facts_of(known) if known is not None else None

    def with_level_of(self, project_id: str, user_id: str) -> tuple[ProjectFacts | None, str]:
        """The project's facts (None if unknown) and the user's Drawings level on it
        (``none`` when nothing was granted, or the project is unknown)."""
        parameters = {"project_id": project_id, "user_id": user_id}
        known = read_rows(self._session, _FACTS_AND_LEVEL, parameters).first()
        if known is None:
            return None, NO_ACCESS
        return facts_of(known), str(known.level_) if known.level_ is not None else NO_ACCESS


class CatalogRecords:
    """Drawing areas, sets and drawings."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def area(self, area_id: str) -> DrawingArea | None:
        return _by_id(self._session, DrawingArea, area_id)

    def drawing_set(self, set_id: str) -> DrawingSet | None:
        return _by_id(self._session, DrawingSet, set_id)

    def drawing(self, drawing_id: str) -> Drawing | None:
        return _by_id(self._session, Drawing, drawing_id)

    def locked(self, model: type[RowT], kind: str, record_id: str, etag: str) -> RowT:
        """The row locked for an update, refused when ``etag`` is set and stale."""
        return locked_at_etag(self._session, model, kind, record_id, etag)


@dataclass(frozen=True)
class RevisionFilter:
    """What ListDrawingRevisions narrows a project's revisions to ("" = any)."""

    project_id: str
    area_id: str = ""
    set_id: str = ""
    drawing_id: str = ""
    connection_id: str = ""
    upstream_revision_id: str = ""
    status: str = ""


class RevisionRecords:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, revision_id: str) -> DrawingRevision | None:
        return _by_id(self._session, DrawingRevision, revision_id)

    def locked(self, revision_id: str, etag: str) -> DrawingRevision:
        return locked_at_etag(self._session, DrawingRevision, "revision", revision_id, etag)

    def stored_file(self, sha256: str) -> models.StoredFile | None:
        return self._session.get(models.StoredFile, sha256)

    def page_rows(
        self, wanted: RevisionFilter, page_size: int, page_token: str
    ) -> tuple[list[Row[Any]], str]:
        """A page of the wanted revisions, as rows ``revision_reads.message_of`` answers."""
        filters = {
            "project": wanted.project_id,
            "area": wanted.area_id,
            "set": wanted.set_id,
            "drawing": wanted.drawing_id,
            "status": wanted.status,
        }
        # The copy filters join the digest only when set, so tokens issued before they
        # existed stay valid; a set one still binds the token to its value.
        if wanted.connection_id:
            filters["connection"] = wanted.connection_id
        if wanted.upstream_revision_id:
            filters["upstream_revision"] = wanted.upstream_revision_id
        # The filters set name the statement (built once per combination) and bind it;
        # the project always filters, even an empty id.
        given = {name: value for name, value in asdict(wanted).items() if value}
        given["project_id"] = wanted.project_id
        return revision_reads.page_of(frozenset(given)).page(
            self._session, given, page_size=page_size, page_token=page_token, filters=filters
        )


class UploadRecords:
    """Direct uploads (a file each) and drawing uploads (files imported as revisions)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_upload(self, upload: models.Upload) -> None:
        self._session.add(upload)
        self._session.flush()

    def drawing_upload(self, drawing_upload_id: str) -> models.DrawingUpload | None:
        return _by_id(self._session, models.DrawingUpload, drawing_upload_id)

    def imports_of(self, batch: models.DrawingUpload) -> list[models.DrawingUploadImport]:
        """The upload's imports in the request's order (clients map revisions by position)."""
        return list(
            self._session.scalars(
                select(models.DrawingUploadImport)
                .where(models.DrawingUploadImport.drawing_upload_id == batch.id)
                .order_by(models.DrawingUploadImport.position)
            )
        )


class AnnotationRecords:
    """What a project adds to a revision: markups and custom fields (never copied, R16)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_markup(self, markup: Markup) -> Markup:
        self._session.add(markup)
        self._session.flush()
        return markup

    def markups(
        self, revision_id: str, page_size: int, page_token: str
    ) -> tuple[list[Markup], str]:
        return self._page_of(
            Markup,
            revision_id,
            (ascending(Markup.created_at), ascending(Markup.id)),
            page_size,
            page_token,
        )

    def set_custom_field(self, revision_id: str, name: str, value: str) -> None:
        """An empty value removes the field."""
        self._session.execute(
            delete(CustomField).where(
                CustomField.revision_id == revision_id, CustomField.name == name
            )
        )
        if value:
            self._session.add(CustomField(revision_id=revision_id, name=name, value=value))
        self._session.flush()

    def custom_fields(
        self, revision_id: str, page_size: int, page_token: str
    ) -> tuple[list[CustomField], str]:
        return self._page_of(
            CustomField, revision_id, (ascending(CustomField.name),), page_size, page_token
        )

    def _page_of(
        self, model: Any, revision_id: str, order: Any, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        return fetch_page(
            self._session,
            select(model).where(model.revision_id == revision_id),
            order,
            page_size=page_size,
            page_token=page_token,
            filters={"revision_id": revision_id},
        )
