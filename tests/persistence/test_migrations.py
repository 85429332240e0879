"""Each service's migrations build, from an empty database, exactly what its models declare."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect

from services.connection.migrations import MIGRATIONS_DIR as CONNECTION_MIGRATIONS
from services.connection.store import models as connection_models
from services.drawing.migrations import MIGRATIONS_DIR as DRAWING_MIGRATIONS
from services.drawing.store import models as drawing_models
from services.notification.migrations import MIGRATIONS_DIR as NOTIFICATION_MIGRATIONS
from services.notification.store import models as notification_models
from shared.persistence.db import alembic_config, make_engine, upgrade_to_head

SERVICES = {
    "connection": (CONNECTION_MIGRATIONS, connection_models.Base.metadata),
    "drawing": (DRAWING_MIGRATIONS, drawing_models.Base.metadata),
    "notification": (NOTIFICATION_MIGRATIONS, notification_models.Base.metadata),
}


def schema_differences(url: str, metadata: MetaData) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def scripts_of(migrations_dir: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://", migrations_dir))


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_from_empty_matches_the_models(database_url: str, service: str) -> None:
    migrations_dir, metadata = SERVICES[service]

    upgrade_to_head(database_url, migrations_dir)

    assert current_revision(database_url) == scripts_of(migrations_dir).get_current_head()
    assert schema_differences(database_url, metadata) == []


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_twice_is_harmless_and_downgrade_empties(database_url: str, service: str) -> None:
    migrations_dir, metadata = SERVICES[service]
    upgrade_to_head(database_url, migrations_dir)
    upgrade_to_head(database_url, migrations_dir)

    command.downgrade(alembic_config(database_url, migrations_dir), "base")

    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


def test_every_service_starts_at_a_readable_first_revision() -> None:
    for migrations_dir, _ in SERVICES.values():
        revisions = [script.revision for script in scripts_of(migrations_dir).walk_revisions()]
        assert revisions[-1] == "0001_initial"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_each_service_gets_its_own_database(
    make_database_url: Callable[[str, str], str], backend: str
) -> None:
    urls = {service: make_database_url(backend, service) for service in SERVICES}
    assert len(set(urls.values())) == len(SERVICES)

    for service, (migrations_dir, metadata) in SERVICES.items():
        upgrade_to_head(urls[service], migrations_dir)
        assert schema_differences(urls[service], metadata) == []
