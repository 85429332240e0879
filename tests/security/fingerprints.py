"""A cheap fingerprint of what the stack stores: row counts per table of each service's
database, read straight from the databases (one query per database)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, inspect, text

from shared.runtime.config import SERVICE_NAMES
from tests.fixtures.stack import Stack

Fingerprint = dict[str, int]


class StackDatabases:
    def __init__(self, stack: Stack):
        self._engines: dict[str, Engine] = {}
        self._queries: dict[str, str] = {}
        for service in SERVICE_NAMES:
            url = stack.env.get(f"CONNECTABILITY_{service.upper()}_DATABASE_URL") or (
                f"sqlite:///{stack.data_dir / f'{service}.db'}"
            )
            engine = create_engine(url, pool_size=1, max_overflow=0)
            tables = sorted(set(inspect(engine).get_table_names()) - {"alembic_version"})
            self._engines[service] = engine
            self._queries[service] = " UNION ALL ".join(
                f"SELECT '{service}.{table}', count(*) FROM {table}" for table in tables
            )

    def fingerprint(self) -> Fingerprint:
        counts: Fingerprint = {}
        for service, engine in self._engines.items():
            with engine.connect() as connection:
                counts.update(
                    {
                        str(row[0]): int(row[1])
                        for row in connection.execute(text(self._queries[service]))
                    }
                )
        return counts

    def settled(self, timeout_seconds: float = 15.0, interval: float = 0.3) -> Fingerprint:
        """The fingerprint once background work (outbox, sync, mail) has stopped changing it."""
        deadline = time.monotonic() + timeout_seconds
        last = self.fingerprint()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.fingerprint()
            if now == last:
                return now
            last = now
        return last

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


def changed(before: Fingerprint, after: Fingerprint) -> dict[str, tuple[int, int]]:
    return {
        table: (before.get(table, 0), after.get(table, 0))
        for table in sorted(set(before) | set(after))
        if before.get(table, 0) != after.get(table, 0)
    }


@contextmanager
def stack_databases(stack: Stack) -> Iterator[StackDatabases]:
    databases = StackDatabases(stack)
    try:
        yield databases
    finally:
        databases.close()
