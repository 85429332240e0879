"""The NotificationService gRPC servicer: translation between the wire and the domain.

Built so far: the projects it serves (told from above). Every other RPC of the contract
answers UNIMPLEMENTED (inherited) until its issue lands.
"""

from __future__ import annotations

import grpc

from connectability.v1 import notification_service_pb2 as pb
from connectability.v1 import notification_service_pb2_grpc as pb_grpc
from services.notification.project_registry import ProjectRegistry
from shared.caller_checks import require_platform_or_service
from shared.errors import InvalidArgument
from shared.project_facts_messages import facts_from_message, facts_to_message


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, projects: ProjectRegistry):
        self._projects = projects

    def RegisterProject(
        self, request: pb.NotificationServiceRegisterProjectRequest, context: grpc.ServicerContext
    ) -> pb.NotificationServiceRegisterProjectResponse:
        require_platform_or_service("connection")
        known = self._projects.register_project(facts_from_message(request.project))
        return pb.NotificationServiceRegisterProjectResponse(project=facts_to_message(known))

    def GetProject(
        self, request: pb.NotificationServiceGetProjectRequest, context: grpc.ServicerContext
    ) -> pb.NotificationServiceGetProjectResponse:
        require_platform_or_service()
        if not request.project_id:
            raise InvalidArgument("MISSING_FIELD", "project_id is required.")
        facts = self._projects.get_project(request.project_id)
        return pb.NotificationServiceGetProjectResponse(project=facts_to_message(facts))
