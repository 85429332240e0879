"""The body of every service's Alembic ``env.py``: each service only names its metadata.

The database URL comes from the Alembic config (``db.upgrade_to_head`` builds it in
code). On SQLite, tables are altered in batch mode (rebuild and copy) with foreign keys
off, checked once at the end; on PostgreSQL, concurrent upgrades of one database queue.

A new revision: point a throwaway alembic.ini (``script_location`` = the service's
``migrations`` dir, ``prepend_sys_path`` = the repository root, ``sqlalchemy.url`` = a
scratch SQLite file) at it, ``alembic upgrade head``, then
``alembic revision --autogenerate --rev-id 0002_<what> -m "<what>"``; review the result by
hand (``tests/persistence/test_migrations.py`` checks it matches the models on both
backends).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, MetaData

from shared.persistence.db import UtcDateTime, make_engine

# Any constant works: PostgreSQL advisory locks are per database.
MIGRATION_LOCK_KEY = 0x636F6E6E


def run_migrations(target_metadata: MetaData) -> None:
    if context.is_offline_mode():
        _run_offline(target_metadata)
    else:
        _run_online(target_metadata)


def render_item(item_type: str, item: Any, _autogen_context: AutogenContext) -> str | bool:
    """Migrations spell out plain SQL types, so they never import application code."""
    if item_type == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options(target_metadata: MetaData, dialect_name: str) -> dict[str, Any]:
    on_sqlite = dialect_name == "sqlite"
    return {
        "target_metadata": target_metadata,
        "render_as_batch": on_sqlite,
        # SQLite can roll back DDL; Alembic assumes it cannot. One upgrade = one transaction.
        "transactional_ddl": True,
        "compare_type": True,
        "render_item": render_item,
    }


def _database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Alembic config has no sqlalchemy.url")
    return url


def _run_offline(target_metadata: MetaData) -> None:
    url = _database_url()
    dialect_name = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(target_metadata, dialect_name),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(target_metadata: MetaData) -> None:
    engine = make_engine(_database_url(), sqlite_foreign_keys=False)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **_options(target_metadata, engine.name))
            with context.begin_transaction():
                _queue_behind_other_upgrades(connection)
                context.run_migrations()
                _check_foreign_keys(connection)
    finally:
        engine.dispose()


def _queue_behind_other_upgrades(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(f"migration left foreign key violations: {violations[:10]}")
