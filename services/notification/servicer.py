"""The NotificationService gRPC servicer: translation between the wire and the domain.

Built so far: the projects it serves (told from above), distribution lists, Notify (one
email per event and recipient; new-revision notices gathered into one digest per
connection per window, R24) and ListDeliveries.
Every caller is one of our services or the platform.
"""

from __future__ import annotations

from datetime import timedelta

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import common_pb2
from connectability.v1 import notification_service_pb2 as pb
from connectability.v1 import notification_service_pb2_grpc as pb_grpc
from services.notification import access_policy
from services.notification.delivery_listing import list_deliveries
from services.notification.distribution_lists import (
    StoredList,
    checked_addresses,
    load_list,
    replace_list,
)
from services.notification.events import check_notify, record_event
from services.notification.models import IdempotentRequest
from services.notification.project_registry import ProjectRegistry
from shared.errors import ErrorReason, InvalidArgument
from shared.idempotent_calls import IdempotentCalls
from shared.project_facts_messages import facts_from_message, facts_to_message
from shared.timestamps import timestamp_of

DEFAULT_DIGEST_WINDOW = timedelta(minutes=5)
_TOOLS: dict[int, str] = {
    common_pb2.TOOL_DRAWINGS: "drawings",
    common_pb2.TOOL_CONNECTION_MANAGER: "connection_manager",
}
_TOOL_VALUES: dict[str, common_pb2.Tool] = {
    "drawings": common_pb2.TOOL_DRAWINGS,
    "connection_manager": common_pb2.TOOL_CONNECTION_MANAGER,
}


def _tool_of(tool: int) -> str:
    if tool not in _TOOLS:
        raise InvalidArgument(
            ErrorReason.MISSING_FIELD, "tool must be DRAWINGS or CONNECTION_MANAGER."
        )
    return _TOOLS[tool]


def _project_id_of(project_id: str) -> str:
    if not project_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "project_id is required.")
    return project_id


def _list_message(stored: StoredList) -> common_pb2.DistributionList:
    message = common_pb2.DistributionList(
        project_id=stored.project_id,
        tool=_TOOL_VALUES[stored.tool],
        emails=stored.emails,
        etag=stored.etag,
    )
    if stored.update_time is not None:
        message.update_time.CopyFrom(timestamp_of(stored.update_time))
    return message


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(
        self,
        projects: ProjectRegistry,
        sessions: sessionmaker[Session],
        digest_window: timedelta = DEFAULT_DIGEST_WINDOW,
    ):
        self._projects = projects
        self._sessions = sessions
        self._digest_window = digest_window
        self._idempotent = IdempotentCalls(sessions, IdempotentRequest)

    def RegisterProject(
        self, request: pb.NotificationServiceRegisterProjectRequest, context: grpc.ServicerContext
    ) -> pb.NotificationServiceRegisterProjectResponse:
        access_policy.admit("RegisterProject")
        known = self._projects.register_project(facts_from_message(request.project))
        return pb.NotificationServiceRegisterProjectResponse(project=facts_to_message(known))

    def GetProject(
        self, request: pb.NotificationServiceGetProjectRequest, context: grpc.ServicerContext
    ) -> pb.NotificationServiceGetProjectResponse:
        access_policy.admit("GetProject")
        facts = self._projects.get_project(_project_id_of(request.project_id))
        return pb.NotificationServiceGetProjectResponse(project=facts_to_message(facts))

    def GetDistributionList(
        self,
        request: pb.NotificationServiceGetDistributionListRequest,
        context: grpc.ServicerContext,
    ) -> pb.NotificationServiceGetDistributionListResponse:
        access_policy.admit("GetDistributionList")
        project_id, tool = _project_id_of(request.project_id), _tool_of(request.tool)
        with self._sessions() as session:
            stored = load_list(session, project_id, tool)
        return pb.NotificationServiceGetDistributionListResponse(
            distribution_list=_list_message(stored)
        )

    def UpdateDistributionList(
        self,
        request: pb.NotificationServiceUpdateDistributionListRequest,
        context: grpc.ServicerContext,
    ) -> pb.NotificationServiceUpdateDistributionListResponse:
        access_policy.admit("UpdateDistributionList")
        project_id, tool = _project_id_of(request.project_id), _tool_of(request.tool)
        # Checked before the transaction: a refused list changes nothing.
        emails = checked_addresses(list(request.emails))

        def replace(session: Session) -> pb.NotificationServiceUpdateDistributionListResponse:
            stored = replace_list(session, project_id, tool, emails, request.etag)
            return pb.NotificationServiceUpdateDistributionListResponse(
                distribution_list=_list_message(stored)
            )

        return self._idempotent.run(
            "UpdateDistributionList",
            request,
            pb.NotificationServiceUpdateDistributionListResponse,
            replace,
        )

    def Notify(self, request: pb.NotifyRequest, context: grpc.ServicerContext) -> pb.NotifyResponse:
        access_policy.admit("Notify")
        check_notify(request)
        for attempt in range(2):
            try:
                with self._sessions.begin() as session:
                    recorded = record_event(session, request, self._digest_window)
                break
            except IntegrityError:
                # A twin with the same key committed first; the second pass answers its event.
                if attempt:
                    raise
        return pb.NotifyResponse(
            event_id=recorded.event_id,
            queued_messages=recorded.queued_messages,
            duplicate=recorded.duplicate,
        )

    def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListDeliveriesResponse:
        access_policy.admit("ListDeliveries")
        _project_id_of(request.project_id)
        with self._sessions() as session:
            return list_deliveries(session, request)
