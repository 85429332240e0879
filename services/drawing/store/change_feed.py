"""Each project's ordered change feed: what a connection must carry downstream.

A change is appended in the same transaction as the change itself. Its sequence number is
taken by incrementing the project's feed head in one ``UPDATE … RETURNING``: the row lock
that takes makes concurrent writers queue, so numbers are per project, gap-free and in
commit order — a reader that resumes after its last sequence misses nothing and sees
nothing twice. Readers waiting for news in this process are woken after each commit, and
told the heads it moved (``committed_heads``) without asking the database; on PostgreSQL,
commits of other replicas wake them too (``feed_notifier``: they then read the database),
and a short fallback wait catches anything else.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.store.models import ProjectChange, ProjectFacts
from shared.persistence.db import utcnow
from shared.persistence.paging import ascending, fetch_page
from shared.runtime.timestamps import timestamp_of

_PENDING_KEY = "changed_feed_projects"


def moves_feed_heads(session: Session) -> bool:
    """Whether the session's open transaction appended changes (moved feed heads)."""
    return bool(session.info.get(_PENDING_KEY))


class ChangeFeed:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions
        self._news = threading.Condition()
        self._generation = 0
        self._commits_elsewhere = 0
        self._committed_heads: dict[str, int] = {}  # moved by commits in this process
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    def append(self, session: Session, project_id: str, change: pb.ProjectChange) -> int:
        """Record ``change`` (its kind and snapshot set) in the caller's transaction."""
        self.append_many(session, project_id, [change])
        return int(change.sequence)

    def append_many(
        self, session: Session, project_id: str, changes: Sequence[pb.ProjectChange]
    ) -> None:
        """Record ``changes`` in this order, each with its sequence set: the head moves
        once for all of them."""
        head = session.execute(
            update(ProjectFacts)
            .where(ProjectFacts.project_id == project_id)
            .values(last_change_sequence=ProjectFacts.last_change_sequence + len(changes))
            .returning(ProjectFacts.last_change_sequence)
        ).scalar_one()
        now = utcnow()
        created = timestamp_of(now)
        for sequence, change in enumerate(changes, start=int(head) - len(changes) + 1):
            change.sequence = sequence
            change.create_time.CopyFrom(created)
            session.add(
                ProjectChange(
                    project_id=project_id,
                    sequence=sequence,
                    kind=pb.ProjectChangeKind.Name(change.kind),
                    payload=change.SerializeToString(deterministic=True),
                    created_at=now,
                )
            )
        moved = session.info.setdefault(_PENDING_KEY, {})
        moved[project_id] = max(moved.get(project_id, 0), int(head))

    def changes_after(
        self, project_id: str, after_sequence: int, limit: int
    ) -> list[pb.ProjectChange]:
        with self._sessions() as session:
            payloads = session.scalars(
                select(ProjectChange.payload)
                .where(
                    ProjectChange.project_id == project_id,
                    ProjectChange.sequence > after_sequence,
                )
                .order_by(ProjectChange.sequence)
                .limit(limit)
            )
            return [pb.ProjectChange.FromString(payload) for payload in payloads]

    def heads(self, project_ids: list[str]) -> dict[str, int]:
        """The newest sequence of each known project's feed."""
        with self._sessions() as session:
            rows = session.execute(
                select(ProjectFacts.project_id, ProjectFacts.last_change_sequence).where(
                    ProjectFacts.project_id.in_(project_ids)
                )
            )
            return {project_id: int(sequence) for project_id, sequence in rows}

    def page(
        self, project_id: str, after_sequence: int, page_size: int, page_token: str
    ) -> tuple[list[pb.ProjectChange], str]:
        """One page of the feed after ``after_sequence``, in ascending sequence order."""
        with self._sessions() as session:
            payloads, token = fetch_page(
                session,
                select(ProjectChange.payload).where(
                    ProjectChange.project_id == project_id,
                    ProjectChange.sequence > after_sequence,
                ),
                (ascending(ProjectChange.sequence),),
                page_size=page_size,
                page_token=page_token,
                filters={"project_id": project_id, "after_sequence": after_sequence},
            )
        return [pb.ProjectChange.FromString(payload) for payload in payloads], token

    def committed_heads(self, project_ids: list[str]) -> dict[str, int]:
        """The newest sequence of each of these projects' feeds that a commit in this
        process made (projects this process has not appended to since it started are left
        out: ``heads`` reads them)."""
        with self._news:
            known = self._committed_heads
            return {
                project_id: known[project_id] for project_id in project_ids if project_id in known
            }

    def wait_for_news(self, seen_generation: int, timeout: float) -> int:
        """Block until a commit appended changes (or ``timeout``); returns the generation."""
        with self._news:
            self._news.wait_for(lambda: self._generation != seen_generation, timeout=timeout)
            return self._generation

    @property
    def generation(self) -> int:
        return self._generation

    def wake_watchers(self) -> None:
        """Another process committed changes (``feed_notifier``): wake waiting readers, who
        read the database, since this process does not know the heads that commit moved."""
        with self._news:
            self._commits_elsewhere += 1
            self._generation += 1
            self._news.notify_all()

    @property
    def commits_elsewhere(self) -> int:
        """How many other processes' commits have been heard of (see ``wake_watchers``)."""
        return self._commits_elsewhere

    def _after_commit(self, session: Session) -> None:
        moved = session.info.pop(_PENDING_KEY, None)
        if moved:
            with self._news:
                for project_id, head in moved.items():
                    known = self._committed_heads.get(project_id, 0)
                    self._committed_heads[project_id] = max(known, head)
                self._generation += 1
                self._news.notify_all()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING_KEY, None)
