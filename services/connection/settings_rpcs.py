"""ConnectionService RPCs of a project's Connection Manager settings and of choosing an
upstream: the distribution list (R23), the notification deliveries (R25) and the projects
one may connect to (R1).

This service checks the caller's Connection Manager level; the notification service
stores the list and the drawing service knows the Drawings grants (facts flow down).
"""

from __future__ import annotations

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as pb
from services.connection.clients.drawing_facts import DrawingFacts
from services.connection.directory import Directory
from services.connection.directory_access import DirectoryAccess
from services.connection.domain import access_policy
from services.connection.notification_deliveries import NotificationDeliveries
from services.connection.notification_lists import NotificationLists
from services.connection.store.models import Company, Project
from shared.facts.errors import ErrorReason, NotFound, PermissionDenied
from shared.facts.identity import Principal, PrincipalKind
from shared.persistence.paging import ascending, fetch_page
from shared.runtime.request_checks import required_id


class SettingsRpcs:
    _directory: Directory
    _access: DirectoryAccess
    _sessions: sessionmaker[Session]
    _drawing_facts: DrawingFacts
    _lists: NotificationLists
    _deliveries: NotificationDeliveries

    def _level_on(self, caller: Principal, project_id: str) -> str:
        if caller.kind is PrincipalKind.PLATFORM:
            return "admin"
        if caller.kind is PrincipalKind.SERVICE:
            return "read_only"  # systems read; people (and the platform) change settings
        level = self._directory.connection_manager_level(project_id, caller.user_id)
        if level == "none":
            raise NotFound(ErrorReason.PROJECT_NOT_FOUND, f"No project {project_id!r} was found.")
        self._access.require_outside_applications_allowed(caller, project_id)  # R31
        return level

    def GetDistributionList(
        self, request: pb.GetDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.GetDistributionListResponse:
        self._level_on(
            access_policy.admit("GetDistributionList"),
            required_id(request.project_id, "project_id"),
        )
        return pb.GetDistributionListResponse(distribution_list=self._lists.get(request.project_id))

    def UpdateDistributionList(
        self, request: pb.UpdateDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDistributionListResponse:
        caller = access_policy.admit("UpdateDistributionList")
        if self._level_on(caller, required_id(request.project_id, "project_id")) != "admin":
            raise PermissionDenied(
                ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                "Changing the distribution list needs the Connection Manager admin level.",
            )
        # Scoped to the caller, so two people's request ids never meet downstream.
        request_id = f"{caller.describe()}:{request.request_id}" if request.request_id else ""
        stored = self._lists.replace(
            request.project_id, list(request.emails), request_id, request.etag
        )
        return pb.UpdateDistributionListResponse(distribution_list=stored)

    def ListConnectableProjects(
        self, request: pb.ListConnectableProjectsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectableProjectsResponse:
        caller = access_policy.admit("ListConnectableProjects")
        down_id = required_id(request.downstream_project_id, "downstream_project_id")
        if self._level_on(caller, down_id) != "admin":
            raise PermissionDenied(
                ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                "Choosing an upstream needs the Connection Manager admin level.",
            )
        readable = set(self._drawing_facts.projects_readable_by(caller.user_id)) - {down_id}
        candidates = (
            select(Project, Company)
            .join(Company, Company.id == Project.company_id)
            .where(Project.id.in_(readable))
        )
        if caller.kind is PrincipalKind.INTEGRATOR:  # R31: not into companies that forbid them
            candidates = candidates.where(Company.outside_applications_allowed.is_(True))
        with self._sessions() as session:
            downstream = session.get(Project, down_id)
            assert downstream is not None  # the level check found it
            rows, token = fetch_page(
                session,
                candidates,
                (ascending(Project.name_sort_key), ascending(Project.id)),
                page_size=request.page_size,
                page_token=request.page_token,
                filters={"downstream": down_id},
            )
        choices = [
            pb.ConnectableProject(
                project_id=project.id,
                project_name=project.name,
                company_id=company.id,
                company_name=company.name,
                same_company=company.id == downstream.company_id,
            )
            for project, company in rows
        ]
        return pb.ListConnectableProjectsResponse(projects=choices, next_page_token=token)

    def ListNotificationDeliveries(
        self, request: pb.ListNotificationDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListNotificationDeliveriesResponse:
        caller = access_policy.admit("ListNotificationDeliveries")
        self._level_on(caller, required_id(request.project_id, "project_id"))
        return self._deliveries.page(request.project_id, request.page_size, request.page_token)

    def ResendNotificationDelivery(
        self, request: pb.ResendNotificationDeliveryRequest, context: grpc.ServicerContext
    ) -> pb.ResendNotificationDeliveryResponse:
        caller = access_policy.admit("ResendNotificationDelivery")
        if self._level_on(caller, required_id(request.project_id, "project_id")) != "admin":
            raise PermissionDenied(
                ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                "Sending a notification again needs the Connection Manager admin level.",
            )
        message_id = required_id(request.message_id, "message_id")
        # Scoped to the caller, so two people's request ids never meet downstream.
        request_id = f"{caller.describe()}:{request.request_id}" if request.request_id else ""
        delivery = self._deliveries.resend(request.project_id, message_id, request_id)
        return pb.ResendNotificationDeliveryResponse(delivery=delivery)
