"""Engines: SQLite's connection settings, and aware UTC times on both backends."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from services.connection.migrations import MIGRATIONS_DIR
from shared.persistence import db
from shared.persistence.db import UtcDateTime, make_engine, upgrade_to_head
from tests.fixtures.databases import postgres_admin_url
from tests.persistence.directory_calls import DirectoryCalls as Directory


def test_sqlite_file_gets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet' / 'there' / 'service.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10000
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert (tmp_path / "not-yet" / "there" / "service.db").exists()
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'connection.db'}"
    upgrade_to_head(url, MIGRATIONS_DIR)
    engine = make_engine(url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO projects (id, company_id, name, active, created_at, updated_at)"
                    " VALUES ('p', 'no-such-company', 'P', 1, '2024-01-01', '2024-01-01')"
                )
            )
    finally:
        engine.dispose()


def test_times_come_back_aware_utc(database_url: str) -> None:
    metadata = MetaData()
    moments = Table(
        "moments", metadata, Column("id", String, primary_key=True), Column("at", UtcDateTime)
    )
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        in_sydney = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=11)))
        with engine.begin() as connection:
            connection.execute(moments.insert().values(id="m", at=in_sydney))
        with engine.connect() as connection:
            stored = connection.execute(select(moments.c.at)).scalar_one()
        assert stored == in_sydney
        assert stored.tzinfo == UTC
        assert stored.hour == 22
    finally:
        engine.dispose()


def test_naive_times_are_refused(database_url: str) -> None:
    metadata = MetaData()
    moments = Table("moments", metadata, Column("at", UtcDateTime))
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
            connection.execute(moments.insert().values(at=datetime(2024, 3, 1, 9, 30)))
    finally:
        engine.dispose()


def test_concurrent_read_then_write_transactions_all_succeed(
    connection_sessions: sessionmaker[Session],
) -> None:
    # Each call reads (does the project exist?) then writes: on SQLite this is where a
    # deferred transaction would fail to upgrade its lock instead of waiting.
    directory = Directory(connection_sessions)
    company = directory.create_company(name="Acme", file_storage_location="us")
    project = directory.create_project(company_id=company.id, name="Tower")
    users = [
        directory.create_user(company_id=company.id, email=f"u{n}@acme.test", display_name=f"U{n}")
        for n in range(8)
    ]

    def grant_repeatedly(user_id: str) -> None:
        for level in ("read_only", "standard", "admin") * 5:
            directory.set_connection_manager_level(project.id, user_id, level)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(grant_repeatedly, [user.id for user in users]))

    assert {directory.connection_manager_level(project.id, user.id) for user in users} == {"admin"}


@pytest.mark.postgres
def test_a_pooled_connection_dropped_while_idle_is_replaced_unnoticed(
    make_database_url: Callable[[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No ping on every checkout any more (a round trip per read): only a connection idle
    # for a while is pinged, and a dead one replaced before a call gets it.
    monkeypatch.setattr(db, "IDLE_PING_AFTER_SECONDS", 0.0)
    engine = make_engine(make_database_url("postgresql", "idle"))
    try:
        with engine.connect() as connection:
            backend_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with make_engine(postgres_admin_url()).connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid})
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
