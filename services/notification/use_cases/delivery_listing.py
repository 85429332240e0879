"""ListDeliveries: a project's deliveries, newest first."""

from __future__ import annotations

from collections.abc import Callable

from services.notification.domain.deliveries import DeliverySummary
from services.notification.store.repositories import summary_of
from services.notification.store.unit_of_work import NotificationUnitOfWork


class DeliveryListing:
    def __init__(self, uow: Callable[[], NotificationUnitOfWork]) -> None:
        self._uow = uow

    def list(
        self, project_id: str, event_id: str, page_size: int, page_token: str
    ) -> tuple[list[DeliverySummary], str]:
        """One page of the project's deliveries (of one event, if ``event_id`` is set) and
        the token of the next."""
        with self._uow() as uow:
            uow.projects.require(project_id)
            rows, token = uow.deliveries.page(project_id, event_id, page_size, page_token)
            return [summary_of(row) for row in rows], token
