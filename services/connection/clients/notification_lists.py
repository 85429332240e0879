"""The distribution lists the notification service stores, as the connection service asks
for them after checking the caller's Connection Manager level (facts flow down)."""

from __future__ import annotations

import grpc

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc
from connectability.v1 import common_pb2
from shared.facts.errors import DomainError, ErrorReason, Unavailable, passed_on_refusal

# Refusals of the list itself, passed on with their reason.
_PASSED_ON = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ABORTED)


def notification_service_error(
    error: grpc.RpcError, passed_on: tuple[grpc.StatusCode, ...]
) -> DomainError:
    """A refusal with one of the ``passed_on`` codes keeps its reason; anything else means
    the notification service could not answer."""
    return passed_on_refusal(error, passed_on) or Unavailable(
        ErrorReason.NOTIFICATION_SERVICE_UNAVAILABLE,
        "The notification service could not be reached; try again shortly.",
    )


class NotificationLists:
    def __init__(self, notification: notification_grpc.NotificationInternalServiceStub):
        self._notification = notification

    def get(self, project_id: str) -> common_pb2.DistributionList:
        try:
            return self._notification.GetDistributionList(
                notification_pb.GetDistributionListRequest(
                    project_id=project_id, tool=common_pb2.TOOL_CONNECTION_MANAGER
                )
            ).distribution_list
        except grpc.RpcError as error:
            raise notification_service_error(error, _PASSED_ON) from error

    def replace(
        self, project_id: str, emails: list[str], request_id: str, etag: str = ""
    ) -> common_pb2.DistributionList:
        try:
            return self._notification.UpdateDistributionList(
                notification_pb.UpdateDistributionListRequest(
                    project_id=project_id,
                    tool=common_pb2.TOOL_CONNECTION_MANAGER,
                    emails=emails,
                    request_id=request_id,
                    etag=etag,
                )
            ).distribution_list
        except grpc.RpcError as error:
            raise notification_service_error(error, _PASSED_ON) from error
