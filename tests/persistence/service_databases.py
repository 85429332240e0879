"""Each service's database, migrated to head, as a session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from services.connection.migrations import MIGRATIONS_DIR as CONNECTION_MIGRATIONS
from services.drawing.migrations import MIGRATIONS_DIR as DRAWING_MIGRATIONS
from services.notification.migrations import MIGRATIONS_DIR as NOTIFICATION_MIGRATIONS
from shared.persistence.db import make_engine, make_session_factory, upgrade_to_head

MIGRATIONS_OF: dict[str, Path] = {
    "connection": CONNECTION_MIGRATIONS,
    "drawing": DRAWING_MIGRATIONS,
    "notification": NOTIFICATION_MIGRATIONS,
}


@contextmanager
def migrated_sessions(url: str, service: str) -> Iterator[sessionmaker[Session]]:
    upgrade_to_head(url, MIGRATIONS_OF[service])
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
