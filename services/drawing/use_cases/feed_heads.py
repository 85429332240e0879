"""The heads of projects' change feeds, followed by the sync engine to know what to pull."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from services.drawing.store.change_feed import ChangeFeed

# Commits in this process wake the watch at once; this catches other processes' commits.
FALLBACK_WAIT_SECONDS = 1.0


class FeedHeads:
    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed

    def watch(
        self, project_ids: list[str], watching: Callable[[], bool]
    ) -> Iterator[tuple[str, int]]:
        """(project id, newest sequence) for each known project now, then each time its
        head moves, while ``watching()`` holds. A commit in this process is reported from
        what it moved, without a query (a publication wakes the sync at once); the
        database is read at the start, when another replica's commit is heard of
        (PostgreSQL), and at least every FALLBACK_WAIT_SECONDS, for other processes'
        commits."""
        reported: dict[str, int] = {}
        read_by = 0.0  # when the database is read again at the latest
        heard_elsewhere = self._feed.commits_elsewhere
        while watching():
            generation = self._feed.generation
            elsewhere = self._feed.commits_elsewhere
            if time.monotonic() >= read_by or elsewhere != heard_elsewhere:
                heard_elsewhere = elsewhere  # taken before the read: nothing slips between
                heads = self._feed.heads(project_ids)
                read_by = time.monotonic() + FALLBACK_WAIT_SECONDS
            else:
                heads = self._feed.committed_heads(project_ids)
            for project_id, head in heads.items():
                if head > reported.get(project_id, -1):  # heads only move forward
                    reported[project_id] = head
                    yield project_id, head
            self._feed.wait_for_news(generation, max(0.0, read_by - time.monotonic()))
