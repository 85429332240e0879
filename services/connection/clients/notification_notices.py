"""Delivering one notice to the notification service (``Notify``)."""

from __future__ import annotations

import grpc

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc


class NoticeNotDelivered(Exception):
    """The notification service could not take the notice now; the outbox retries it."""


class NotificationNotices:
    def __init__(self, notification: notification_grpc.NotificationInternalServiceStub):
        self._notification = notification

    def notify(self, event: notification_pb.NotificationEvent, idempotency_key: str) -> None:
        try:
            self._notification.Notify(
                notification_pb.NotifyRequest(event=event, idempotency_key=idempotency_key)
            )
        except grpc.RpcError as error:
            detail = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
            raise NoticeNotDelivered(detail) from error
