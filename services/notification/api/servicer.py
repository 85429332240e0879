"""The NotificationInternalService gRPC servicer: translation between the wire and the domain.

Built so far: the projects it serves (told from above), distribution lists, Notify (one
email per event and recipient; new-revision notices gathered into one digest per
connection per window, R24), ListDeliveries and ResendDelivery.
Every caller is one of our services or the platform.
"""

from __future__ import annotations

from datetime import timedelta

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as pb_grpc
from connectability.v1 import common_pb2
from services.notification.delivery_listing import delivery_message, list_deliveries
from services.notification.delivery_resending import resend_delivery
from services.notification.distribution_lists import (
    StoredList,
    checked_addresses,
    load_list,
    replace_list,
)
from services.notification.domain import access_policy
from services.notification.events import check_notify, record_event
from services.notification.project_registry import ProjectRegistry
from services.notification.store.models import IdempotentRequest
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.runtime.project_facts_messages import facts_from_message, facts_to_message
from shared.runtime.timestamps import timestamp_of

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


class NotificationServicer(pb_grpc.NotificationInternalServiceServicer):
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
        self,
        request: pb.NotificationInternalServiceRegisterProjectRequest,
        context: grpc.ServicerContext,
    ) -> pb.NotificationInternalServiceRegisterProjectResponse:
        access_policy.admit("RegisterProject")
        known = self._projects.register_project(facts_from_message(request.project))
        return pb.NotificationInternalServiceRegisterProjectResponse(
            project=facts_to_message(known)
        )

    def GetProject(
        self,
        request: pb.NotificationInternalServiceGetProjectRequest,
        context: grpc.ServicerContext,
    ) -> pb.NotificationInternalServiceGetProjectResponse:
        access_policy.admit("GetProject")
        facts = self._projects.get_project(_project_id_of(request.project_id))
        return pb.NotificationInternalServiceGetProjectResponse(project=facts_to_message(facts))

    def GetDistributionList(
        self,
        request: pb.GetDistributionListRequest,
        context: grpc.ServicerContext,
    ) -> pb.GetDistributionListResponse:
        access_policy.admit("GetDistributionList")
        project_id, tool = _project_id_of(request.project_id), _tool_of(request.tool)
        with self._sessions() as session:
            stored = load_list(session, project_id, tool)
        return pb.GetDistributionListResponse(distribution_list=_list_message(stored))

    def UpdateDistributionList(
        self,
        request: pb.UpdateDistributionListRequest,
        context: grpc.ServicerContext,
    ) -> pb.UpdateDistributionListResponse:
        access_policy.admit("UpdateDistributionList")
        project_id, tool = _project_id_of(request.project_id), _tool_of(request.tool)
        # Checked before the transaction: a refused list changes nothing.
        emails = checked_addresses(list(request.emails))

        def replace(session: Session) -> pb.UpdateDistributionListResponse:
            stored = replace_list(session, project_id, tool, emails, request.etag)
            return pb.UpdateDistributionListResponse(distribution_list=_list_message(stored))

        return self._idempotent.run(
            "UpdateDistributionList",
            request,
            pb.UpdateDistributionListResponse,
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

    def ResendDelivery(
        self, request: pb.ResendDeliveryRequest, context: grpc.ServicerContext
    ) -> pb.ResendDeliveryResponse:
        access_policy.admit("ResendDelivery")
        project_id = _project_id_of(request.project_id)
        if not request.message_id:
            raise InvalidArgument(ErrorReason.MISSING_FIELD, "message_id is required.")

        def resend(session: Session) -> pb.ResendDeliveryResponse:
            queued = resend_delivery(session, project_id, request.message_id)
            return pb.ResendDeliveryResponse(delivery=delivery_message(queued))

        return self._idempotent.run("ResendDelivery", request, pb.ResendDeliveryResponse, resend)
