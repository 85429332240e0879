"""insert_rows stores what an INSERT of the same rows stores, on both backends (COPY on
PostgreSQL): awkward text, times, dates, booleans, NULLs and left-out defaulted columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import StatementError

from shared.persistence.bulk_insert import insert_rows
from shared.persistence.db import UtcDateTime, make_engine

AWKWARD_TEXT = [
    "plain",
    "",
    "tab\there",
    "new\nline\r\n",
    "back\\slash \\N \\.",
    "quote ' and \" and ,",
    "Zeichnung Ä-01 – Schnitt 図面",
]


def _tables(metadata: MetaData) -> tuple[Table, Table]:
    def columns() -> list[Column[object]]:
        return [
            Column("id", String, primary_key=True),
            Column("label", String, nullable=True),
            Column("at", UtcDateTime, nullable=True),
            Column("on_day", Date, nullable=True),
            Column("flag", Boolean),
            Column("place", BigInteger),
            Column("state", String, default="connected"),  # left out of the rows
        ]

    return Table("bulk_a", metadata, *columns()), Table("bulk_b", metadata, *columns())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    try:
        yield made
    finally:
        made.dispose()


def _rows() -> list[dict[str, object]]:
    far_east = timezone(timedelta(hours=9))
    return [
        {
            "id": f"row-{index}",
            "label": text if index % 3 else None,
            "at": datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=far_east) if index % 2 else None,
            "on_day": date(2026, 1, 1 + index),
            "flag": bool(index % 2),
            "place": 2**40 + index,
        }
        for index, text in enumerate(AWKWARD_TEXT)
    ]


def test_rows_read_back_as_an_insert_of_the_same_rows_stores_them(engine: Engine) -> None:
    metadata = MetaData()
    copied, inserted = _tables(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        insert_rows(connection, copied, _rows())
        connection.execute(insert(inserted), _rows())
    with engine.connect() as connection:
        got = connection.execute(select(copied).order_by(copied.c.id)).all()
        want = connection.execute(select(inserted).order_by(inserted.c.id)).all()
    assert got == want
    assert {row.state for row in got} == {"connected"}
    assert [row.label for row in got if row.label is not None] == [
        text for index, text in enumerate(AWKWARD_TEXT) if index % 3
    ]
    assert got[1].at == datetime(2026, 12, 2, 0, 30, 15, 123456, tzinfo=UTC)


def test_a_naive_time_is_refused_and_nothing_is_stored(engine: Engine) -> None:
    metadata = MetaData()
    copied, _ = _tables(metadata)
    metadata.create_all(engine)
    rows = _rows()
    rows[-1]["at"] = datetime(2026, 12, 2, 9, 30)  # no zone: which one was meant?
    with pytest.raises((ValueError, StatementError)), engine.begin() as connection:
        insert_rows(connection, copied, rows)
    with engine.connect() as connection:
        assert connection.execute(select(copied)).all() == []
