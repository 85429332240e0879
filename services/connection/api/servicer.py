"""The ConnectionService gRPC servicer: translation between the wire and the domain.

Built so far: the directory (companies, projects, users, Connection Manager grants), which
the platform identity manages, with project facts passed down to the drawing and
notification services. The connection lifecycle (request or preview, approve, reject, withdraw,
disconnect, the audit trail) with the sync state and initial-copy progress is at the end of
the class, the Connection Manager settings in settings_rpcs, and client applications
(integrators) and their token exchange in integrator_rpcs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.connection.api import connection_messages
from services.connection.api import directory_messages as messages
from services.connection.clients.drawing_facts import DrawingFacts
from services.connection.directory import Directory
from services.connection.directory_access import DirectoryAccess, sees_everything
from services.connection.domain import access_policy
from services.connection.domain.connection_lifecycle import required_reason
from services.connection.integrator_clients import IntegratorClientLimits, IntegratorClients
from services.connection.integrator_rpcs import IntegratorRpcs, IntegratorTokens
from services.connection.notification_deliveries import NotificationDeliveries
from services.connection.notification_lists import NotificationLists
from services.connection.settings_rpcs import SettingsRpcs
from services.connection.store.models import ConnectionManagerGrant, Project
from services.connection.use_cases.connections import Connections
from services.connection.use_cases.project_facts_publisher import ProjectFactsPublisher
from services.connection.use_cases.sync.engine import SyncEngine
from services.connection.use_cases.sync_state import SyncStates
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.permission_messages import level_from_message, level_to_message
from shared.runtime.request_checks import required_id

log = logging.getLogger("connectability.connection")


class ConnectionServicer(SettingsRpcs, IntegratorRpcs, pb_grpc.ConnectionServiceServicer):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: Directory,
        idempotent: IdempotentCalls,
        facts: ProjectFactsPublisher,
        drawing_facts: DrawingFacts,
        lists: NotificationLists,
        connections: Connections,
        sync_states: SyncStates,
        sync: SyncEngine,
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
        self._sync = sync
        self._integrators = IntegratorClients(sessions, integrator_limits)
        self._integrator_tokens = integrator_tokens
        self.idempotent_calls = idempotent
        self._connections = connections
        self._sync_states = sync_states

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

    # Connections and sync

    @idempotent(pb.RequestConnectionResponse, unless=lambda request: request.validate_only)
    def RequestConnection(
        self, request: pb.RequestConnectionRequest, context: grpc.ServicerContext
    ) -> pb.RequestConnectionResponse:
        caller = access_policy.admit("RequestConnection")
        down_id, up_id = request.downstream_project_id, request.upstream_project_id
        if request.validate_only:  # a preview changes nothing; its request_id is ignored
            verdicts = self._connections.preview(caller, down_id, up_id)
            return pb.RequestConnectionResponse(
                verdicts=connection_messages.verdict_messages(verdicts)
            )
        requested = self._connections.request(caller, down_id, up_id)
        return pb.RequestConnectionResponse(
            connection=connection_messages.connection_message(requested.connection),
            verdicts=connection_messages.verdict_messages(requested.verdicts),
        )

    @idempotent(pb.ApproveConnectionResponse)
    def ApproveConnection(
        self, request: pb.ApproveConnectionRequest, context: grpc.ServicerContext
    ) -> pb.ApproveConnectionResponse:
        caller = access_policy.admit("ApproveConnection")
        approved = self._connections.approve(caller, request.connection_id)
        return pb.ApproveConnectionResponse(
            connection=connection_messages.connection_message(approved)
        )

    @idempotent(pb.RejectConnectionResponse)
    def RejectConnection(
        self, request: pb.RejectConnectionRequest, context: grpc.ServicerContext
    ) -> pb.RejectConnectionResponse:
        caller = access_policy.admit("RejectConnection")
        rejected = self._connections.reject(caller, request.connection_id, request.reason)
        return pb.RejectConnectionResponse(
            connection=connection_messages.connection_message(rejected)
        )

    @idempotent(pb.WithdrawConnectionResponse)
    def WithdrawConnection(
        self, request: pb.WithdrawConnectionRequest, context: grpc.ServicerContext
    ) -> pb.WithdrawConnectionResponse:
        caller = access_policy.admit("WithdrawConnection")
        withdrawn = self._connections.withdraw(caller, request.connection_id)
        return pb.WithdrawConnectionResponse(
            connection=connection_messages.connection_message(withdrawn)
        )

    @idempotent(pb.DisconnectConnectionResponse)
    def DisconnectConnection(
        self, request: pb.DisconnectConnectionRequest, context: grpc.ServicerContext
    ) -> pb.DisconnectConnectionResponse:
        reason = required_reason(request.reason)
        caller = access_policy.admit("DisconnectConnection")
        disconnected = self._connections.disconnect(caller, request.connection_id, reason)
        return pb.DisconnectConnectionResponse(
            connection=connection_messages.connection_message(disconnected)
        )

    def GetConnection(
        self, request: pb.GetConnectionRequest, context: grpc.ServicerContext
    ) -> pb.GetConnectionResponse:
        caller = access_policy.admit("GetConnection")
        connection = self._connections.visible(caller, request.connection_id)
        return pb.GetConnectionResponse(
            connection=connection_messages.connection_message(connection)
        )

    def ListConnections(
        self, request: pb.ListConnectionsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionsResponse:
        caller = access_policy.admit("ListConnections")
        role = connection_messages.role_of(request.role)
        found, token = self._connections.of_project(
            caller, request.project_id, role, request.page_size, request.page_token
        )
        return pb.ListConnectionsResponse(
            connections=[connection_messages.connection_message(c) for c in found],
            next_page_token=token,
        )

    def ListConnectionEvents(
        self, request: pb.ListConnectionEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionEventsResponse:
        caller = access_policy.admit("ListConnectionEvents")
        events, token = self._connections.events(
            caller, request.connection_id, request.page_size, request.page_token
        )
        return pb.ListConnectionEventsResponse(
            events=[connection_messages.event_message(event) for event in events],
            next_page_token=token,
        )

    def GetSyncState(
        self, request: pb.GetSyncStateRequest, context: grpc.ServicerContext
    ) -> pb.GetSyncStateResponse:
        caller = access_policy.admit("GetSyncState")
        report = self._sync_states.of(caller, request.connection_id)
        return pb.GetSyncStateResponse(sync_state=connection_messages.sync_state_message(report))

    def WatchInitialCopyProgress(
        self, request: pb.WatchInitialCopyProgressRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchInitialCopyProgressResponse]:
        caller = access_policy.admit("WatchInitialCopyProgress")
        ended = threading.Event()
        context.add_callback(ended.set)  # a cancelled call stops waiting at once
        for progress in self._sync_states.watch_initial_copy(caller, request.connection_id, ended):
            yield connection_messages.progress_message(progress)
