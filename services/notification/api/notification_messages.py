"""Reading NotificationInternalService requests and building its replies.

Its protos carry no validation rules yet, so the required fields are checked here.
"""

from __future__ import annotations

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as public_pb
from services.notification.domain.deliveries import DeliveryStatus, DeliverySummary
from services.notification.domain.events import KIND_NAMES, MAX_KEY_LENGTH
from services.notification.domain.recipients import CONNECTION_MANAGER, DRAWINGS, RecipientList
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.runtime.timestamps import timestamp_of

_TOOLS: dict[common_pb2.Tool, str] = {
    common_pb2.TOOL_DRAWINGS: DRAWINGS,
    common_pb2.TOOL_CONNECTION_MANAGER: CONNECTION_MANAGER,
}
_TOOL_VALUES: dict[str, common_pb2.Tool] = {name: value for value, name in _TOOLS.items()}
_STATUSES = {
    DeliveryStatus.QUEUED: public_pb.NOTIFICATION_DELIVERY_STATUS_QUEUED,
    DeliveryStatus.RETRYING: public_pb.NOTIFICATION_DELIVERY_STATUS_QUEUED,
    DeliveryStatus.SENDING: public_pb.NOTIFICATION_DELIVERY_STATUS_SENDING,
    DeliveryStatus.SENT: public_pb.NOTIFICATION_DELIVERY_STATUS_SENT,
    DeliveryStatus.FAILED: public_pb.NOTIFICATION_DELIVERY_STATUS_FAILED,
}


def tool_of(tool: common_pb2.Tool) -> str:
    if tool not in _TOOLS:
        raise InvalidArgument(
            ErrorReason.MISSING_FIELD, "tool must be DRAWINGS or CONNECTION_MANAGER."
        )
    return _TOOLS[tool]


def project_id_of(project_id: str) -> str:
    if not project_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "project_id is required.")
    return project_id


def message_id_of(message_id: str) -> str:
    if not message_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "message_id is required.")
    return message_id


def checked_notify(request: pb.NotifyRequest) -> tuple[pb.NotificationEvent, str]:
    """The event and its idempotency key; refused before anything is stored."""
    event = request.event
    if event.kind not in KIND_NAMES:
        raise InvalidArgument(
            ErrorReason.UNKNOWN_EVENT_KIND,
            f"event.kind {event.kind} is not a notification event kind.",
        )
    if not event.project_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "event.project_id is required.")
    if not event.connection_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "event.connection_id is required.")
    if not 1 <= len(request.idempotency_key) <= MAX_KEY_LENGTH:
        raise InvalidArgument(
            ErrorReason.INVALID_IDEMPOTENCY_KEY,
            f"idempotency_key must be 1 to {MAX_KEY_LENGTH} characters.",
        )
    return event, request.idempotency_key


def list_message(stored: RecipientList) -> common_pb2.DistributionList:
    message = common_pb2.DistributionList(
        project_id=stored.project_id,
        tool=_TOOL_VALUES[stored.tool],
        emails=stored.emails,
        etag=stored.etag,
    )
    if stored.update_time is not None:
        message.update_time.CopyFrom(timestamp_of(stored.update_time))
    return message


def delivery_message(delivery: DeliverySummary) -> public_pb.NotificationDelivery:
    message = public_pb.NotificationDelivery(
        message_id=delivery.message_id,
        event_id=delivery.event_id,
        recipient=delivery.recipient,
        status=_STATUSES[delivery.status],
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        create_time=timestamp_of(delivery.created_at),
        update_time=timestamp_of(delivery.updated_at),
    )
    if delivery.sent_at is not None:
        message.sent_time.CopyFrom(timestamp_of(delivery.sent_at))
    return message
