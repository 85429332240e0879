"""One transaction of the notification database, with its repositories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.notification.store.repositories import (
    Deliveries,
    Digests,
    DistributionLists,
    Events,
    Projects,
)
from shared.persistence.unit_of_work import UnitOfWork


class NotificationUnitOfWork(UnitOfWork):
    projects: Projects
    distribution_lists: DistributionLists
    events: Events
    digests: Digests
    deliveries: Deliveries

    def _open(self, session: Session) -> None:
        self.projects = Projects(session)
        self.distribution_lists = DistributionLists(session)
        self.events = Events(session)
        self.digests = Digests(session)
        self.deliveries = Deliveries(session)
