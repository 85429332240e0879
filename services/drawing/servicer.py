"""The DrawingService gRPC servicer: translation between the wire and the drawing domain.

Built so far: the projects it serves (told from above) and Drawings permissions. Every
other RPC of the contract answers UNIMPLEMENTED (inherited) until its issue lands.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from services.drawing.drawings_permissions import DrawingsPermissions
from services.drawing.models import DrawingsGrant
from services.drawing.project_registry import ProjectRegistry
from shared.caller_checks import require_platform_or_service
from shared.errors import InvalidArgument
from shared.idempotent_calls import IdempotentCalls
from shared.permission_messages import level_from_message, level_to_message
from shared.project_facts_messages import facts_from_message, facts_to_message

# Who tells this service about projects and grants (until project admins can, issue 3).
DIRECTORY_SERVICES = ("connection",)


def _permission_message(
    project_id: str, user_id: str, level: str, grant: Any
) -> pb.DrawingsPermission:
    message = pb.DrawingsPermission(
        project_id=project_id, user_id=user_id, level=level_to_message(level)
    )
    if grant is not None:
        stamp = Timestamp()
        stamp.FromDatetime(grant.updated_at)
        message.update_time.CopyFrom(stamp)
    return message


def _grant_message(grant: DrawingsGrant) -> pb.DrawingsPermission:
    return _permission_message(grant.project_id, grant.user_id, grant.level, grant)


def _require(request: Any, *fields: str) -> None:
    missing = [name for name in fields if not getattr(request, name)]
    if missing:
        raise InvalidArgument("MISSING_FIELD", f"{', '.join(missing)} is required.")


class DrawingServicer(pb_grpc.DrawingServiceServicer):
    def __init__(
        self,
        projects: ProjectRegistry,
        permissions: DrawingsPermissions,
        idempotent: IdempotentCalls,
    ):
        self._projects = projects
        self._permissions = permissions
        self._idempotent = idempotent

    def RegisterProject(
        self, request: pb.DrawingServiceRegisterProjectRequest, context: grpc.ServicerContext
    ) -> pb.DrawingServiceRegisterProjectResponse:
        require_platform_or_service(*DIRECTORY_SERVICES)
        known = self._projects.register_project(facts_from_message(request.project))
        return pb.DrawingServiceRegisterProjectResponse(project=facts_to_message(known))

    def GetProject(
        self, request: pb.DrawingServiceGetProjectRequest, context: grpc.ServicerContext
    ) -> pb.DrawingServiceGetProjectResponse:
        require_platform_or_service()
        _require(request, "project_id")
        facts = self._projects.get_project(request.project_id)
        return pb.DrawingServiceGetProjectResponse(project=facts_to_message(facts))

    def SetDrawingsPermission(
        self, request: pb.SetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.SetDrawingsPermissionResponse:
        require_platform_or_service(*DIRECTORY_SERVICES)
        _require(request, "project_id", "user_id")
        level = level_from_message(request.level)

        def grant(session: Any) -> pb.SetDrawingsPermissionResponse:
            self._permissions.set_level(request.project_id, request.user_id, level, session)
            stored = session.get(DrawingsGrant, (request.project_id, request.user_id))
            return pb.SetDrawingsPermissionResponse(
                permission=_permission_message(request.project_id, request.user_id, level, stored)
            )

        return self._idempotent.run(
            "SetDrawingsPermission", request, pb.SetDrawingsPermissionResponse, grant
        )

    def GetDrawingsPermission(
        self, request: pb.GetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingsPermissionResponse:
        require_platform_or_service()
        _require(request, "project_id", "user_id")
        level = self._permissions.level_of(request.project_id, request.user_id)
        return pb.GetDrawingsPermissionResponse(
            permission=_permission_message(request.project_id, request.user_id, level, None)
        )

    def ListDrawingsPermissions(
        self, request: pb.ListDrawingsPermissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingsPermissionsResponse:
        require_platform_or_service()
        if not request.project_id and not request.user_id:
            raise InvalidArgument("MISSING_FIELD", "project_id or user_id is required.")
        if request.project_id and request.user_id:
            grant = self._permissions.grant_of(request.project_id, request.user_id)
            grants, next_token = ([grant] if grant is not None else []), ""
        elif request.project_id:
            grants, next_token = self._permissions.list_levels(
                request.project_id, request.page_size, request.page_token
            )
        else:
            grants, next_token = self._permissions.list_levels_of_user(
                request.user_id, request.page_size, request.page_token
            )
        return pb.ListDrawingsPermissionsResponse(
            permissions=[_grant_message(grant) for grant in grants], next_page_token=next_token
        )
