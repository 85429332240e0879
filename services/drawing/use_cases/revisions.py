"""Drawing revisions: read, list, review, publish, make current, edit, withdraw, delete.

Reviewing, publishing and editing need the Drawings admin level (R26). Read-only users see
published revisions only: an unpublished one answers them the NOT_FOUND a missing one gets.
Revisions are answered as their wire messages: whether one is outdated (R15) and its file
size are read in the same transaction as the revision itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.drawings_access import ADMIN, READ_ONLY, sees_unpublished
from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.store import revision_reads
from services.drawing.store.repositories import RevisionFilter
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from services.drawing.use_cases.catalog import Edit
from services.drawing.use_cases.revision_steps import Revisions
from shared.facts.identity import Principal


class RevisionUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork], revisions: Revisions) -> None:
        self._uow = uow
        self._revisions = revisions

    # Reading

    def get(self, caller: Principal, revision_id: str) -> pb.DrawingRevision:
        with self._uow().reading() as uow:
            row = access.readable_revision(uow, caller, revision_id)
            return revision_reads.message_of(row)

    def page(
        self, caller: Principal, wanted: RevisionFilter, page_size: int, page_token: str
    ) -> tuple[list[pb.DrawingRevision], str]:
        with self._uow().reading() as uow:
            _, level = access.require_with_level(uow, caller, wanted.project_id, READ_ONLY)
            if not sees_unpublished(level):
                if wanted.status == RevisionStatus.UNPUBLISHED:
                    return [], ""
                wanted = replace(wanted, status=RevisionStatus.PUBLISHED)
            rows, token = uow.revisions.page_rows(wanted, page_size, page_token)
            return [revision_reads.message_of(row) for row in rows], token

    # Review and publish

    def confirm(
        self, caller: Principal, project_id: str, revision_ids: list[str]
    ) -> list[pb.DrawingRevision]:
        with self._uow() as uow:
            access.require_to_change(uow, caller, project_id, ADMIN)
            confirmed = self._revisions.confirm(uow.session, project_id, revision_ids)
            return self._revisions.messages(uow.session, confirmed)

    def publish(
        self, caller: Principal, set_id: str, revision_ids: list[str]
    ) -> list[pb.DrawingRevision]:
        """The named revisions of the set, or (none named) all its reviewed ones."""
        with self._uow() as uow:
            drawing_set = access.visible(
                uow, caller, "drawing_set", set_id, uow.catalog.drawing_set
            )
            access.require_to_change(
                uow, caller, drawing_set.project_id, ADMIN, ("drawing_set", drawing_set.id)
            )
            return self._revisions.publish(uow.session, drawing_set, revision_ids)

    def make_current(self, caller: Principal, revision_id: str) -> pb.DrawingRevision:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id, ADMIN)
            updated = self._revisions.set_current(uow.session, revision)
            return self._revisions.message(uow.session, updated)

    # Edits, withdrawal, deletion

    def update(self, caller: Principal, edit: Edit) -> pb.DrawingRevision:
        with self._uow() as uow:
            access.visible_revision(uow, caller, edit.record_id, ADMIN)
            changes = edit.changes()
            revision = uow.revisions.locked(edit.record_id, edit.etag)
            updated = self._revisions.update(uow.session, revision, changes)
            return self._revisions.message(uow.session, updated)

    def withdraw(self, caller: Principal, revision_id: str) -> pb.DrawingRevision:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id, ADMIN)
            withdrawn = self._revisions.withdraw(uow.session, revision)
            return self._revisions.message(uow.session, withdrawn)

    def delete(self, caller: Principal, revision_id: str) -> None:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id, ADMIN)
            self._revisions.delete(uow.session, revision)
