"""Opening a service's own database: migrate it to the newest schema, then connect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.persistence.db import make_engine, make_session_factory, upgrade_to_head


@dataclass(frozen=True)
class ServiceDatabase:
    engine: Engine
    sessions: sessionmaker[Session]


def open_service_database(url: str, migrations_dir: Path) -> ServiceDatabase:
    upgrade_to_head(url, migrations_dir)
    engine = make_engine(url)
    return ServiceDatabase(engine, make_session_factory(engine))
