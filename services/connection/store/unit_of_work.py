"""The connection service's unit of work: one transaction and the repositories over it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.connection.store.access_reads import AccessReads
from services.connection.store.connection_repository import ConnectionRepository
from services.connection.store.notification_outbox import NotificationOutbox
from shared.persistence.unit_of_work import UnitOfWork


class ConnectionUnitOfWork(UnitOfWork):
    connections: ConnectionRepository
    access: AccessReads
    notices: NotificationOutbox

    def _open(self, session: Session) -> None:
        self.connections = ConnectionRepository(session)
        self.access = AccessReads(session)
        self.notices = NotificationOutbox(session)
