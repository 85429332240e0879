"""The connection service's unit of work: one transaction, with its repositories on it."""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.connection_repository import ConnectionRepository
from services.connection.store.directory_repository import DirectoryRepository
from services.connection.store.integrator_repository import IntegratorClientRepository
from services.connection.store.notification_outbox import NotificationOutbox
from shared.persistence.unit_of_work import UnitOfWork

# The service's sessions, for the layers that hand them on without opening one.
Sessions: TypeAlias = sessionmaker[Session]


class ConnectionUnitOfWork(UnitOfWork):
    directory: DirectoryRepository
    integrator_clients: IntegratorClientRepository
    connections: ConnectionRepository
    notices: NotificationOutbox

    def _open(self, session: Session) -> None:
        self.directory = DirectoryRepository(session)
        self.integrator_clients = IntegratorClientRepository(session)
        self.connections = ConnectionRepository(session)
        self.notices = NotificationOutbox(session)
