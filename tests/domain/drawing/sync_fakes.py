"""An in-memory drawing store and a fake unit of work with the repositories the sync use
cases use (the same attributes as ``DrawingUnitOfWork``), for tests without a database."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from services.drawing.domain import currency
from services.drawing.domain.applying import MirrorKind
from services.drawing.domain.copying import (
    UNPUBLISHED_COPY,
    mirror_id,
    taken_by_initial_copy,
)
from services.drawing.domain.revision_states import SetConnectionState, is_published
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases.connection_sync import ConnectionSync
from shared.persistence.db import RecordNotFound

_EPOCH = datetime(2026, 1, 1)


@dataclass
class FakeProject:
    active: bool = True
    feed_head: int = 0


@dataclass
class FakeDrawingStore:
    """What the database would hold: projects, cursors, and rows by kind and id."""

    projects: dict[str, FakeProject] = field(default_factory=dict)
    cursors: dict[str, SimpleNamespace] = field(default_factory=dict)
    rows: dict[MirrorKind, dict[str, SimpleNamespace]] = field(
        default_factory=lambda: {kind: {} for kind in MirrorKind}
    )
    clock: Iterator[int] = field(default_factory=itertools.count)

    def now(self) -> datetime:
        """Strictly increasing, so creation order decides ties as in the database."""
        return _EPOCH + timedelta(seconds=next(self.clock))

    def add(self, kind: MirrorKind, row_id: str, **fields: Any) -> SimpleNamespace:
        now = self.now()
        row = SimpleNamespace(id=row_id, created_at=now, updated_at=now, **fields)
        self.rows[kind][row_id] = row
        return row

    def revisions_of(self, drawing_id: str) -> list[SimpleNamespace]:
        return [
            revision
            for revision in self.rows[MirrorKind.REVISION].values()
            if revision.drawing_id == drawing_id
        ]


class FakeCursors:
    def __init__(self, store: FakeDrawingStore) -> None:
        self._store = store

    def locked(self, connection_id: str) -> SimpleNamespace | None:
        return self._store.cursors.get(connection_id)

    def locked_many(self, connection_ids: Sequence[str]) -> dict[str, SimpleNamespace]:
        cursors = self._store.cursors
        return {cid: cursors[cid] for cid in sorted(set(connection_ids)) if cid in cursors}

    def start(
        self,
        connection_id: str,
        upstream_id: str | None,
        downstream_id: str,
        sequence: int,
        disconnected: bool = False,
    ) -> SimpleNamespace:
        now = self._store.now()
        cursor = SimpleNamespace(
            connection_id=connection_id,
            upstream_project_id=upstream_id,
            downstream_project_id=downstream_id,
            applied_through_sequence=sequence,
            disconnected_at=now if disconnected else None,
        )
        self._store.cursors[connection_id] = cursor
        return cursor

    def advance(self, cursor: SimpleNamespace, sequence: int) -> None:
        cursor.applied_through_sequence = max(cursor.applied_through_sequence, sequence)

    def advance_many(self, connection_ids: Sequence[str], sequence: int) -> None:
        for connection_id in connection_ids:
            self.advance(self._store.cursors[connection_id], sequence)

    def stop(self, cursor: SimpleNamespace) -> None:
        cursor.disconnected_at = self._store.now()


class FakeProjectRows:
    def __init__(self, store: FakeDrawingStore) -> None:
        self._store = store

    def locked_feed_head(self, project_id: str) -> int:
        return self._store.projects[project_id].feed_head

    def lock(self, project_id: str) -> None:
        pass  # one thread: nothing to wait for

    def active_of(self, project_id: str) -> bool | None:
        project = self._store.projects.get(project_id)
        return None if project is None else project.active

    def active_of_many(self, project_ids: Iterable[str]) -> dict[str, bool]:
        projects = self._store.projects
        return {pid: projects[pid].active for pid in set(project_ids) if pid in projects}

    def active_of_known(self, project_id: str) -> bool:
        active = self.active_of(project_id)
        if active is None:
            raise RecordNotFound("project", project_id)
        return active


class FakeMirrors:
    def __init__(self, store: FakeDrawingStore) -> None:
        self._store = store

    def held(self, kind: MirrorKind, mirror_id: str) -> SimpleNamespace | None:
        return self._store.rows[kind].get(mirror_id)

    def insert(
        self,
        kind: MirrorKind,
        mirror_id: str,
        downstream_id: str,
        connection_id: str,
        fields: dict[str, object],
    ) -> None:
        self._store.add(
            kind, mirror_id, project_id=downstream_id, connection_id=connection_id, **fields
        )

    def held_many(
        self, wanted: Mapping[MirrorKind, Iterable[str]], fields: Mapping[MirrorKind, Sequence[str]]
    ) -> dict[MirrorKind, dict[str, SimpleNamespace]]:
        held: dict[MirrorKind, dict[str, SimpleNamespace]] = {}
        for kind in MirrorKind:
            rows = self._store.rows[kind]
            ids = set(wanted.get(kind, ()))
            held[kind] = {row_id: rows[row_id] for row_id in ids if row_id in rows}
        return held

    def insert_many(self, kind: MirrorKind, rows: Sequence[dict[str, object]]) -> None:
        for row in rows:
            fields = dict(row)
            self._store.add(kind, str(fields.pop("id")), **fields)

    def highest_places(self, drawing_ids: Iterable[str]) -> dict[str, int]:
        places = {drawing_id: self.highest_place(drawing_id) for drawing_id in set(drawing_ids)}
        return {drawing_id: place for drawing_id, place in places.items() if place}

    def update(self, mirror: SimpleNamespace, fields: dict[str, object]) -> bool:
        changed = {name: value for name, value in fields.items() if getattr(mirror, name) != value}
        for name, value in changed.items():
            setattr(mirror, name, value)
        return bool(changed)

    def withdraw(self, copy: SimpleNamespace) -> None:
        copy.withdrawn = True
        copy.current = False

    def make_newest_current(self, drawing_id: str) -> None:
        published = [r for r in self._store.revisions_of(drawing_id) if is_published(r.status)]
        currency.make_newest_current(published)

    def highest_place(self, drawing_id: str) -> int:
        places = [r.drawing_sequence for r in self._store.revisions_of(drawing_id)]
        return max(places, default=0)

    def flush(self) -> None:
        pass

    def disconnect_sets(self, connection_id: str, downstream_id: str) -> int:
        marked = 0
        for drawing_set in self._store.rows[MirrorKind.SET].values():
            if (
                drawing_set.project_id == downstream_id
                and getattr(drawing_set, "connection_id", None) == connection_id
                and drawing_set.connection_state == SetConnectionState.CONNECTED.value
            ):
                drawing_set.connection_state = SetConnectionState.DISCONNECTED.value
                marked += 1
        return marked


class FakeInitialCopies:
    def __init__(self, store: FakeDrawingStore) -> None:
        self._store = store

    def held(self, connection_id: str, downstream_project_id: str) -> int:
        return sum(
            1
            for revision in self._store.rows[MirrorKind.REVISION].values()
            if revision.project_id == downstream_project_id
            and getattr(revision, "connection_id", None) == connection_id
        )

    def copy(self, connection_id: str, upstream_project_id: str, downstream_id: str) -> None:
        rows = self._store.rows
        taken = [
            revision
            for revision in list(rows[MirrorKind.REVISION].values())
            if revision.project_id == upstream_project_id and taken_by_initial_copy(revision)
        ]
        for revision in taken:
            drawing = rows[MirrorKind.DRAWING][revision.drawing_id]
            self._copy(connection_id, downstream_id, MirrorKind.AREA, drawing.area_id, {})
            self._copy(
                connection_id,
                downstream_id,
                MirrorKind.SET,
                revision.set_id,
                {"connection_state": SetConnectionState.CONNECTED.value},
            )
            self._copy(
                connection_id,
                downstream_id,
                MirrorKind.DRAWING,
                drawing.id,
                {"area_id": mirror_id(connection_id, drawing.area_id)},
            )
            self._copy(
                connection_id,
                downstream_id,
                MirrorKind.REVISION,
                revision.id,
                {
                    "drawing_id": mirror_id(connection_id, revision.drawing_id),
                    "set_id": mirror_id(connection_id, revision.set_id),
                    **UNPUBLISHED_COPY,
                },
            )

    def _copy(
        self,
        connection_id: str,
        downstream_id: str,
        kind: MirrorKind,
        upstream_id: str,
        overrides: dict[str, object],
    ) -> None:
        copy_id = mirror_id(connection_id, upstream_id)
        if copy_id in self._store.rows[kind]:
            return  # ON CONFLICT DO NOTHING
        upstream = vars(self._store.rows[kind][upstream_id])
        fields = {
            name: value
            for name, value in upstream.items()
            if name not in ("id", "created_at", "updated_at")
        }
        fields.update(project_id=downstream_id, connection_id=connection_id, **overrides)
        self._store.add(kind, copy_id, **fields)


class FakeUnitOfWork:
    """Commits by keeping the store's state; an exception puts the state of ``__enter__``
    back, as a rollback would. A savepoint does the same for its own part."""

    def __init__(self, store: FakeDrawingStore) -> None:
        self._store = store
        self.committed = False
        self.cursors = FakeCursors(store)
        self.initial_copies = FakeInitialCopies(store)
        self.mirrors = FakeMirrors(store)
        self.project_rows = FakeProjectRows(store)

    def __enter__(self) -> FakeUnitOfWork:
        self._before = self._state()
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.committed = True
        else:
            self._restore(self._before)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        before = self._state()
        try:
            yield
        except BaseException:
            self._restore(before)
            raise

    def _state(self) -> tuple[Any, ...]:
        return copy.deepcopy((self._store.projects, self._store.cursors, self._store.rows))

    def _restore(self, state: tuple[Any, ...]) -> None:
        projects, cursors, rows = copy.deepcopy(state)
        self._store.projects, self._store.cursors, self._store.rows = projects, cursors, rows


def upstream_revision(
    store: FakeDrawingStore,
    project_id: str,
    revision_id: str,
    *,
    drawing_id: str = "d1",
    status: str = "published",
    withdrawn: bool = False,
    drawing_date: date = date(2026, 3, 1),
    place: int = 1,
) -> SimpleNamespace:
    """An upstream revision with its drawing, set and area (made once per id)."""
    rows = store.rows
    if "a1" not in rows[MirrorKind.AREA]:
        store.add(MirrorKind.AREA, "a1", project_id=project_id, name="Level 1", description="")
    if "s1" not in rows[MirrorKind.SET]:
        store.add(
            MirrorKind.SET,
            "s1",
            project_id=project_id,
            name="Issued for construction",
            set_date=None,
            connection_state=SetConnectionState.NOT_CONNECTED.value,
        )
    if drawing_id not in rows[MirrorKind.DRAWING]:
        store.add(
            MirrorKind.DRAWING,
            drawing_id,
            project_id=project_id,
            area_id="a1",
            number=f"A-{drawing_id}",
            title="",
            discipline="Architectural",
        )
    return store.add(
        MirrorKind.REVISION,
        revision_id,
        project_id=project_id,
        drawing_id=drawing_id,
        set_id="s1",
        revision_number=revision_id.upper(),
        drawing_date=drawing_date,
        received_date=None,
        drawing_sequence=place,
        file_sha256=f"sha-{revision_id}",
        file_name=f"{revision_id}.pdf",
        status=status,
        reviewed=status == "published",
        current=False,
        withdrawn=withdrawn,
    )


def sync_over(store: FakeDrawingStore) -> ConnectionSync:
    """The sync use cases over ``store``, each call in a fake unit of work of its own."""
    return ConnectionSync(lambda: cast(DrawingUnitOfWork, FakeUnitOfWork(store)))
