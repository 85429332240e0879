"""Many new rows into one table, as fast as the backend takes them.

On PostgreSQL the rows go in by ``COPY … FROM STDIN``: psycopg writes them without SQL text
or bound parameters per row. For the 100,000 revision copies of a fan-out that is about a
third of the CPU of SQLAlchemy's executemany (which builds each row's parameters and a
multi-row ``VALUES`` statement in Python: 69% of the batch apply, docs/benchmarks.md §3).
Each value still passes through its column type's bind processing first, as it would in an
``INSERT`` (``UtcDateTime`` refuses a naive time either way).

Elsewhere (SQLite), and for rows that leave out a column whose default SQLAlchemy computes
(COPY would not run it), a Core executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, insert

Processor = Callable[[Any], Any] | None


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` on ``connection``'s
    transaction."""
    if not rows:
        return
    names = list(rows[0])
    if connection.dialect.name != "postgresql" or _needs_computed_default(table, names):
        connection.execute(insert(table), list(rows))
        return
    columns = [table.c[name] for name in names]
    # Left-out columns with a constant default get it, as an INSERT would; the others are
    # left out of the COPY too, so the database's own default (or NULL) applies.
    defaulted = [c for c in table.c if c.name not in rows[0] and c.default is not None]
    # The defaults pass through their column's bind processing too, as an INSERT's would.
    defaults = tuple(
        _processed(column.default.arg, _bind_processor(column, connection))  # type: ignore[union-attr]
        for column in defaulted
    )
    processors = [_bind_processor(column, connection) for column in columns]
    targets = ", ".join(f'"{column.name}"' for column in columns + defaulted)
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({targets}) FROM STDIN') as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = tuple(
                    _processed(row[name], process)
                    for name, process in zip(names, processors, strict=True)
                )
                copy.write_row(values + defaults)
    finally:
        cursor.close()


def _needs_computed_default(table: Table, names: Sequence[str]) -> bool:
    """A left-out column with a default SQLAlchemy computes (a callable, a SQL expression)."""
    return any(
        column.name not in names and column.default is not None and not column.default.is_scalar  # type: ignore[attr-defined]
        for column in table.c
    )


def _processed(value: object, process: Processor) -> object:
    return value if process is None else process(value)


def _bind_processor(column: Column[Any], connection: Connection) -> Processor:
    return column.type.bind_processor(connection.dialect)  # type: ignore[no-any-return]
