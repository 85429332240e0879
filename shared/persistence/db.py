"""Database plumbing every service shares: engines, sessions, migrations, time and ids.

SQLite is the embedded default and PostgreSQL the production store; the same code runs on
both. Repositories raise ``RecordNotFound``, ``RecordConflict``, ``FieldNotUpdatable`` and
``InvalidFieldValue``, which the servicers map to gRPC statuses.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# The execution option a pure read's connection carries (``UnitOfWork.reading``): on SQLite
# its transaction begins deferred, without the write lock.
READ_ONLY_OPTION = "connectability_read_only"


def read_options(dialect_name: str) -> dict[str, object]:
    """How a pure read's connection is set up (``UnitOfWork.reading``).

    SQLite: a deferred ``BEGIN`` (see ``_sqlite_begin_immediate``). PostgreSQL: no
    transaction at all (autocommit): at READ COMMITTED every statement takes its own
    snapshot anyway, so a read sees the same either way, and saves the ``BEGIN`` and
    ``COMMIT`` round trips (two of a Get's five).
    """
    if dialect_name == "sqlite":
        return {READ_ONLY_OPTION: True}
    return {READ_ONLY_OPTION: True, "isolation_level": "AUTOCOMMIT"}


def read_connection(engine: Engine) -> Connection:
    """A pooled connection of ``engine`` set up for a pure read (``read_options``): on SQLite
    its transaction begins deferred, without the write lock; on PostgreSQL none begins."""
    return engine.connect().execution_options(**read_options(engine.dialect.name))


def sqlite_pragmas(foreign_keys: bool = True) -> tuple[str, ...]:
    """What every SQLite connection runs first.

    WAL lets readers run beside the writer; NORMAL is durable in WAL mode except for the
    last commits on power loss; SQLite leaves foreign keys off unless asked.
    """
    return (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}",
        "PRAGMA busy_timeout=10000",
        "PRAGMA synchronous=NORMAL",
    )


class RecordError(Exception):
    """A repository refusal about one record of one kind."""

    def __init__(self, kind: str, record_id: str, field: str = "id") -> None:
        super().__init__(f"{kind} with {field} {record_id!r}")
        self.kind = kind
        self.record_id = record_id
        self.field = field


class RecordNotFound(RecordError, LookupError):
    """No record of this kind has this id."""

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id!r} not found"


class RecordConflict(RecordError):
    """A record of this kind already holds this id (or other unique value, see ``field``)."""

    def __str__(self) -> str:
        return f"{self.kind} with {self.field} {self.record_id!r} already exists"


class FieldNotUpdatable(ValueError):
    """An update named fields that the caller may not change."""

    def __init__(self, kind: str, fields: list[str]) -> None:
        super().__init__(f"{kind} fields not updatable: {', '.join(sorted(fields))}")
        self.kind = kind
        self.fields = sorted(fields)


class InvalidFieldValue(ValueError):
    """A field was given a value outside its allowed set."""

    def __init__(self, kind: str, field: str, value: object, allowed: tuple[str, ...]) -> None:
        super().__init__(f"{kind} {field} must be one of {allowed}, got {value!r}")
        self.kind = kind
        self.field = field
        self.value = value
        self.allowed = allowed


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite stores no time zone, so values go in as naive UTC and come back tagged UTC;
    PostgreSQL stores ``timestamptz`` and answers in the session zone, so we convert.
    Naive input is refused: guessing its zone would silently shift times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, *, sqlite_foreign_keys: bool = True) -> Engine:
    """An engine for a ``sqlite:///…`` or ``postgresql+psycopg://…`` URL.

    ``sqlite_foreign_keys=False`` is for migrations only: SQLite rebuilds a table to alter
    it, and dropping the old copy must not trip the references to it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url)
        _ping_when_idle(engine)
        return engine
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_on_connect(sqlite_pragmas(sqlite_foreign_keys)))
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


# A pooled connection unused for longer than this is pinged before a call gets it.
IDLE_PING_AFTER_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, for idle connections only.

    ``pool_pre_ping`` pings on every checkout: a round trip before every statement of a
    read, most of a fast read's time. A connection that came back to the pool moments ago
    is almost surely alive; one idle for a while may have been dropped (a database restart,
    a proxy's idle timeout), so it is pinged and, if dead, replaced before the call sees it.
    A connection that dies while busy fails its statement, and SQLAlchemy then drops every
    connection pooled before it, as it always did.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_PING_AFTER_SECONDS:
            return  # new (just connected) or recently used
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            # The pool discards this connection and lends (or opens) another.
            raise DisconnectionError(f"an idle pooled connection is gone: {error}") from error


def _sqlite_on_connect(pragmas: tuple[str, ...]) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # Take BEGIN away from the sqlite3 driver (it skips it before SELECTs); we emit it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return on_connect


def _sqlite_begin_immediate(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front: a read-then-write transaction can then never
    # fail to upgrade its lock (SQLITE_BUSY, which busy_timeout cannot wait out); it waits.
    # A pure read needs no lock at all: in WAL mode it reads a snapshot beside the writer.
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Repositories hand out objects after commit; they must stay readable without a session.
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str, migrations_dir: Path) -> Config:
    """An Alembic configuration built in code: no alembic.ini needed at runtime."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # The option parser interpolates "%": escape it (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str, migrations_dir: Path) -> None:
    command.upgrade(alembic_config(url, migrations_dir), "head")
