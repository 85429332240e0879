"""The state shared by every group of DrawingService RPCs (split over several modules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.catalog import Catalog
from services.drawing.change_feed import ChangeFeed
from services.drawing.drawings_access import (
    READ_ONLY,
    DrawingsAccess,
    refuse_other_services,
)
from services.drawing.drawings_permissions import DrawingsPermissions
from services.drawing.project_registry import ProjectRegistry
from services.drawing.revisions import Revisions
from services.drawing.store.files.file_access import FileAccess
from shared.facts.identity import current_principal
from shared.persistence.idempotent_calls import IdempotentCalls


class DrawingServicerState:
    """What every group of DrawingService RPCs works with."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        projects: ProjectRegistry,
        permissions: DrawingsPermissions,
        idempotent: IdempotentCalls,
        feed: ChangeFeed,
        files: FileAccess,
        upload_queued: Callable[[], None],
    ):
        self._sessions = sessions
        self._projects = projects
        self._permissions = permissions
        self._idempotent = idempotent
        self._feed = feed
        self._files = files
        # Wakes the processing round (upload_processing) after a drawing upload was queued.
        self._upload_queued = upload_queued
        self._access = DrawingsAccess(projects, permissions)
        self._catalog = Catalog(feed)
        self._revisions = Revisions(feed)

    def _visible(self, model: type[Any], kind: str, record_id: str) -> Any:
        """A record the caller may read; NOT_FOUND alike for missing and hidden ones."""
        refuse_other_services(current_principal())
        with self._sessions() as session:
            row = session.get(model, record_id) if record_id else None
        if row is None:
            raise self._access.refuse_unknown(current_principal(), kind, record_id)
        self._access.require(current_principal(), row.project_id, READ_ONLY, (kind, record_id))
        return row
