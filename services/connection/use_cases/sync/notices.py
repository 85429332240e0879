"""What the sync tells the downstream's distribution list (R24): that the initial copy is
complete, and which new revisions are ready for review. Each notice is written to the
outbox in the same transaction that records the progress it reports, so it is sent once
however often a change is replayed; the notification service gathers new-revision notices
into one digest per connection per window."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from services.connection.domain.connection_lifecycle import Side
from services.connection.store.models import Connection
from services.connection.store.notification_outbox import NotificationOutbox

MAX_ITEMS = 500  # what one notification event may name (count may be larger)


def _downstream_event(
    session: Session,
    connection: Connection,
    kind: notification_pb.NotificationEventKind,
    count: int,
) -> notification_pb.NotificationEvent:
    event = NotificationOutbox(session).event_for_side(connection, Side.DOWNSTREAM, kind)
    event.count = count
    return event


def initial_copy_complete(
    session: Session, connection: Connection, copied: int
) -> list[tuple[str, notification_pb.NotificationEvent]]:
    event = _downstream_event(
        session, connection, notification_pb.NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE, copied
    )
    return [(f"{connection.id}:initial-copy-complete", event)]


def new_revisions_ready(
    session: Session,
    connection: Connection,
    applied: Sequence[drawing_pb.ProjectChange],
) -> list[tuple[str, notification_pb.NotificationEvent]]:
    """One notice for the revisions published among ``applied`` (none if there are none).

    The key names the range of feed sequences recorded: ranges recorded by successive
    commits never overlap, so no revision is announced twice.
    """
    published = [c for c in applied if c.kind == drawing_pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED]
    if not published:
        return []
    event = _downstream_event(
        session,
        connection,
        notification_pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY,
        len(published),
    )
    event.items.extend(
        notification_pb.NotificationItem(
            drawing_number=change.drawing.number,
            title=change.drawing.title,
            revision_number=change.revision.revision_number,
            discipline=change.drawing.discipline,
        )
        for change in published[:MAX_ITEMS]
    )
    key = f"{connection.id}:revisions:{applied[0].sequence}-{applied[-1].sequence}"
    return [(key, event)]
