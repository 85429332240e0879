"""Opening a service's own database: migrate it to the newest schema (or, with migrations
left to the one-shot ``connectability migrate``, check that it is there), then connect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.persistence.db import alembic_config, make_engine, make_session_factory, upgrade_to_head


@dataclass(frozen=True)
class ServiceDatabase:
    engine: Engine
    sessions: sessionmaker[Session]


class SchemaNotCurrent(RuntimeError):
    """The database is not at the schema this code needs, and migrating it is not ours."""


class DatabaseSettings(Protocol):
    """What opening a service's database reads of the settings."""

    migrate_on_start: bool

    def database_url_of(self, service: str) -> str: ...


def open_database_of(
    settings: DatabaseSettings, service: str, migrations_dir: Path
) -> ServiceDatabase:
    """The service's database as its settings name it, migrated if it is ours to migrate."""
    return open_service_database(
        settings.database_url_of(service), migrations_dir, settings.migrate_on_start
    )


def open_service_database(url: str, migrations_dir: Path, migrate: bool = True) -> ServiceDatabase:
    if migrate:
        upgrade_to_head(url, migrations_dir)
    engine = make_engine(url)
    if not migrate:
        _require_newest_schema(engine, url, migrations_dir)
    return ServiceDatabase(engine, make_session_factory(engine))


def _require_newest_schema(engine: Engine, url: str, migrations_dir: Path) -> None:
    wanted = set(ScriptDirectory.from_config(alembic_config(url, migrations_dir)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != wanted:
        engine.dispose()
        service = migrations_dir.parent.name
        raise SchemaNotCurrent(
            f"the {service} database is at schema {sorted(current) or 'none'}, this version"
            f" needs {sorted(wanted)}: run `connectability migrate {service}` first"
            " (CONNECTABILITY_MIGRATE_ON_START is off)"
        )
