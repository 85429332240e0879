"""The sync engine's side in the drawing service (R14–R21), called by the connection service:
the initial copy, applying upstream feed changes, and recording a disconnect.

A batch of changes is applied in one transaction with the connections' cursors locked:
changes at or below the cursor are skipped, the rest must continue it without a gap, and
the cursor moves to the last one in the same commit, so every change is applied exactly
once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.change_batches import check_batch, unapplied
from services.drawing.domain.copying import CopyStep, plan_copy, require_active_for_copy
from services.drawing.domain.sync_cursors import (
    CursorT,
    Disconnect,
    disconnect_step,
    require_active,
    require_connected,
    require_copied,
    require_same_projects,
)
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases.applying import ChangeApplier
from services.drawing.use_cases.batch_applying import BatchApplier, Part
from shared.facts.errors import DomainError


@dataclass(frozen=True)
class SyncTarget:
    """One connection: the upstream it follows and the downstream its copies live in."""

    connection_id: str
    upstream_id: str
    downstream_id: str


@dataclass(frozen=True)
class Applied:
    applied_through_sequence: int
    applied_count: int  # the changes that altered the downstream


@dataclass(frozen=True)
class ConnectionOutcome:
    """One connection's part of a batch applied to several: applied, or refused alone."""

    connection_id: str
    result: Applied | DomainError


class ConnectionSync:
    def __init__(self, unit_of_work: Callable[[], DrawingUnitOfWork]) -> None:
        self._uow = unit_of_work

    def copy_published_revisions(self, target: SyncTarget) -> tuple[int, int]:
        """(the upstream feed position the copy reflects, copies the downstream now holds)."""
        with self._uow() as uow:
            # Both projects must be known before either one's activity is judged.
            active = {
                project_id: uow.project_rows.active_of_known(project_id)
                for project_id in (target.upstream_id, target.downstream_id)
            }
            for project_id, is_active in active.items():
                require_active_for_copy(project_id, is_active)
            # Lock the upstream's feed head: no publication can slip between the snapshot and
            # the position returned, so following the feed from there misses nothing. Taken
            # before the cursor, so a twin copy waits here and then finds this one's cursor.
            snapshot = uow.project_rows.locked_feed_head(target.upstream_id)
            uow.project_rows.lock(target.downstream_id)
            cursor = uow.cursors.locked(target.connection_id)
            plan = plan_copy(cursor, target.upstream_id, target.downstream_id, snapshot)
            if plan.step is CopyStep.COPY:
                uow.initial_copies.copy(
                    target.connection_id, target.upstream_id, target.downstream_id
                )
                uow.cursors.start(
                    target.connection_id, target.upstream_id, target.downstream_id, snapshot
                )
            return plan.position, uow.initial_copies.held(
                target.connection_id, target.downstream_id
            )

    def apply_project_changes(
        self, target: SyncTarget, changes: Sequence[pb.ProjectChange]
    ) -> Applied:
        [outcome] = self.apply_to_connections([target], changes)
        if isinstance(outcome.result, DomainError):
            raise outcome.result
        return outcome.result

    def apply_to_connections(
        self, targets: Sequence[SyncTarget], changes: Sequence[pb.ProjectChange]
    ) -> list[ConnectionOutcome]:
        """The same batch to each connection, in one transaction; a connection's refusal
        undoes only its own part.

        The cursors are locked and the projects read with one query each; publications
        go to every connection set-based (BatchApplier), and a connection whose part needs
        more is applied change by change in a savepoint of its own."""
        check_batch(changes)  # a bad batch is refused whole, before any connection
        results: dict[str, Applied | DomainError] = {}
        with self._uow() as uow:
            # Cursors are locked in id order, so two batches never wait on each other.
            cursors = uow.cursors.locked_many([target.connection_id for target in targets])
            active = uow.project_rows.active_of_many(
                project
                for target in targets
                for project in (target.upstream_id, target.downstream_id)
            )
            parts: list[Part] = []
            for target in sorted(targets, key=lambda t: (t.connection_id, t.downstream_id)):
                cursor = cursors.get(target.connection_id)
                try:
                    cursor, to_apply = _unapplied(target, cursor, active.get, changes)
                except DomainError as refusal:
                    results[target.connection_id] = refusal
                    continue
                if to_apply:
                    parts.append(Part(target.connection_id, target.downstream_id, to_apply))
                else:
                    results[target.connection_id] = Applied(cursor.applied_through_sequence, 0)
            altered, left = BatchApplier(uow.mirrors).apply(parts)
            if altered:
                through = changes[-1].sequence  # every part runs to the end of the batch
                uow.cursors.advance_many(sorted(altered), through)
                results.update((cid, Applied(through, count)) for cid, count in altered.items())
            by_id = {target.connection_id: target for target in targets}
            for part in left:
                result: Applied | DomainError
                try:
                    with uow.savepoint():
                        result = self._apply(uow, by_id[part.connection_id], changes)
                except DomainError as refusal:
                    result = refusal
                results[part.connection_id] = result
        return [ConnectionOutcome(t.connection_id, results[t.connection_id]) for t in targets]

    def mark_disconnected(self, connection_id: str, downstream_id: str) -> int:
        """Stop the connection for good and mark its connected sets; the sets marked now."""
        with self._uow() as uow:
            uow.project_rows.active_of_known(downstream_id)
            uow.project_rows.lock(downstream_id)
            cursor = uow.cursors.locked(connection_id)
            step = disconnect_step(cursor, downstream_id)
            if step is Disconnect.START_DISCONNECTED:
                # The row remains, so a late copy is refused.
                uow.cursors.start(connection_id, None, downstream_id, 0, disconnected=True)
            elif step is Disconnect.STOP and cursor is not None:
                uow.cursors.stop(cursor)
            return uow.mirrors.disconnect_sets(connection_id, downstream_id)

    def _apply(
        self, uow: DrawingUnitOfWork, target: SyncTarget, changes: Sequence[pb.ProjectChange]
    ) -> Applied:
        """The batch to one connection, change by change."""
        cursor, to_apply = _unapplied(
            target,
            uow.cursors.locked(target.connection_id),
            uow.project_rows.active_of,
            changes,
        )
        applier = ChangeApplier(uow.mirrors, target.connection_id, target.downstream_id)
        altered = 0
        for change in to_apply:
            if applier.apply(change):
                altered += 1
            # One change at a time: a drawing renumbered after another never meets a stale
            # unique (area, number) pair inside one flush.
            uow.mirrors.flush()
        if to_apply:
            uow.cursors.advance(cursor, to_apply[-1].sequence)
        return Applied(cursor.applied_through_sequence, altered)


def _unapplied(
    target: SyncTarget,
    cursor: CursorT | None,
    active_of: Callable[[str], bool | None],
    changes: Sequence[pb.ProjectChange],
) -> tuple[CursorT, list[pb.ProjectChange]]:
    """The connection's cursor, once it may apply, and the changes beyond it; refuses
    (DomainError) a connection that may not."""
    checked = require_copied(cursor, target.connection_id)
    require_connected(checked)
    require_same_projects(checked, target.upstream_id, target.downstream_id)
    for project_id in (target.upstream_id, target.downstream_id):
        require_active(project_id, active_of(project_id))
    return checked, unapplied(changes, checked.applied_through_sequence)
