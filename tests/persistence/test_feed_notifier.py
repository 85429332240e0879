"""Feed-head wake-ups across drawing replicas on PostgreSQL: a commit that moves a feed head
through one replica wakes the watchers of another at once, not at their fallback poll; a
rolled-back change wakes nobody; a cut listening connection is made again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.feed_notifier import (
    CHANNEL,
    FeedHeadNotifier,
    start_feed_head_notifier,
)
from services.drawing.store.models import ProjectFacts
from tests.integration.calls import eventually
from tests.persistence.service_databases import migrated_sessions

# Far beyond the 1 s fallback poll: a wait that ends before it was woken, not timed out.
NEVER = 30.0


class Replica:
    def __init__(self, url: str, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.feed = ChangeFeed(sessions)
        notifier = start_feed_head_notifier(url, sessions, self.feed.wake_watchers)
        assert isinstance(notifier, FeedHeadNotifier)
        self.notifier = notifier
        assert notifier.wait_until_listening(timeout=10)

    def publish(self, project_id: str, *, commit: bool = True) -> None:
        with self.sessions() as session:
            self.feed.append(
                session,
                project_id,
                pb.ProjectChange(kind=pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED),
            )
            if commit:
                session.commit()
            else:
                session.rollback()


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[Replica, Replica]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas run on PostgreSQL; SQLite serves one process")
    with ExitStack() as stack:
        pair = tuple(
            Replica(database_url, stack.enter_context(migrated_sessions(database_url, "drawing")))
            for _ in range(2)
        )
        for replica in pair:
            stack.callback(replica.notifier.stop)
        with pair[0].sessions.begin() as session:
            session.add(
                ProjectFacts(
                    project_id="p",
                    company_id="c",
                    name="P",
                    active=True,
                    outside_applications_allowed=True,
                )
            )
        yield pair  # type: ignore[misc]


def test_a_commit_through_one_replica_wakes_the_watchers_of_the_other(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    for _ in range(3):
        seen = b.feed.generation
        a.publish("p")
        assert b.feed.wait_for_news(seen, timeout=NEVER) != seen
        assert b.feed.heads(["p"]) == a.feed.heads(["p"])


def test_a_rolled_back_change_wakes_no_other_replica(replicas: tuple[Replica, Replica]) -> None:
    a, b = replicas
    seen = b.feed.generation
    a.publish("p", commit=False)
    assert b.feed.wait_for_news(seen, timeout=0.5) == seen
    assert b.feed.heads(["p"]) == {"p": 0}


def test_wake_ups_resume_after_the_listening_connection_was_cut(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    cut = _listeners(a)
    with a.sessions() as session:
        for pid in cut:
            session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    eventually(lambda: _reconnected(a, cut), timeout_seconds=15)
    time.sleep(0.2)  # the wake-up each reconnection gives, for what it may have missed
    seen = b.feed.generation
    a.publish("p")
    assert b.feed.wait_for_news(seen, timeout=NEVER) != seen


def _listeners(replica: Replica) -> set[int]:
    with replica.sessions() as session:
        rows = session.execute(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = :listen"
            ),
            {"listen": f"LISTEN {CHANNEL}"},
        )
        return {int(pid) for (pid,) in rows}


def _reconnected(replica: Replica, cut: set[int]) -> None:
    now = _listeners(replica)
    assert len(now - cut) == 2, (cut, now)


def test_a_replica_is_woken_once_by_its_own_commit(replicas: tuple[Replica, Replica]) -> None:
    a, b = replicas
    seen_a, seen_b = a.feed.generation, b.feed.generation
    a.publish("p")
    assert b.feed.wait_for_news(seen_b, timeout=NEVER) != seen_b  # the notification is out
    time.sleep(0.2)  # and would have reached A as well
    assert a.feed.generation == seen_a + 1  # its commit woke it; its own notification did not
