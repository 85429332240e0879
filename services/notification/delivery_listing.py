"""ListDeliveries: a project's deliveries, newest first, paged by a keyset on the id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as public_pb
from services.notification.distribution_lists import require_project
from services.notification.models import Delivery
from shared.paging import (
    InvalidPageRequest,
    clamp_page_size,
    decode_page_token,
    encode_page_token,
    filter_digest,
)
from shared.timestamps import timestamp_of

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
    size = clamp_page_size(request.page_size)
    # shared.paging.fetch_page walks keys upwards; newest first needs a downward keyset.
    digest = filter_digest({"project_id": request.project_id, "event_id": request.event_id})
    statement = select(Delivery).where(Delivery.project_id == request.project_id)
    if request.event_id:
        statement = statement.where(Delivery.event_id == request.event_id)
    if request.page_token:
        statement = statement.where(Delivery.id < _position_before(request.page_token, digest))
    rows = list(session.scalars(statement.order_by(Delivery.id.desc()).limit(size + 1)))
    token = ""
    if len(rows) > size:
        rows = rows[:size]
        token = encode_page_token({"f": digest, "k": rows[-1].id})
    return pb.ListDeliveriesResponse(
        deliveries=[delivery_message(row) for row in rows], next_page_token=token
    )


def _position_before(page_token: str, digest: str) -> int:
    position = decode_page_token(page_token)
    if position.get("f") != digest:
        raise InvalidPageRequest("page_token was issued for a different request")
    before = position.get("k")
    if not isinstance(before, int) or isinstance(before, bool):
        raise InvalidPageRequest("page_token is not a token this service issued")
    return before
