"""The ConnectionService gRPC servicer: translation between the wire and the domain.

Built so far: the directory (companies, projects, users, Connection Manager grants), which
the platform identity manages, with project facts passed down to the drawing and
notification services. The connection lifecycle (request or preview, approve, reject, withdraw,
disconnect, the audit trail) is in connection_rpcs, the Connection Manager settings in
settings_rpcs, the sync state and initial-copy progress in sync_rpcs, and client
applications (integrators) and their token exchange in integrator_rpcs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.connection.api import directory_messages as messages
from services.connection.connection_rpcs import ConnectionRpcs
from services.connection.directory import Directory
from services.connection.directory_access import DirectoryAccess, sees_everything
from services.connection.domain import access_policy
from services.connection.domain.connection_rules import ConnectionRuleSettings
from services.connection.drawing_facts import DrawingFacts
from services.connection.integrator_clients import IntegratorClientLimits, IntegratorClients
from services.connection.integrator_rpcs import IntegratorRpcs, IntegratorTokens
from services.connection.notification_deliveries import NotificationDeliveries
from services.connection.notification_lists import NotificationLists
from services.connection.notification_outbox import NotificationOutbox
from services.connection.project_facts_publisher import ProjectFactsPublisher
from services.connection.settings_rpcs import SettingsRpcs
from services.connection.store.models import ConnectionManagerGrant, Project
from services.connection.sync.engine import SyncEngine
from services.connection.sync.records import SyncRecords
from services.connection.sync_rpcs import SyncRpcs
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.runtime.permission_messages import level_from_message, level_to_message
from shared.runtime.request_checks import required_id

log = logging.getLogger("connectability.connection")


class ConnectionServicer(
    ConnectionRpcs, SettingsRpcs, SyncRpcs, IntegratorRpcs, pb_grpc.ConnectionServiceServicer
):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: Directory,
        idempotent: IdempotentCalls,
        facts: ProjectFactsPublisher,
        drawing_facts: DrawingFacts,
        lists: NotificationLists,
        outbox: NotificationOutbox,
        rules: ConnectionRuleSettings,
        sync: SyncEngine,
        sync_records: SyncRecords,
        integrator_tokens: IntegratorTokens,
        integrator_limits: IntegratorClientLimits,
        deliveries: NotificationDeliveries,
    ):
        self._sessions = sessions
        self._directory = directory
        self._access = DirectoryAccess(directory)
        self._idempotent = idempotent
        self._facts = facts
        self._drawing_facts = drawing_facts
        self._lists = lists
        self._deliveries = deliveries
        self._outbox = outbox
        self._revision_limit = rules.revision_limit
        self._same_company_allowed = rules.same_company_allowed
        self._sync = sync
        self._sync_records = sync_records
        self._integrators = IntegratorClients(sessions, integrator_limits)
        self._integrator_tokens = integrator_tokens

    # Passing facts down

    def _pass_facts_down(self, project_ids: Iterable[str]) -> None:
        """Tell the services below at once; whatever fails, the worker retries later."""
        wanted = list(project_ids)
        if not wanted:
            return
        try:
            self._facts.deliver_pending(wanted)
        except Exception:  # committed already: the outbox keeps the news for the worker
            log.warning("passing project facts down failed; will retry", exc_info=True)
        self._facts.poke()

    # Companies

    def CreateCompany(
        self, request: pb.CreateCompanyRequest, context: grpc.ServicerContext
    ) -> pb.CreateCompanyResponse:
        access_policy.admit("CreateCompany")
        company = request.company
        fields = {
            "company_id": messages.caller_assigned_id(request.company_id, "company_id"),
            "name": messages.required_name(company.name, "company.name"),
            "file_storage_location": messages.file_storage_location(company.file_storage_location),
            "govcloud": company.govcloud,
            "approval_preference": messages.approval_preference(company.approval_preference),
            "outside_applications_allowed": (
                company.outside_applications_allowed
                if company.HasField("outside_applications_allowed")
                else True
            ),
        }

        def create(session: Session) -> pb.CreateCompanyResponse:
            created = self._directory.create_company(**fields, session=session)  # type: ignore[arg-type]
            return pb.CreateCompanyResponse(company=messages.company_message(created))

        return self._idempotent.run("CreateCompany", request, pb.CreateCompanyResponse, create)

    def GetCompany(
        self, request: pb.GetCompanyRequest, context: grpc.ServicerContext
    ) -> pb.GetCompanyResponse:
        company_id = required_id(request.company_id, "company_id")
        self._access.require_company_visible(access_policy.admit("GetCompany"), company_id)
        company = self._directory.get_company(company_id)
        return pb.GetCompanyResponse(company=messages.company_message(company))

    def ListCompanies(
        self, request: pb.ListCompaniesRequest, context: grpc.ServicerContext
    ) -> pb.ListCompaniesResponse:
        caller = access_policy.admit("ListCompanies")
        if not sees_everything(caller):  # a person sees their own company only
            own = self._directory.get_company(caller.company_id)
            return pb.ListCompaniesResponse(companies=[messages.company_message(own)])
        companies, next_token = self._directory.list_companies(
            request.page_size, request.page_token
        )
        return pb.ListCompaniesResponse(
            companies=[messages.company_message(company) for company in companies],
            next_page_token=next_token,
        )

    def UpdateCompany(
        self, request: pb.UpdateCompanyRequest, context: grpc.ServicerContext
    ) -> pb.UpdateCompanyResponse:
        caller = access_policy.admit("UpdateCompany")
        company_id = required_id(request.company.id, "company.id")
        changes = messages.company_changes(request.company, list(request.update_mask.paths))
        self._access.require_may_update_company(caller, company_id, set(changes))
        affected: list[str] = []

        def update(session: Session) -> pb.UpdateCompanyResponse:
            updated = self._directory.update_company(
                company_id, changes, session, etag=request.company.etag
            )
            if "outside_applications_allowed" in changes:  # a fact the services below hold
                affected.extend(
                    session.scalars(select(Project.id).where(Project.company_id == company_id))
                )
                self._facts.enqueue(session, affected)
            return pb.UpdateCompanyResponse(company=messages.company_message(updated))

        response = self._idempotent.run("UpdateCompany", request, pb.UpdateCompanyResponse, update)
        self._pass_facts_down(affected)
        return response

    # Projects

    def CreateProject(
        self, request: pb.CreateProjectRequest, context: grpc.ServicerContext
    ) -> pb.CreateProjectResponse:
        access_policy.admit("CreateProject")
        project = request.project
        project_id = messages.caller_assigned_id(request.project_id, "project_id")
        company_id = required_id(project.company_id, "project.company_id")
        name = messages.required_name(project.name, "project.name")
        active = messages.project_active(project.state)
        created_ids: list[str] = []

        def create(session: Session) -> pb.CreateProjectResponse:
            created = self._directory.create_project(
                company_id=company_id,
                name=name,
                active=active,
                project_id=project_id,
                session=session,
            )
            created_ids.append(created.id)
            self._facts.enqueue(session, created_ids)
            return pb.CreateProjectResponse(project=messages.project_message(created))

        response = self._idempotent.run("CreateProject", request, pb.CreateProjectResponse, create)
        self._pass_facts_down(created_ids)
        return response

    def GetProject(
        self, request: pb.GetProjectRequest, context: grpc.ServicerContext
    ) -> pb.GetProjectResponse:
        project_id = required_id(request.project_id, "project_id")
        self._access.require_project_visible(access_policy.admit("GetProject"), project_id)
        project = self._directory.get_project(project_id)
        return pb.GetProjectResponse(project=messages.project_message(project))

    def ListProjects(
        self, request: pb.ListProjectsRequest, context: grpc.ServicerContext
    ) -> pb.ListProjectsResponse:
        company_id = self._access.projects_company_filter_for(
            access_policy.admit("ListProjects"), request.company_id
        )
        projects, next_token = self._directory.list_projects(
            company_id, request.page_size, request.page_token
        )
        return pb.ListProjectsResponse(
            projects=[messages.project_message(project) for project in projects],
            next_page_token=next_token,
        )

    def UpdateProject(
        self, request: pb.UpdateProjectRequest, context: grpc.ServicerContext
    ) -> pb.UpdateProjectResponse:
        caller = access_policy.admit("UpdateProject")
        project_id = required_id(request.project.id, "project.id")
        changes = messages.project_changes(request.project, list(request.update_mask.paths))
        self._access.require_may_update_project(caller, project_id)

        def update(session: Session) -> pb.UpdateProjectResponse:
            updated = self._directory.update_project(
                project_id, changes, session, etag=request.project.etag
            )
            self._facts.enqueue(session, [project_id])
            return pb.UpdateProjectResponse(project=messages.project_message(updated))

        response = self._idempotent.run("UpdateProject", request, pb.UpdateProjectResponse, update)
        self._pass_facts_down([project_id])
        self._sync.poke()  # a paused sync resumes (or a running one pauses) at once (R21)
        return response

    # Users

    def CreateUser(
        self, request: pb.CreateUserRequest, context: grpc.ServicerContext
    ) -> pb.CreateUserResponse:
        access_policy.admit("CreateUser")
        user = request.user
        fields = {
            "user_id": messages.caller_assigned_id(request.user_id, "user_id"),
            "company_id": required_id(user.company_id, "user.company_id"),
            "email": messages.email_address(user.email),
            "display_name": messages.required_name(user.display_name, "user.display_name"),
            "company_role": messages.company_role(user.company_role),
        }

        def create(session: Session) -> pb.CreateUserResponse:
            created = self._directory.create_user(
                **fields, service_account=user.service_account, session=session
            )
            return pb.CreateUserResponse(user=messages.user_message(created))

        return self._idempotent.run("CreateUser", request, pb.CreateUserResponse, create)

    def GetUser(
        self, request: pb.GetUserRequest, context: grpc.ServicerContext
    ) -> pb.GetUserResponse:
        user_id = required_id(request.user_id, "user_id")
        self._access.require_user_visible(access_policy.admit("GetUser"), user_id)
        return pb.GetUserResponse(user=messages.user_message(self._directory.get_user(user_id)))

    def ListUsers(
        self, request: pb.ListUsersRequest, context: grpc.ServicerContext
    ) -> pb.ListUsersResponse:
        company_id = self._access.company_filter_for(
            access_policy.admit("ListUsers"), request.company_id
        )
        users, next_token = self._directory.list_users(
            company_id, request.page_size, request.page_token
        )
        return pb.ListUsersResponse(
            users=[messages.user_message(user) for user in users], next_page_token=next_token
        )

    def UpdateUser(
        self, request: pb.UpdateUserRequest, context: grpc.ServicerContext
    ) -> pb.UpdateUserResponse:
        caller = access_policy.admit("UpdateUser")
        user_id = required_id(request.user.id, "user.id")
        changes = messages.user_changes(request.user, list(request.update_mask.paths))
        self._access.require_may_update_user(caller, user_id, set(changes))

        def update(session: Session) -> pb.UpdateUserResponse:
            updated = self._directory.update_user(user_id, changes, session, etag=request.user.etag)
            return pb.UpdateUserResponse(user=messages.user_message(updated))

        return self._idempotent.run("UpdateUser", request, pb.UpdateUserResponse, update)

    # Connection Manager grants

    def SetConnectionManagerPermission(
        self, request: pb.SetConnectionManagerPermissionRequest, context: grpc.ServicerContext
    ) -> pb.SetConnectionManagerPermissionResponse:
        caller = access_policy.admit("SetConnectionManagerPermission")
        project_id = required_id(request.project_id, "project_id")
        user_id = required_id(request.user_id, "user_id")
        level = level_from_message(request.level)
        # R33: only this tool's levels on this project, so a grant cannot escalate further.
        self._access.require_may_set_grant(caller, project_id)

        def grant(session: Session) -> pb.SetConnectionManagerPermissionResponse:
            self._directory.set_connection_manager_level(project_id, user_id, level, session)
            stored = session.get(ConnectionManagerGrant, (project_id, user_id))
            permission = (
                messages.grant_message(stored)
                if stored is not None
                else pb.ConnectionManagerPermission(
                    project_id=project_id, user_id=user_id, level=level_to_message("none")
                )
            )
            return pb.SetConnectionManagerPermissionResponse(permission=permission)

        return self._idempotent.run(
            "SetConnectionManagerPermission",
            request,
            pb.SetConnectionManagerPermissionResponse,
            grant,
        )

    def ListConnectionManagerPermissions(
        self, request: pb.ListConnectionManagerPermissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionManagerPermissionsResponse:
        project_id = required_id(request.project_id, "project_id")
        own_only = self._access.grants_listed_for(
            access_policy.admit("ListConnectionManagerPermissions"), project_id
        )
        if own_only:  # not the project's admin: their own grant, if they hold one
            with self._sessions() as session:
                grant = session.get(ConnectionManagerGrant, (project_id, own_only))
            grants, next_token = ([grant] if grant is not None else []), ""
        else:
            grants, next_token = self._directory.list_connection_manager_grants(
                project_id, request.page_size, request.page_token
            )
        return pb.ListConnectionManagerPermissionsResponse(
            permissions=[messages.grant_message(grant) for grant in grants],
            next_page_token=next_token,
        )
