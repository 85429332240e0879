"""What each transition tells whom (R23): the notices a connection's change sends to the
distribution lists of its projects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.store.models import Company, Connection, Project, User

# state reached → (event kind, which sides' lists are told)
NOTICES: dict[str, tuple[int, tuple[str, ...]]] = {
    "pending": (notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED, ("upstream",)),
    "active": (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
        ("upstream", "downstream"),
    ),
    "rejected": (notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED, ("downstream",)),
    "disconnected": (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED,
        ("upstream", "downstream"),
    ),
}


def notices_for(
    session: Session, connection: Connection, actor_user_id: str
) -> list[tuple[str, notification_pb.NotificationEvent]]:
    """(idempotency key, event) for every list the connection's new state must reach."""
    if connection.state not in NOTICES:
        return []  # a withdrawn request tells nobody
    kind, sides = NOTICES[connection.state]
    actor = session.get(User, actor_user_id)
    notices = []
    for side in sides:
        event = event_for_side(session, connection, side, kind)
        event.actor_user_id = actor_user_id
        event.actor_name = actor.display_name if actor else actor_user_id
        event.reason = connection.state_reason
        notices.append((f"{connection.id}:{connection.state}:{event.project_id}", event))
    return notices


def event_for_side(
    session: Session, connection: Connection, side: str, kind: int
) -> notification_pb.NotificationEvent:
    """An event for the ``side`` ("upstream"/"downstream") project's list, naming both ends
    as they are now (the email needs no further look-up)."""
    ends = (connection.upstream_project_id, connection.downstream_project_id)
    ours, other = ends if side == "upstream" else ends[::-1]
    project, company = project_and_company(session, ours)
    other_project, other_company = project_and_company(session, other)
    return notification_pb.NotificationEvent(
        kind=kind,  # type: ignore[arg-type]
        project_id=project.id,
        connection_id=connection.id,
        project_name=project.name,
        company_name=company.name,
        other_project_id=other_project.id,
        other_project_name=other_project.name,
        other_company_id=other_company.id,
        other_company_name=other_company.name,
    )


def project_and_company(session: Session, project_id: str) -> tuple[Project, Company]:
    project = session.get(Project, project_id)
    assert project is not None
    company = session.get(Company, project.company_id)
    assert company is not None
    return project, company
