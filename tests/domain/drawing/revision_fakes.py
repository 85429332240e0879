"""Plain revisions and an in-memory store of them, for the drawing domain's fast tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.drawing.domain.revision_rules import awaits_publication, is_published
from shared.persistence.db import RecordNotFound

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)


@dataclass
class Revision:
    """Shaped like a stored revision row, as the rules read it."""

    id: str
    drawing_id: str = "sheet-a101"
    set_id: str = "set-issued"
    project_id: str = "tower"
    status: str = "unpublished"
    reviewed: bool = False
    current: bool = False
    withdrawn: bool = False
    drawing_date: date = date(2026, 2, 1)
    created_at: datetime = T0
    updated_at: datetime = T0
    published_at: datetime | None = None
    connection_id: str | None = None


def published(revision_id: str, **fields: object) -> Revision:
    return Revision(revision_id, status="published", reviewed=True, **fields)  # type: ignore[arg-type]


def reviewed(revision_id: str, **fields: object) -> Revision:
    return Revision(revision_id, reviewed=True, **fields)  # type: ignore[arg-type]


def copy_of(revision_id: str, **fields: object) -> Revision:
    """A connected copy, as the downstream receives it: unpublished."""
    return Revision(revision_id, connection_id="link-1", **fields)  # type: ignore[arg-type]


class FakeRevisionStore:
    """The revision repository's lookups over a dict."""

    def __init__(self, *revisions: Revision):
        self.rows = {revision.id: revision for revision in revisions}

    def existing(self, revision_id: str) -> Revision:
        if revision_id not in self.rows:
            raise RecordNotFound("revision", revision_id)
        return self.rows[revision_id]

    def awaiting_publication(self, set_id: str) -> list[Revision]:
        return [r for r in self.rows.values() if r.set_id == set_id and awaits_publication(r)]

    def published_of(self, drawing_id: str) -> list[Revision]:
        return [r for r in self.rows.values() if r.drawing_id == drawing_id and is_published(r)]

    def current_of(self, drawing_id: str) -> list[str]:
        return [r.id for r in self.rows.values() if r.drawing_id == drawing_id and r.current]
