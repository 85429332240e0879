"""The NotificationInternalService gRPC servicer: each method admits its caller, reads the
request, runs one use case and answers. Every caller is one of our services or the platform.
"""

from __future__ import annotations

import grpc

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as pb_grpc
from services.notification.api.notification_messages import (
    checked_notify,
    delivery_message,
    list_message,
    message_id_of,
    project_id_of,
    tool_of,
)
from services.notification.domain import access_policy
from services.notification.domain.recipients import checked_addresses
from services.notification.store.project_registry import ProjectRegistry
from services.notification.use_cases.delivery_listing import DeliveryListing
from services.notification.use_cases.delivery_resending import DeliveryResending
from services.notification.use_cases.distribution_lists import DistributionListUseCases
from services.notification.use_cases.events import EventIntake
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.project_facts_messages import facts_from_message, facts_to_message


class NotificationServicer(pb_grpc.NotificationInternalServiceServicer):
    def __init__(
        self,
        projects: ProjectRegistry,
        distribution_lists: DistributionListUseCases,
        events: EventIntake,
        listing: DeliveryListing,
        resending: DeliveryResending,
        idempotent_calls: IdempotentCalls,
    ) -> None:
        self._projects = projects
        self._distribution_lists = distribution_lists
        self._events = events
        self._listing = listing
        self._resending = resending
        self.idempotent_calls = idempotent_calls

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
        facts = self._projects.get_project(project_id_of(request.project_id))
        return pb.NotificationInternalServiceGetProjectResponse(project=facts_to_message(facts))

    def GetDistributionList(
        self, request: pb.GetDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.GetDistributionListResponse:
        access_policy.admit("GetDistributionList")
        project_id, tool = project_id_of(request.project_id), tool_of(request.tool)
        stored = self._distribution_lists.get(project_id, tool)
        return pb.GetDistributionListResponse(distribution_list=list_message(stored))

    @idempotent(pb.UpdateDistributionListResponse)
    def UpdateDistributionList(
        self, request: pb.UpdateDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDistributionListResponse:
        access_policy.admit("UpdateDistributionList")
        project_id, tool = project_id_of(request.project_id), tool_of(request.tool)
        emails = checked_addresses(list(request.emails))
        stored = self._distribution_lists.replace(project_id, tool, emails, request.etag)
        return pb.UpdateDistributionListResponse(distribution_list=list_message(stored))

    def Notify(self, request: pb.NotifyRequest, context: grpc.ServicerContext) -> pb.NotifyResponse:
        access_policy.admit("Notify")
        recorded = self._events.notify(*checked_notify(request))
        return pb.NotifyResponse(
            event_id=recorded.event_id,
            queued_messages=recorded.queued_messages,
            duplicate=recorded.duplicate,
        )

    def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListDeliveriesResponse:
        access_policy.admit("ListDeliveries")
        deliveries, next_page_token = self._listing.list(
            project_id_of(request.project_id),
            request.event_id,
            request.page_size,
            request.page_token,
        )
        return pb.ListDeliveriesResponse(
            deliveries=[delivery_message(delivery) for delivery in deliveries],
            next_page_token=next_page_token,
        )

    @idempotent(pb.ResendDeliveryResponse)
    def ResendDelivery(
        self, request: pb.ResendDeliveryRequest, context: grpc.ServicerContext
    ) -> pb.ResendDeliveryResponse:
        access_policy.admit("ResendDelivery")
        project_id = project_id_of(request.project_id)
        resent = self._resending.resend(project_id, message_id_of(request.message_id))
        return pb.ResendDeliveryResponse(delivery=delivery_message(resent))
