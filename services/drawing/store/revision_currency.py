"""Which published revision of a drawing is current, and which current one is outdated (R15),
over the stored revisions: the rules are ``domain/currency.py``'s."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy.orm import Session

from services.drawing.domain import currency
from services.drawing.store.models import DrawingRevision
from services.drawing.store.revision_repository import RevisionRepository


def published_of(session: Session, drawing_id: str) -> list[DrawingRevision]:
    return RevisionRepository(session).published_of(drawing_id)


def make_newest_current(session: Session, drawing_id: str) -> None:
    """The drawing's newest published, not withdrawn revision is current (R15)."""
    currency.make_newest_current(published_of(session, drawing_id))
    session.flush()


def make_newest_current_of(session: Session, drawing_ids: Collection[str]) -> None:
    """``make_newest_current`` for many drawings at once (a publication's): their published
    revisions read with one query, the flags changed written with one flush."""
    by_drawing: dict[str, list[DrawingRevision]] = {drawing_id: [] for drawing_id in drawing_ids}
    for revision in RevisionRepository(session).published_of_many(by_drawing):
        by_drawing[revision.drawing_id].append(revision)
    for published in by_drawing.values():
        currency.make_newest_current(published)
    session.flush()


def outdated_ids(session: Session, revisions: Iterable[DrawingRevision]) -> set[str]:
    """The ids among ``revisions`` that are current but outdated: one query for them all."""
    current_ids = [revision.id for revision in revisions if currency.may_be_outdated(revision)]
    return RevisionRepository(session).outdated_among(current_ids)
