"""Which published revision of a drawing is current, and which current one is outdated (R15).

The newest published, not withdrawn revision (by drawing date, then creation) is current.
Downstream, a current revision of a connected drawing is *outdated* while a newer
connected copy waits unpublished: the downstream has not taken the upstream's news yet.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from services.drawing.store.models import DrawingRevision


def published_of(session: Session, drawing_id: str) -> list[DrawingRevision]:
    return list(
        session.scalars(
            select(DrawingRevision).where(
                DrawingRevision.drawing_id == drawing_id,
                DrawingRevision.status == "published",
            )
        )
    )


def make_newest_current(session: Session, drawing_id: str) -> None:
    """The drawing's newest published, not withdrawn revision is current (R15)."""
    published = published_of(session, drawing_id)
    candidates = [revision for revision in published if not revision.withdrawn]
    newest = max(candidates, key=lambda r: (r.drawing_date, r.created_at), default=None)
    for revision in published:
        revision.current = newest is not None and revision.id == newest.id
    session.flush()


def outdated_ids(session: Session, revisions: Iterable[DrawingRevision]) -> set[str]:
    """The ids among ``revisions`` that are current but outdated: one query for them all."""
    current_ids = [
        revision.id
        for revision in revisions
        if revision.current and revision.status == "published" and not revision.withdrawn
    ]
    if not current_ids:
        return set()
    current = aliased(DrawingRevision)
    newer = aliased(DrawingRevision)
    query = (
        select(current.id)
        .join(newer, newer.drawing_id == current.drawing_id)
        .where(
            current.id.in_(current_ids),
            newer.connection_id.is_not(None),
            newer.status == "unpublished",
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
    return set(session.scalars(query))
