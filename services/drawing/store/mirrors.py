"""The downstream copies (mirrors) of upstream rows, changed as the upstream's feed says.
A mirror's id is ``<connection id>-<upstream id>``: found by id. One at a time (``held``,
``insert``, ``update``), or many at once for a batch applied to many connections
(``held_many`` and ``insert_many``: one statement per table, as the initial copy does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, func, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from services.drawing.domain.applying import MirrorKind
from services.drawing.domain.catalog_rules import apply_changes
from services.drawing.domain.revision_states import SetConnectionState
from services.drawing.store.models import Drawing, DrawingArea, DrawingRevision, DrawingSet
from services.drawing.store.revision_currency import make_newest_current
from shared.persistence.bulk_insert import insert_rows
from shared.persistence.db import utcnow
from shared.persistence.sort_keys import sort_key_of

MODELS: dict[MirrorKind, type[Any]] = {
    MirrorKind.AREA: DrawingArea,
    MirrorKind.SET: DrawingSet,
    MirrorKind.DRAWING: Drawing,
    MirrorKind.REVISION: DrawingRevision,
}

# Ids per ``IN`` list: far below SQLite's and PostgreSQL's limits on bound parameters.
_IDS_PER_QUERY = 2000


def _label(kind: MirrorKind, field: str) -> str:
    return f"{kind.value}_{field}"


def _held_select(
    kind: MirrorKind, ids: Sequence[str], fields: Mapping[MirrorKind, Sequence[str]]
) -> Select[Any]:
    """One kind's part of ``held_many``'s union: the same columns for every kind."""
    model = MODELS[kind]
    columns = [
        (
            getattr(model, field)
            if other is kind
            else null().cast(MODELS[other].__table__.c[field].type)
        ).label(_label(other, field))
        for other in MirrorKind
        for field in fields[other]
    ]
    return select(literal(kind.value).label("kind"), model.id.label("id"), *columns).where(
        model.id.in_(ids)
    )


class Mirrors:
    def __init__(self, session: Session) -> None:
        self._session = session

    def held(self, kind: MirrorKind, mirror_id: str) -> Any | None:
        return self._session.get(MODELS[kind], mirror_id)

    def insert(
        self,
        kind: MirrorKind,
        mirror_id: str,
        downstream_id: str,
        connection_id: str,
        fields: dict[str, object],
    ) -> None:
        now = utcnow()
        self._session.add(
            MODELS[kind](
                id=mirror_id,
                project_id=downstream_id,
                connection_id=connection_id,
                created_at=now,
                updated_at=now,
                **fields,
            )
        )
        self._session.flush()

    def held_many(
        self, wanted: Mapping[MirrorKind, Iterable[str]], fields: Mapping[MirrorKind, Sequence[str]]
    ) -> dict[MirrorKind, dict[str, Any]]:
        """The mirrors of these ids that exist, by kind and id: rows with each kind's named
        fields. One round trip for all kinds (per 2,000 ids of a kind): a ``UNION ALL`` of a
        select per table, each kind's fields in columns of their own, typed NULLs elsewhere."""
        ids = {kind: sorted(set(wanted.get(kind, ()))) for kind in MirrorKind}
        held: dict[MirrorKind, dict[str, Any]] = {kind: {} for kind in MirrorKind}
        rounds = max((len(kind_ids) for kind_ids in ids.values()), default=0)
        for start in range(0, rounds, _IDS_PER_QUERY):
            chunks = {
                kind: kind_ids[start : start + _IDS_PER_QUERY] for kind, kind_ids in ids.items()
            }
            selects = [_held_select(kind, chunk, fields) for kind, chunk in chunks.items() if chunk]
            statement = selects[0] if len(selects) == 1 else union_all(*selects)
            for row in self._session.execute(statement):
                kind = MirrorKind(row.kind)
                held[kind][row.id] = SimpleNamespace(
                    id=row.id,
                    **{field: row._mapping[_label(kind, field)] for field in fields[kind]},
                )
        return held

    def insert_many(self, kind: MirrorKind, rows: Sequence[dict[str, object]]) -> None:
        """New mirrors, in one statement: each row holds every column of its mirror but
        the timestamps (and an area's sort key, kept here as the model's validator would)."""
        if not rows:
            return
        now = utcnow()
        stamped = [{**row, "created_at": now, "updated_at": now} for row in rows]
        if kind is MirrorKind.AREA:
            for row in stamped:
                row["name_sort_key"] = sort_key_of(str(row["name"] or ""))
        # The table, not the model: no ORM per-row bulk path (COPY on PostgreSQL).
        insert_rows(self._session.connection(), MODELS[kind].__table__, stamped)

    def update(self, mirror: Any, fields: dict[str, object]) -> bool:
        return apply_changes(mirror, fields, utcnow())

    def withdraw(self, copy: DrawingRevision) -> None:
        copy.withdrawn = True
        copy.current = False
        copy.updated_at = utcnow()
        self._session.flush()

    def make_newest_current(self, drawing_id: str) -> None:
        self._session.flush()
        make_newest_current(self._session, drawing_id)

    def highest_place(self, drawing_id: str) -> int:
        """The highest ``drawing_sequence`` among the drawing's revisions (0 for none)."""
        highest = self._session.scalar(
            select(func.max(DrawingRevision.drawing_sequence)).where(
                DrawingRevision.drawing_id == drawing_id
            )
        )
        return int(highest or 0)

    def highest_places(self, drawing_ids: Iterable[str]) -> dict[str, int]:
        """``highest_place`` of several drawings, in one query per 2,000 (absent: none)."""
        wanted = sorted(set(drawing_ids))
        places: dict[str, int] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            rows = self._session.execute(
                select(DrawingRevision.drawing_id, func.max(DrawingRevision.drawing_sequence))
                .where(DrawingRevision.drawing_id.in_(wanted[start : start + _IDS_PER_QUERY]))
                .group_by(DrawingRevision.drawing_id)
            )
            places.update((drawing_id, int(place or 0)) for drawing_id, place in rows)
        return places

    def flush(self) -> None:
        self._session.flush()

    def disconnect_sets(self, connection_id: str, downstream_id: str) -> int:
        """Mark the connection's connected sets disconnected; how many were marked now."""
        marked = self._session.execute(
            update(DrawingSet)
            .where(
                DrawingSet.project_id == downstream_id,
                DrawingSet.connection_id == connection_id,
                DrawingSet.connection_state == SetConnectionState.CONNECTED.value,
            )
            .values(connection_state=SetConnectionState.DISCONNECTED.value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(marked.rowcount or 0)  # type: ignore[attr-defined]
