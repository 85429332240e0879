"""ListDeliveries: a project's deliveries, newest first (the id grows as they are queued)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as public_pb
from services.notification.distribution_lists import require_project
from services.notification.store.models import Delivery
from shared.persistence.paging import descending, fetch_page
from shared.runtime.timestamps import timestamp_of

_STATUSES = {
    "queued": public_pb.NOTIFICATION_DELIVERY_STATUS_QUEUED,
    "retrying": public_pb.NOTIFICATION_DELIVERY_STATUS_QUEUED,
    "sending": public_pb.NOTIFICATION_DELIVERY_STATUS_SENDING,
    "sent": public_pb.NOTIFICATION_DELIVERY_STATUS_SENT,
    "failed": public_pb.NOTIFICATION_DELIVERY_STATUS_FAILED,
}


def delivery_message(row: Delivery) -> public_pb.NotificationDelivery:
    message = public_pb.NotificationDelivery(
        message_id=row.message_id,
        event_id=row.event_id,
        recipient=row.recipient,
        status=_STATUSES[row.status],
        attempts=row.attempts,
        last_error=row.last_error,
        create_time=timestamp_of(row.created_at),
        update_time=timestamp_of(row.updated_at),
    )
    if row.sent_at is not None:
        message.sent_time.CopyFrom(timestamp_of(row.sent_at))
    return message


def list_deliveries(
    session: Session, request: pb.ListDeliveriesRequest
) -> pb.ListDeliveriesResponse:
    require_project(session, request.project_id)
    statement = select(Delivery).where(Delivery.project_id == request.project_id)
    if request.event_id:
        statement = statement.where(Delivery.event_id == request.event_id)
    rows, token = fetch_page(
        session,
        statement,
        (descending(Delivery.id),),
        page_size=request.page_size,
        page_token=request.page_token,
        filters={"project_id": request.project_id, "event_id": request.event_id},
    )
    return pb.ListDeliveriesResponse(
        deliveries=[delivery_message(row) for row in rows], next_page_token=token
    )
