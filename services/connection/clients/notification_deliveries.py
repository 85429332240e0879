"""The deliveries the notification service keeps (R25), as the connection service asks for
them after checking the caller's Connection Manager level (facts flow down)."""

from __future__ import annotations

import grpc

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import (
    notification_internal_service_pb2_grpc as notification_grpc,
)
from connectability.v1 import connection_service_pb2 as pb
from services.connection.clients.notification_lists import notification_service_error
from shared.facts.errors import ErrorReason, NotFound, error_info_of

# Refusals of the delivery itself keep their code and reason; anything else is the
# notification service being away.
_PASSED_ON = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
)


class NotificationDeliveries:
    def __init__(self, notification: notification_grpc.NotificationInternalServiceStub):
        self._notification = notification

    def page(
        self, project_id: str, page_size: int, page_token: str
    ) -> pb.ListNotificationDeliveriesResponse:
        try:
            answer = self._notification.ListDeliveries(
                notification_pb.ListDeliveriesRequest(
                    project_id=project_id, page_size=page_size, page_token=page_token
                )
            )
        except grpc.RpcError as error:
            if _project_unknown(error):  # not told about the project yet: nothing was sent
                return pb.ListNotificationDeliveriesResponse()
            raise notification_service_error(error, _PASSED_ON) from error
        return pb.ListNotificationDeliveriesResponse(
            deliveries=answer.deliveries, next_page_token=answer.next_page_token
        )

    def resend(self, project_id: str, message_id: str, request_id: str) -> pb.NotificationDelivery:
        try:
            return self._notification.ResendDelivery(
                notification_pb.ResendDeliveryRequest(
                    project_id=project_id, message_id=message_id, request_id=request_id
                )
            ).delivery
        except grpc.RpcError as error:
            if _project_unknown(error):  # the project exists here, so it is the delivery
                raise _no_delivery(message_id) from error
            raise notification_service_error(error, _PASSED_ON) from error


def _project_unknown(error: grpc.RpcError) -> bool:
    """The notification service was not told about the project yet (facts flow down late)."""
    info = error_info_of(error)
    return error.code() == grpc.StatusCode.NOT_FOUND and (  # type: ignore[attr-defined]
        info is not None and info.reason == "PROJECT_NOT_FOUND"
    )


def _no_delivery(message_id: str) -> NotFound:
    return NotFound(
        ErrorReason.DELIVERY_NOT_FOUND, f"No delivery {message_id!r} was found for this project."
    )
