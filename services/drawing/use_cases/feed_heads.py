"""The heads of projects' change feeds, followed by the sync engine to know what to pull."""

from __future__ import annotations

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
        head moves, while ``watching()`` holds."""
        reported: dict[str, int] = {}
        while watching():
            generation = self._feed.generation
            for project_id, head in self._feed.heads(project_ids).items():
                if reported.get(project_id) != head:
                    reported[project_id] = head
                    yield project_id, head
            self._feed.wait_for_news(generation, FALLBACK_WAIT_SECONDS)
