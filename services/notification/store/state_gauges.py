"""The notification service's state as Prometheus gauges, read at each scrape (one query, on a
pure read's connection: no write lock on SQLite)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.notification.store.models import DELIVERY_STATUSES, Delivery
from shared.persistence.db import read_connection
from shared.runtime.metrics import Gauge


class NotificationStateGauges:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine = sessions.kw["bind"]

    def __call__(self) -> list[Gauge]:
        deliveries = Gauge(
            "connectability_deliveries",
            "Email deliveries (one per event and recipient) by status: queued, retrying "
            "(after a failed attempt), sending, sent, failed (gave up).",
            ("status",),
        )
        for status in DELIVERY_STATUSES:
            deliveries.set(0, status)
        with read_connection(self._engine) as connection:
            for status, count in connection.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            ):
                deliveries.set(count, status)
        return [deliveries]
