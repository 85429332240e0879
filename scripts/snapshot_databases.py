"""Dump the three services' databases to JSON snapshots, and load such a snapshot back.

    python scripts/snapshot_databases.py --connection URL --drawing URL --notification URL
    python scripts/snapshot_databases.py --build-world    # run the stack, fill it, dump it

Each snapshot (``tests/persistence/snapshots/v1/<service>.json`` by default) holds the
Alembic revision the database was at and every row of every table but ``alembic_version``,
with values made JSON-safe by column type: datetimes as ISO 8601 in UTC with the offset,
dates as ISO, bytes as base64, decimals as strings. Tables and rows are sorted, so a re-run
over the same data writes the same bytes.

``load_snapshot`` is the way back, used by tests/persistence/test_upgrade_from_v1.py: it
migrates an empty database to the snapshot's revision and inserts the rows there.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, Table, text, types

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from shared.persistence.db import alembic_config, make_engine  # noqa: E402

SERVICES = ("connection", "drawing", "notification")
SNAPSHOT_DIR = REPO_ROOT / "tests" / "persistence" / "snapshots" / "v1"
SKIPPED_TABLES = {"alembic_version"}


def migrations_dir_of(service: str) -> Path:
    return REPO_ROOT / "services" / service / "migrations"


def to_json(value: Any) -> Any:
    """A column value as JSON (``from_json`` reads it back by the column's type)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        # SQLite keeps UTC without a zone (UtcDateTime); PostgreSQL: timestamptz.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(value: Any, column_type: types.TypeEngine[Any], dialect: str) -> Any:
    """The inverse of ``to_json`` for a column of ``column_type`` on ``dialect``."""
    if value is None:
        return None
    if isinstance(column_type, types.DateTime):
        moment = datetime.fromisoformat(value).astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect == "sqlite" else moment
    if isinstance(column_type, types.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, types.LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, types.Numeric) and not isinstance(column_type, types.Float):
        return Decimal(value) if isinstance(value, str) else value
    if isinstance(column_type, types.Boolean):
        return bool(value)
    return value


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def reflected_tables(connection: Connection) -> list[Table]:
    """The database's tables (not ``alembic_version``), parents before children."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [table for table in metadata.sorted_tables if table.name not in SKIPPED_TABLES]


def dump_database(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in sorted(reflected_tables(connection), key=lambda t: t.name):
                rows = [
                    {column.name: to_json(row[column.name]) for column in table.columns}
                    for row in connection.execute(table.select()).mappings()
                ]
                tables[table.name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
            return {"revision": current_revision(connection), "tables": tables}
    finally:
        engine.dispose()


def write_snapshot(snapshot: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def read_snapshot(service: str, directory: Path = SNAPSHOT_DIR) -> dict[str, Any]:
    return json.loads((directory / f"{service}.json").read_text())


def load_snapshot(url: str, service: str, snapshot: dict[str, Any]) -> None:
    """Migrate the empty database at ``url`` to the snapshot's revision and insert its rows."""
    command.upgrade(alembic_config(url, migrations_dir_of(service)), snapshot["revision"])
    # Foreign keys are checked on PostgreSQL (rows go in parents first); SQLite skips them
    # so a table that points at itself loads in any row order.
    engine = make_engine(url, sqlite_foreign_keys=False)
    try:
        with engine.begin() as connection:
            dialect = connection.dialect.name
            for table in reflected_tables(connection):
                rows = snapshot["tables"].get(table.name, [])
                if not rows:
                    continue
                connection.execute(
                    table.insert(),
                    [
                        {
                            name: from_json(value, table.columns[name].type, dialect)
                            for name, value in row.items()
                        }
                        for row in rows
                    ],
                )
                if dialect == "postgresql":
                    _advance_serial_sequences(connection, table)
    finally:
        engine.dispose()


def _advance_serial_sequences(connection: Connection, table: Table) -> None:
    # Rows went in with their ids: a serial column's sequence must continue after them.
    for column in table.primary_key.columns:
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar()
        if sequence:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, (SELECT MAX("{column.name}") FROM "{table.name}"))'
                ),
                {"sequence": sequence},
            )


def build_world_databases(data_dir: Path) -> dict[str, str]:
    """Run the three services on SQLite under ``data_dir``, fill them, stop them: their URLs."""
    from services.supervisor import start_services, stop_services, wait_until_serving
    from shared.runtime.config import SERVICE_NAMES, Settings
    from tests.fixtures.identity import make_test_keys
    from tests.fixtures.stack import Stack, stack_environment
    from tests.persistence.upgrade_world import fill_world

    keys = make_test_keys(data_dir / "test-keys")
    env = stack_environment("sqlite", keys, data_dir)
    ports = {
        f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES
    }
    settings = Settings(data_dir=data_dir, **ports)  # type: ignore[arg-type]
    processes = start_services(settings, env=env)
    stack = Stack("sqlite", keys, data_dir, env, processes)
    try:
        wait_until_serving(processes, timeout_seconds=60)
        fill_world(stack)
    finally:
        stack.close()
        stop_services(processes, grace_seconds=2)
    return {name: settings.database_url_of(name) for name in SERVICE_NAMES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for service in SERVICES:
        parser.add_argument(f"--{service}", metavar="URL", help=f"the {service} database")
    parser.add_argument(
        "--build-world", action="store_true", help="fill a fresh SQLite stack and dump that"
    )
    parser.add_argument("--out", type=Path, default=SNAPSHOT_DIR, help="where the JSON goes")
    args = parser.parse_args()
    if args.build_world:
        import tempfile

        urls = build_world_databases(Path(tempfile.mkdtemp(prefix="ct-snapshot-")))
    else:
        urls = {service: getattr(args, service) for service in SERVICES}
        missing = [service for service, url in urls.items() if not url]
        if missing:
            parser.error(f"give --{' --'.join(missing)} (or --build-world)")
    for service, url in urls.items():
        path = args.out / f"{service}.json"
        write_snapshot(dump_database(url), path)
        print(f"{service}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
