"""Reading and replacing a tool's distribution list (R23)."""

from __future__ import annotations

from collections.abc import Callable

from services.notification.domain.recipients import RecipientList
from services.notification.store.unit_of_work import NotificationUnitOfWork
from shared.persistence.db import utcnow
from shared.persistence.etags import require_fresh_etag


class DistributionListUseCases:
    def __init__(self, uow: Callable[[], NotificationUnitOfWork]) -> None:
        self._uow = uow

    def get(self, project_id: str, tool: str) -> RecipientList:
        with self._uow() as uow:
            uow.projects.require(project_id)
            return uow.distribution_lists.get(project_id, tool)

    def replace(self, project_id: str, tool: str, emails: list[str], etag: str) -> RecipientList:
        """Store ``emails`` (already checked) as the list; refused when ``etag`` is set and
        the stored list is no longer that version.

        The project's row is locked first (a list that was never stored has no row of its
        own to lock), so two replacements sent with the same etag are decided in turn.
        """
        with self._uow() as uow:
            uow.projects.require(project_id, lock=True)
            current = uow.distribution_lists.get(project_id, tool)
            require_fresh_etag(etag, current.etag, "distribution list")
            return uow.distribution_lists.put(project_id, tool, emails, utcnow())
