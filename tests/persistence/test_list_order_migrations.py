"""Databases made before the lists had sort keys upgrade with their rows' keys filled in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Boolean, Date, DateTime, Integer, MetaData, Numeric, insert, text
from sqlalchemy.engine import Connection

from services.connection.migrations import MIGRATIONS_DIR as CONNECTION_MIGRATIONS
from services.drawing.migrations import MIGRATIONS_DIR as DRAWING_MIGRATIONS
from shared.persistence.db import alembic_config, make_engine, upgrade_to_head


def _insert(connection: Connection, table_name: str, **values: Any) -> None:
    """A row with ``values``; other required columns get a plain value of their type."""
    table = MetaData()
    table.reflect(connection, only=[table_name])
    target = table.tables[table_name]
    row = dict(values)
    for column in target.columns:
        if column.name in row or column.nullable:
            continue
        if isinstance(column.type, Boolean):
            row[column.name] = False
        elif isinstance(column.type, Integer | Numeric):
            row[column.name] = 0
        elif isinstance(column.type, DateTime):
            row[column.name] = datetime(2026, 11, 1, tzinfo=UTC)
        elif isinstance(column.type, Date):
            row[column.name] = date(2026, 11, 1)
        else:
            row[column.name] = "x"
    connection.execute(insert(target).values(row))


@contextmanager
def _upgraded_from(url: str, migrations: Path, revision: str, fill: Any) -> Iterator[Connection]:
    """A database ``fill``ed at ``revision``, then upgraded to head."""
    command.upgrade(alembic_config(url, migrations), revision)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            fill(connection)
        upgrade_to_head(url, migrations)
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def test_existing_names_and_emails_get_casefolded_sort_keys(database_url: str) -> None:
    def fill(connection: Connection) -> None:
        _insert(connection, "companies", id="c1", name="Émile", approval_preference="auto_approve")
        _insert(connection, "projects", id="p1", company_id="c1", name="Beta")
        _insert(
            connection, "users", id="u1", company_id="c1", email="Zeta@X.com", company_role="member"
        )

    with _upgraded_from(
        database_url, CONNECTION_MIGRATIONS, "0006_integrator_clients", fill
    ) as connection:
        keys = [
            connection.execute(text(f"SELECT {key} FROM {table}")).scalar_one()
            for table, key in (
                ("companies", "name_sort_key"),
                ("projects", "name_sort_key"),
                ("users", "email_sort_key"),
            )
        ]
    assert keys == ["émile", "beta", "zeta@x.com"]


def test_existing_revisions_get_their_place_in_their_drawing(database_url: str) -> None:
    def fill(connection: Connection) -> None:
        _insert(connection, "project_facts", project_id="p1", name="Tower")
        _insert(connection, "drawing_areas", id="a1", project_id="p1", name="Ärea")
        _insert(
            connection, "drawing_sets", id="s1", project_id="p1", connection_state="not_connected"
        )
        _insert(connection, "drawings", id="d1", project_id="p1", area_id="a1", number="A-1")
        _insert(connection, "stored_files", sha256="f" * 64)
        for revision_id, day in (("r-c", 3), ("r-a", 1), ("r-b", 2)):
            _insert(
                connection,
                "drawing_revisions",
                id=revision_id,
                project_id="p1",
                drawing_id="d1",
                set_id="s1",
                file_sha256="f" * 64,
                status="unpublished",
                drawing_date=date(2026, 11, day),
            )

    with _upgraded_from(
        database_url, DRAWING_MIGRATIONS, "0004_async_drawing_uploads", fill
    ) as connection:
        area_key = connection.execute(text("SELECT name_sort_key FROM drawing_areas")).scalar_one()
        places = dict(
            connection.execute(text("SELECT id, drawing_sequence FROM drawing_revisions")).all()
        )
    assert area_key == "ärea"
    assert places == {"r-a": 1, "r-b": 2, "r-c": 3}
