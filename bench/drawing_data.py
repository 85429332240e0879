"""Benchmark data written straight into the drawing service's database, and the raw SQL
baseline copies are compared with.

The data is SQL-loaded: 50,000 revisions through uploads would take longer than
the benchmark itself. Rows have the shape the service writes (see services/drawing/store/models.py);
files are rows only, since copying never touches file bytes (R18).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    create_engine,
    delete,
    func,
    insert,
    literal,
    select,
    true,
    update,
)

from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    ProjectFacts,
    StoredFile,
)
from shared.persistence.db import make_engine, utcnow

ROWS_PER_STATEMENT = 5_000
FIRST_DRAWING_DATE = date(2026, 1, 1)


@dataclass(frozen=True)
class Shape:
    """How loaded revisions spread over the catalog: a few areas and sets, many drawings."""

    revisions_per_drawing: int = 10
    areas: int = 10
    sets: int = 50


@dataclass(frozen=True)
class LoadedBatch:
    set_of_revision: dict[str, str]  # revision id -> its set's id

    @property
    def revision_ids(self) -> list[str]:
        return list(self.set_of_revision)

    @property
    def set_ids(self) -> list[str]:
        return sorted(set(self.set_of_revision.values()))


def writer_engine(url: str) -> Engine:
    """The service's own engine settings (SQLite: WAL, write lock taken up front)."""
    return make_engine(url)


def reader_engine(url: str) -> Engine:
    """For polling: on SQLite a plain reader, so a poll never holds the write lock."""
    return create_engine(url)


def load_revisions(
    engine: Engine, project_id: str, count: int, tag: str, published: bool, shape: Shape
) -> LoadedBatch:
    """``count`` new revisions with their own areas, sets and drawings, in one transaction.

    Published ones look published one by one (the newest of each drawing current, one feed
    sequence each); the others are unpublished and reviewed, ready for PublishDrawingRevisions.
    """
    rows = _CatalogRows(f"{project_id}-{tag}", project_id, shape, published, count)
    revisions = [rows.revision(index) for index in range(count)]
    set_ids = sorted({revision["set_id"] for revision in revisions})
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (DrawingArea, [rows.area(index) for index in range(min(shape.areas, rows.drawings))]),
        (DrawingSet, [rows.drawing_set(set_id) for set_id in set_ids]),
        (Drawing, [rows.drawing(index) for index in range(rows.drawings)]),
        (StoredFile, [rows.stored_file(revision) for revision in revisions]),
        (DrawingRevision, revisions),
    ]
    with engine.begin() as connection:
        for model, table_rows in tables:
            _insert_in_batches(connection, model, table_rows)
        if published:
            _advance_feed_head(connection, project_id, count)
    analyze(engine)
    return LoadedBatch({revision["id"]: revision["set_id"] for revision in revisions})


class _CatalogRows:
    """Row dictionaries of one loaded batch; ids start with ``prefix``, so batches never clash."""

    def __init__(self, prefix: str, project_id: str, shape: Shape, published: bool, count: int):
        self.prefix, self.project_id, self.shape = prefix, project_id, shape
        self.published, self.count = published, count
        self.drawings = -(-count // shape.revisions_per_drawing)
        self.now = utcnow()

    def _stamped(self, **row: Any) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "created_at": self.now,
            "updated_at": self.now,
            **row,
        }

    def area(self, index: int) -> dict[str, Any]:
        return self._stamped(id=f"{self.prefix}-a{index}", name=f"Area {index}", description="")

    def drawing_set(self, set_id: str) -> dict[str, Any]:
        return self._stamped(
            id=set_id,
            name=f"Set {set_id.rsplit('-', 1)[-1]}",
            set_date=FIRST_DRAWING_DATE,
            connection_state="not_connected",
        )

    def drawing(self, index: int) -> dict[str, Any]:
        return self._stamped(
            id=f"{self.prefix}-d{index}",
            area_id=f"{self.prefix}-a{index % self.shape.areas}",
            number=f"A-{index:06d}",
            title=f"Sheet {index}",
            discipline="Architectural",
        )

    def revision(self, index: int) -> dict[str, Any]:
        # Drawings fill up round by round: revision `round` of each drawing, in turn, so
        # every drawing holds up to revisions_per_drawing revisions spread over the sets.
        drawing, round_number = index % self.drawings, index // self.drawings
        newest_of_its_drawing = index + self.drawings >= self.count
        revision_id = f"{self.prefix}-r{index}"
        return self._stamped(
            id=revision_id,
            drawing_id=f"{self.prefix}-d{drawing}",
            set_id=f"{self.prefix}-s{(drawing + round_number) % self.shape.sets}",
            revision_number=str(round_number),
            drawing_sequence=round_number + 1,  # its place in its drawing, as uploads number
            drawing_date=FIRST_DRAWING_DATE + timedelta(days=round_number),
            received_date=None,
            file_sha256=hashlib.sha256(revision_id.encode()).hexdigest(),
            file_name=f"A-{drawing:06d}-{round_number}.pdf",
            status="published" if self.published else "unpublished",
            reviewed=True,
            current=self.published and newest_of_its_drawing,
            withdrawn=False,
            published_at=self.now if self.published else None,
        )

    def stored_file(self, revision: dict[str, Any]) -> dict[str, Any]:
        return {
            "sha256": revision["file_sha256"],
            "size_bytes": 250_000,
            "content_type": "application/pdf",
            "created_at": self.now,
        }


def _insert_in_batches(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        connection.execute(insert(model), rows[start : start + ROWS_PER_STATEMENT])


def _advance_feed_head(connection: Connection, project_id: str, published: int) -> None:
    # As if each revision had been published on its own: one feed sequence each. No feed
    # rows are written: a connection starts from the bulk copy's snapshot and reads only
    # what comes after it.
    connection.execute(
        update(ProjectFacts)
        .where(ProjectFacts.project_id == project_id)
        .values(last_change_sequence=ProjectFacts.last_change_sequence + published)
    )


def analyze(engine: Engine) -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum would give soon after a load."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


RAW_COPY_REPEATS = 3


def raw_copy_seconds(
    engine: Engine, source: ColumnElement[bool], fan_out_project_ids: Sequence[str] = ()
) -> tuple[float, int]:
    """(seconds, rows) of a bare ``INSERT … SELECT`` of revision rows into a scratch project:
    the best of RAW_COPY_REPEATS, since on a shared machine the floor is the stable figure.

    Each source revision is written once per id in ``fan_out_project_ids`` (a cross join;
    none: once), committed, and deleted again afterwards. It is the floor a copy is measured
    against: the same rows, without areas, sets, drawings, checks or a service around them.
    """
    runs = [_one_raw_copy(engine, source, fan_out_project_ids) for _ in range(RAW_COPY_REPEATS)]
    return min(runs)


def raw_copy_figure(seconds: float, rows: int) -> tuple[str, str]:
    """The baseline's line in a report."""
    label = f"baseline: raw INSERT … SELECT of {rows:,} rows"
    return label, f"{seconds:.2f} s (best of {RAW_COPY_REPEATS})"


def _one_raw_copy(
    engine: Engine, source: ColumnElement[bool], fan_out_project_ids: Sequence[str]
) -> tuple[float, int]:
    with _scratch_project(engine) as scratch:
        fan_out = (
            select(ProjectFacts.project_id)
            .where(ProjectFacts.project_id.in_(fan_out_project_ids or [scratch]))
            .subquery()
        )
        columns = _raw_copy_columns(scratch, fan_out.c.project_id)
        statement = insert(DrawingRevision).from_select(
            list(columns),
            select(*columns.values())
            .select_from(DrawingRevision)
            .join(fan_out, true())
            .where(source),
        )
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(statement)
        seconds = time.perf_counter() - started
        # Counted, not taken from rowcount: drivers do not all report it for INSERT … SELECT.
        written = _revisions_of(engine, scratch)
    return seconds, written


def _revisions_of(engine: Engine, project_id: str) -> int:
    query = select(func.count()).where(DrawingRevision.project_id == project_id)
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def _raw_copy_columns(scratch: str, fan_out_id: Any) -> dict[str, Any]:
    revision, now = DrawingRevision, utcnow()
    return {
        "id": literal("raw-") + fan_out_id + literal("-") + revision.id,
        "project_id": literal(scratch),
        "drawing_id": revision.drawing_id,
        "set_id": revision.set_id,
        "revision_number": revision.revision_number,
        "drawing_date": revision.drawing_date,
        "drawing_sequence": revision.drawing_sequence,
        "received_date": revision.received_date,
        "file_sha256": revision.file_sha256,
        "file_name": revision.file_name,
        "status": literal("unpublished"),
        "reviewed": literal(False),
        "current": literal(False),
        "withdrawn": literal(False),
        "connection_id": literal("raw"),
        "upstream_revision_id": revision.id,
        "created_at": literal(now, revision.created_at.type),
        "updated_at": literal(now, revision.updated_at.type),
    }


@contextmanager
def _scratch_project(engine: Engine) -> Iterator[str]:
    """A throw-away project row for the baseline; its revisions go with it."""
    project_id = f"bench-scratch-{uuid.uuid4().hex[:8]}"
    facts = {"company_id": "bench", "name": "Scratch", "active": True, "updated_at": utcnow()}
    with engine.begin() as connection:
        connection.execute(
            insert(ProjectFacts).values(
                project_id=project_id, outside_applications_allowed=True, **facts
            )
        )
    try:
        yield project_id
    finally:
        with engine.begin() as connection:
            connection.execute(
                delete(DrawingRevision).where(DrawingRevision.project_id == project_id)
            )
            connection.execute(delete(ProjectFacts).where(ProjectFacts.project_id == project_id))


def copies_in(engine: Engine, project_ids: Sequence[str]) -> int:
    """Connected copies the downstream projects hold."""
    query = (
        select(func.count())
        .select_from(DrawingRevision)
        .where(
            DrawingRevision.project_id.in_(project_ids),
            DrawingRevision.connection_id.is_not(None),
        )
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def rows_present(engine: Engine, revision_ids: Sequence[str]) -> int:
    """How many of these revision ids exist: a primary-key lookup, cheap to poll."""
    query = select(func.count()).where(DrawingRevision.id.in_(revision_ids))
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)
