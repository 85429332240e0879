"""The drawing service's state as Prometheus gauges, read at each scrape."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.models import DRAWING_UPLOAD_STATUSES, DrawingUpload
from shared.runtime.metrics import Gauge


class DrawingStateGauges:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def __call__(self) -> list[Gauge]:
        uploads = Gauge(
            "connectability_drawing_uploads",
            "Drawing uploads (batch imports of uploaded files) by status.",
            ("status",),
        )
        for status in DRAWING_UPLOAD_STATUSES:
            uploads.set(0, status)
        with self._sessions() as session:
            for status, count in session.execute(
                select(DrawingUpload.status, func.count()).group_by(DrawingUpload.status)
            ):
                uploads.set(count, status)
        return [uploads]
