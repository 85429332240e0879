"""Feed-head wake-ups across drawing replicas, through PostgreSQL ``LISTEN/NOTIFY``.

A transaction that moves a feed head also sends ``NOTIFY drawing_feed_heads``: PostgreSQL
delivers it only once that transaction commits, and never if it rolls back, so a listener
never hears of a head that is not there to read. Each replica listens on a connection of
its own, in a thread, and wakes its watchers exactly as a commit in the process does; they
then read the heads from the database as always. A notification carries its sender's
token, so a replica ignores its own (its commits woke its watchers already). Without this,
a watcher on one replica hears a publish committed through another only at its fallback
poll (1 s).

SQLite is the single-process default: there every commit is already in this process, and
nothing here runs.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import psycopg
from sqlalchemy import event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.change_feed import moves_feed_heads

CHANNEL = "drawing_feed_heads"
# How often the listening thread looks up from its wait to see whether it should stop.
_POLL_SECONDS = 0.5
# After the listening connection broke: wait this long before connecting again.
_RECONNECT_SECONDS = 1.0

log = logging.getLogger(__name__)


class FeedHeadNotifier:
    """Sends a notification with each commit that moves a feed head, and calls ``wake``
    whenever any process (this one included) sent one."""

    def __init__(
        self, database_url: str, sessions: sessionmaker[Session], wake: Callable[[], None]
    ):
        self._conninfo = _libpq_conninfo(database_url)
        self._wake = wake
        self._origin = uuid.uuid4().hex
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="feed-head-listener", daemon=True)
        event.listen(sessions, "before_commit", self._notify_if_heads_moved)

    def start(self) -> FeedHeadNotifier:
        self._thread.start()
        return self

    def wait_until_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=_POLL_SECONDS * 4)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen_once()
            except psycopg.Error as error:
                self._listening.clear()
                log.warning("feed-head listener lost its connection (%s); reconnecting", error)
                self._stopping.wait(_RECONNECT_SECONDS)

    def _listen_once(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._listening.set()
            # Whatever was committed while nobody listened: let the watchers look again.
            self._wake()
            while not self._stopping.is_set():
                for notification in connection.notifies(timeout=_POLL_SECONDS, stop_after=1):
                    if notification.payload != self._origin:
                        self._wake()

    def _notify_if_heads_moved(self, session: Session) -> None:
        if moves_feed_heads(session):
            session.execute(
                text("SELECT pg_notify(:channel, :origin)"),
                {"channel": CHANNEL, "origin": self._origin},
            )


def start_feed_head_notifier(
    database_url: str, sessions: sessionmaker[Session], wake: Callable[[], None]
) -> FeedHeadNotifier | None:
    """The notifier of a drawing replica on PostgreSQL, listening; None on SQLite."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return None
    return FeedHeadNotifier(database_url, sessions, wake).start()


def _libpq_conninfo(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+psycopg://…``) as a plain libpq URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
