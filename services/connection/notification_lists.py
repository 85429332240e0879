"""The distribution lists the notification service stores, as the connection service asks
for them after checking the caller's Connection Manager level (facts flow down)."""

from __future__ import annotations

import grpc

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc
from connectability.v1 import common_pb2
from shared.errors import InvalidArgument, Unavailable, error_info_of


def _translated(error: grpc.RpcError) -> Exception:
    """A refusal of the list itself keeps its reason; anything else is unavailability."""
    info = error_info_of(error)
    if error.code() == grpc.StatusCode.INVALID_ARGUMENT and info is not None:  # type: ignore[attr-defined]
        return InvalidArgument(info.reason, error.details(), dict(info.metadata))  # type: ignore[attr-defined]
    return Unavailable(
        "NOTIFICATION_SERVICE_UNAVAILABLE",
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
            raise _translated(error) from error

    def replace(
        self, project_id: str, emails: list[str], request_id: str
    ) -> common_pb2.DistributionList:
        try:
            return self._notification.UpdateDistributionList(
                notification_pb.UpdateDistributionListRequest(
                    project_id=project_id,
                    tool=common_pb2.TOOL_CONNECTION_MANAGER,
                    emails=emails,
                    request_id=request_id,
                )
            ).distribution_list
        except grpc.RpcError as error:
            raise _translated(error) from error
