"""A connection's sync as its readers see it (R22): its state, and the progress of its
initial copy as a stream (for a progress bar). Who may: as for reading the connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from services.connection.domain.sync_state import COMPLETE, CopyProgress, copy_progress, lag_since
from services.connection.store.models import ConnectionSync
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from services.connection.use_cases import connection_access as access
from shared.facts.identity import Principal
from shared.persistence.db import utcnow

# How often a progress stream looks at the sync row: a few reports a second at most.
PROGRESS_INTERVAL_SECONDS = 0.25


class PublishedCounts(Protocol):
    def published_revision_count(self, project_id: str) -> int: ...


@dataclass(frozen=True)
class SyncReport:
    connection_id: str
    row: ConnectionSync | None  # none before the connection was ever active
    lag: timedelta  # how long the oldest change not yet applied downstream has waited


class SyncStates:
    def __init__(self, uow: Callable[[], ConnectionUnitOfWork], drawings: PublishedCounts):
        self._uow = uow
        self._drawings = drawings

    def of(self, caller: Principal, connection_id: str) -> SyncReport:
        with self._uow() as uow:
            connection = access.visible_connection(uow, caller, connection_id)
            row = uow.connections.sync_of(connection.id)
        lag = lag_since(row.oldest_pending_at if row else None, utcnow())
        return SyncReport(connection.id, row, lag)

    def watch_initial_copy(
        self, caller: Principal, connection_id: str, ended: threading.Event
    ) -> Iterator[CopyProgress]:
        """Each change of the copy's progress until it is final or ``ended`` is set."""
        with self._uow() as uow:
            connection = access.visible_connection(uow, caller, connection_id)
            row = uow.connections.sync_of(connection.id)
        expected_total = 0
        if row is None or row.initial_copy_state != COMPLETE:
            # Asked once, so the first report already says how much there is to copy.
            expected_total = self._drawings.published_revision_count(connection.upstream_project_id)
        last: CopyProgress | None = None
        while not ended.is_set():
            report = copy_progress(
                row.initial_copy_state if row else None,
                row.initial_copy_total if row else 0,
                expected_total,
            )
            if report != last:
                yield report
                last = report
            if report.final:
                return
            ended.wait(PROGRESS_INTERVAL_SECONDS)
            with self._uow() as uow:
                row = uow.connections.sync_of(connection.id)
