"""A project's change feed as the public API serves it: a page at a time, or watched.

The feed is public: an integrator's incremental sync reads it like our own sync does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.drawings_access import READ_ONLY
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from shared.facts.identity import Principal

WATCH_BATCH = 500
WATCH_FALLBACK_SECONDS = 1.0


class ProjectChangesUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork], feed: ChangeFeed) -> None:
        self._uow = uow
        self._feed = feed

    def page(
        self,
        caller: Principal,
        project_id: str,
        after_sequence: int,
        page_size: int,
        page_token: str,
    ) -> tuple[list[pb.ProjectChange], str]:
        self._require_reader(caller, project_id)
        return self._feed.page(project_id, after_sequence, page_size, page_token)

    def watch(
        self,
        caller: Principal,
        project_id: str,
        after_sequence: int,
        is_active: Callable[[], bool],
    ) -> Iterator[pb.ProjectChange]:
        """Every change after ``after_sequence``, then each new one, while ``is_active``."""
        self._require_reader(caller, project_id)
        last = after_sequence
        while is_active():
            generation = self._feed.generation
            batch = self._feed.changes_after(project_id, last, WATCH_BATCH)
            yield from batch
            if batch:
                last = batch[-1].sequence
            if len(batch) < WATCH_BATCH:
                # Woken by a commit in this process; the timeout catches other processes'.
                self._feed.wait_for_news(generation, WATCH_FALLBACK_SECONDS)

    def _require_reader(self, caller: Principal, project_id: str) -> None:
        with self._uow() as uow:
            access.require(uow, caller, project_id, READ_ONLY)
