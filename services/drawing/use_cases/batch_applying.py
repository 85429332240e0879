"""A batch of upstream publications applied to many connections at once, set-based.

Applying change by change costs about a dozen statements per connection per change (the
cursor, the projects, each mirror looked up and inserted on its own, a savepoint). Here the
mirrors a batch needs are looked up for every connection with one query per table, the
decisions of domain/applying are taken in memory, and the new mirrors of every connection
are inserted with one statement per table, as the initial copy does.

It takes only what is common at scale: publications whose mirrors either exist with the
same synced fields or are missing. A connection whose part needs anything else (an edit, a
withdrawal, a mirror whose fields differ) is left to the change-by-change apply, which
decides the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import applying
from services.drawing.domain.applying import SYNCED_FIELDS, MirrorKind, Step
from services.drawing.domain.copying import mirror_id
from services.drawing.store.mirrors import Mirrors
from services.drawing.use_cases.applying import publication_mirrors, revision_copy


@dataclass(frozen=True)
class Part:
    """One connection's share of a batch: the changes beyond its cursor."""

    connection_id: str
    downstream_id: str
    changes: Sequence[pb.ProjectChange]


@dataclass
class _Plan:
    """The mirrors one connection's part inserts, and how many changes alter it."""

    rows: dict[MirrorKind, list[dict[str, object]]] = field(
        default_factory=lambda: {kind: [] for kind in MirrorKind}
    )
    altered: int = 0


class BatchApplier:
    def __init__(self, mirrors: Mirrors) -> None:
        self._mirrors = mirrors

    def apply(self, parts: Sequence[Part]) -> tuple[dict[str, int], list[Part]]:
        """Applies the parts it can take: (changes altering each connection applied here,
        by connection id; the parts left to the change-by-change apply). Writes nothing
        for a part it leaves."""
        taken = [part for part in parts if all(map(applying.takes_set_based, part.changes))]
        held = self._held(taken)
        places = self._places_of_unplaced(taken)
        plans: dict[str, _Plan] = {}
        for part in taken:
            plan = _plan(part, held, places)
            if plan is not None:
                plans[part.connection_id] = plan
        for kind in MirrorKind:  # areas first: each kind refers to the ones before it
            self._mirrors.insert_many(kind, [row for p in plans.values() for row in p.rows[kind]])
        left = [part for part in parts if part.connection_id not in plans]
        return {cid: plan.altered for cid, plan in plans.items()}, left

    def _places_of_unplaced(self, parts: Sequence[Part]) -> dict[str, int]:
        """The highest place held in each drawing that gets a copy recorded before places
        existed (place 0: it goes after the copies held, as ``applying.place_of`` says)."""
        drawings = {
            mirror_id(part.connection_id, change.revision.drawing_id)
            for part in parts
            for change in part.changes
            if not change.revision.drawing_sequence
        }
        held = self._mirrors.highest_places(drawings) if drawings else {}
        return {drawing_id: held.get(drawing_id, 0) for drawing_id in drawings}

    def _held(self, parts: Sequence[Part]) -> dict[MirrorKind, dict[str, Any]]:
        """Every mirror the parts could need that exists, by kind and id: one round trip."""
        wanted: dict[MirrorKind, set[str]] = {kind: set() for kind in MirrorKind}
        for part in parts:
            for change in part.changes:
                for mirror in publication_mirrors(change, part.connection_id):
                    wanted[mirror.kind].add(mirror_id(part.connection_id, mirror.upstream_id))
                wanted[MirrorKind.REVISION].add(mirror_id(part.connection_id, change.revision.id))
        return self._mirrors.held_many(wanted, SYNCED_FIELDS)


def _plan(
    part: Part, held: dict[MirrorKind, dict[str, Any]], places: dict[str, int]
) -> _Plan | None:
    """The part's inserts, deciding as ChangeApplier does; None when a mirror it holds
    differs from the upstream's fields (an update: left to the change-by-change apply)."""
    plan = _Plan()
    planned: dict[str, Any] = {}  # mirrors this part inserts, as later changes see them
    connection_id = part.connection_id

    def insert(kind: MirrorKind, copy_id: str, fields: dict[str, object]) -> None:
        plan.rows[kind].append(
            {"id": copy_id, "project_id": part.downstream_id, "connection_id": connection_id}
            | fields
        )
        planned[copy_id] = SimpleNamespace(**fields)

    for change in part.changes:
        altered = False
        for mirror in publication_mirrors(change, connection_id):
            copy_id = mirror_id(connection_id, mirror.upstream_id)
            present = _present(copy_id, planned, held[mirror.kind])
            step = applying.refresh_step(present, mirror.fields, may_create=True)
            if step is Step.UPDATE:
                return None
            if step is Step.INSERT_COPY:
                insert(mirror.kind, copy_id, {**mirror.fields, **mirror.creating})
                altered = True
        revision = change.revision
        copy_id = mirror_id(connection_id, revision.id)
        present = _present(copy_id, planned, held[MirrorKind.REVISION])
        if applying.publication_step(present) is Step.INSERT_COPY:
            drawing_id = mirror_id(connection_id, revision.drawing_id)
            highest_held = partial(_held_place, places, drawing_id)
            place = applying.place_of(revision.drawing_sequence, highest_held)
            if drawing_id in places:  # a later unplaced copy goes after this one
                places[drawing_id] = max(places[drawing_id], place)
            insert(MirrorKind.REVISION, copy_id, revision_copy(revision, connection_id, place))
            altered = True
        plan.altered += altered
    return plan


def _present(copy_id: str, planned: dict[str, Any], held: dict[str, Any]) -> Any | None:
    """The mirror as this part sees it: inserted by an earlier change of it, or held."""
    return planned[copy_id] if copy_id in planned else held.get(copy_id)


def _held_place(places: dict[str, int], drawing_id: str) -> int:
    """The highest place among a drawing's copies planned so far (0: none yet)."""
    return places.get(drawing_id, 0)
