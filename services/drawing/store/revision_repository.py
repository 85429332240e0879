"""The stored drawing revisions, and what importing and publishing them look up."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.store import models
from services.drawing.store.catalog_repository import existing


class RevisionRepository:
    def __init__(self, session: Session):
        self._session = session

    def get(self, revision_id: str) -> models.DrawingRevision | None:
        return self._session.get(models.DrawingRevision, revision_id)

    def existing(self, revision_id: str) -> models.DrawingRevision:
        return existing(self._session, models.DrawingRevision, "revision", revision_id)

    def add(
        self, row: models.DrawingRevision | models.DrawingUpload | models.DrawingUploadImport
    ) -> None:
        self._session.add(row)

    def published_of(self, drawing_id: str) -> list[models.DrawingRevision]:
        return list(
            self._session.scalars(
                select(models.DrawingRevision).where(
                    models.DrawingRevision.drawing_id == drawing_id,
                    models.DrawingRevision.status == RevisionStatus.PUBLISHED.value,
                )
            )
        )

    def published_of_many(self, drawing_ids: Collection[str]) -> list[models.DrawingRevision]:
        """``published_of`` for many drawings, one query per 1,000 of them."""
        ids = sorted(drawing_ids)
        found: list[models.DrawingRevision] = []
        for start in range(0, len(ids), 1000):
            found.extend(
                self._session.scalars(
                    select(models.DrawingRevision).where(
                        models.DrawingRevision.drawing_id.in_(ids[start : start + 1000]),
                        models.DrawingRevision.status == RevisionStatus.PUBLISHED.value,
                    )
                )
            )
        return found

    def awaiting_publication(self, set_id: str) -> list[models.DrawingRevision]:
        """The set's reviewed, unpublished revisions in force (``awaits_publication``)."""
        return list(
            self._session.scalars(
                select(models.DrawingRevision).where(
                    models.DrawingRevision.set_id == set_id,
                    models.DrawingRevision.status == RevisionStatus.UNPUBLISHED.value,
                    models.DrawingRevision.reviewed.is_(True),
                    models.DrawingRevision.withdrawn.is_(False),
                )
            )
        )

    def highest_place(self, drawing_id: str) -> int:
        """The highest ``drawing_sequence`` among the drawing's revisions; 0 for none."""
        return int(
            self._session.scalar(
                select(func.coalesce(func.max(models.DrawingRevision.drawing_sequence), 0)).where(
                    models.DrawingRevision.drawing_id == drawing_id
                )
            )
            or 0
        )

    def lock_drawings(self, drawing_ids: Collection[str]) -> None:
        """Uploads to the same drawings take turns (rows locked in id order, so two uploads
        never wait on each other), and no two revisions of a drawing share a place."""
        self._session.execute(
            select(models.Drawing.id)
            .where(models.Drawing.id.in_(drawing_ids))
            .order_by(models.Drawing.id)
            .with_for_update()
        )

    def outdated_among(self, current_ids: Collection[str]) -> set[str]:
        """Those of ``current_ids`` with a newer connected copy waiting unpublished
        (``currency.is_outdated``): one query for them all."""
        if not current_ids:
            return set()
        current = aliased(models.DrawingRevision)
        newer = aliased(models.DrawingRevision)
        query = (
            select(current.id)
            .join(newer, newer.drawing_id == current.drawing_id)
            .where(
                current.id.in_(current_ids),
                newer.connection_id.is_not(None),
                newer.status == RevisionStatus.UNPUBLISHED.value,
                newer.withdrawn.is_(False),
                or_(
                    newer.drawing_date > current.drawing_date,
                    and_(
                        newer.drawing_date == current.drawing_date,
                        newer.created_at > current.created_at,
                    ),
                ),
            )
            .distinct()
        )
        return set(self._session.scalars(query))

    def delete(self, revision: models.DrawingRevision) -> None:
        """The revision with its markups and custom fields."""
        self._session.execute(delete(models.Markup).where(models.Markup.revision_id == revision.id))
        self._session.execute(
            delete(models.CustomField).where(models.CustomField.revision_id == revision.id)
        )
        self._session.delete(revision)

    # What a revision is imported from, and what its messages and feed entries carry

    def upload(self, uuid: str) -> models.Upload | None:
        return self._session.get(models.Upload, uuid)

    def stored_file(self, sha256: str) -> models.StoredFile | None:
        return self._session.get(models.StoredFile, sha256)

    def drawing(self, drawing_id: str) -> models.Drawing | None:
        return self._session.get(models.Drawing, drawing_id)

    def drawing_set(self, set_id: str) -> models.DrawingSet | None:
        return self._session.get(models.DrawingSet, set_id)

    def area(self, area_id: str) -> models.DrawingArea | None:
        return self._session.get(models.DrawingArea, area_id)

    def load_for_publication(self, revisions: Sequence[models.DrawingRevision]) -> list[Any]:
        """Reads the drawings, sets, areas and files of ``revisions`` with one query per
        table, so the lookups above find them in the session (no query per revision).
        The session holds rows weakly: keep the list returned while looking them up."""
        session = self._session
        drawings = session.scalars(
            select(models.Drawing).where(
                models.Drawing.id.in_({revision.drawing_id for revision in revisions})
            )
        ).all()
        wanted: list[tuple[Any, Any, set[str]]] = [
            (models.DrawingArea, models.DrawingArea.id, {d.area_id for d in drawings}),
            (models.DrawingSet, models.DrawingSet.id, {r.set_id for r in revisions}),
            (models.StoredFile, models.StoredFile.sha256, {r.file_sha256 for r in revisions}),
        ]
        held: list[Any] = list(drawings)
        for model, key, ids in wanted:
            held.extend(session.scalars(select(model).where(key.in_(ids))).all())
        return held
