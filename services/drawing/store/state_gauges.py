"""The drawing service's state as Prometheus gauges, read at each scrape (one query, on a
pure read's connection: no write lock on SQLite)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.models import DRAWING_UPLOAD_STATUSES, DrawingUpload
from shared.persistence.db import read_connection
from shared.runtime.metrics import Gauge


class DrawingStateGauges:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine = sessions.kw["bind"]

    def __call__(self) -> list[Gauge]:
        uploads = Gauge(
            "connectability_drawing_uploads",
            "Drawing uploads (batch imports of uploaded files) by status.",
            ("status",),
        )
        for status in DRAWING_UPLOAD_STATUSES:
            uploads.set(0, status)
        with read_connection(self._engine) as connection:
            for status, count in connection.execute(
                select(DrawingUpload.status, func.count()).group_by(DrawingUpload.status)
            ):
                uploads.set(count, status)
        return [uploads]
