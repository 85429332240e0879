"""The ConnectionService gRPC servicer: each method admits the caller, reads the request,
calls one use case and builds the reply.

The directory (companies, projects, users, Connection Manager grants) is managed by the
platform identity, with project facts passed down to the drawing and notification
services; then a project's Connection Manager settings, client applications (integrators)
and their token exchange, and the connection lifecycle with its sync state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict

import grpc

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.connection.api import connection_messages, integrator_messages
from services.connection.api import directory_messages as messages
from services.connection.domain import access_policy
from services.connection.domain.connection_lifecycle import required_reason
from services.connection.domain.integrator_secrets import hash_client_secret, new_client_secret
from services.connection.use_cases.connections import Connections
from services.connection.use_cases.directory import (
    DirectoryUseCases,
    NewCompany,
    NewProject,
    NewUser,
)
from services.connection.use_cases.integrators import IntegratorClients
from services.connection.use_cases.settings import ConnectionManagerSettings
from services.connection.use_cases.sync_state import SyncStates
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.permission_messages import level_from_message, level_to_message
from shared.runtime.request_checks import required_id


class ConnectionServicer(pb_grpc.ConnectionServiceServicer):
    def __init__(
        self,
        idempotent_calls: IdempotentCalls,
        directory: DirectoryUseCases,
        settings: ConnectionManagerSettings,
        integrators: IntegratorClients,
        connections: Connections,
        sync_states: SyncStates,
    ):
        self.idempotent_calls = idempotent_calls
        self._directory_cases = directory
        self._settings = settings
        self._integrators = integrators
        self._connections = connections
        self._sync_states = sync_states

    # Companies

    @idempotent(pb.CreateCompanyResponse)
    def CreateCompany(
        self, request: pb.CreateCompanyRequest, context: grpc.ServicerContext
    ) -> pb.CreateCompanyResponse:
        access_policy.admit("CreateCompany")
        company = request.company
        new = NewCompany(
            company_id=request.company_id,
            name=messages.required_name(company.name, "company.name"),
            file_storage_location=messages.file_storage_location(company.file_storage_location),
            govcloud=company.govcloud,
            approval_preference=messages.approval_preference(company.approval_preference),
            outside_applications_allowed=(
                company.outside_applications_allowed
                if company.HasField("outside_applications_allowed")
                else True
            ),
        )
        created = self._directory_cases.create_company(new)
        return pb.CreateCompanyResponse(company=messages.company_message(created))

    def GetCompany(
        self, request: pb.GetCompanyRequest, context: grpc.ServicerContext
    ) -> pb.GetCompanyResponse:
        caller = access_policy.admit("GetCompany")
        company = self._directory_cases.company(caller, request.company_id)
        return pb.GetCompanyResponse(company=messages.company_message(company))

    def ListCompanies(
        self, request: pb.ListCompaniesRequest, context: grpc.ServicerContext
    ) -> pb.ListCompaniesResponse:
        caller = access_policy.admit("ListCompanies")
        companies, next_token = self._directory_cases.companies(
            caller, request.page_size, request.page_token
        )
        return pb.ListCompaniesResponse(
            companies=[messages.company_message(company) for company in companies],
            next_page_token=next_token,
        )

    @idempotent(pb.UpdateCompanyResponse)
    def UpdateCompany(
        self, request: pb.UpdateCompanyRequest, context: grpc.ServicerContext
    ) -> pb.UpdateCompanyResponse:
        caller = access_policy.admit("UpdateCompany")
        company_id = required_id(request.company.id, "company.id")
        changes = messages.company_changes(request.company, list(request.update_mask.paths))
        updated = self._directory_cases.update_company(
            caller, company_id, changes, request.company.etag
        )
        return pb.UpdateCompanyResponse(company=messages.company_message(updated))

    # Projects

    @idempotent(pb.CreateProjectResponse)
    def CreateProject(
        self, request: pb.CreateProjectRequest, context: grpc.ServicerContext
    ) -> pb.CreateProjectResponse:
        access_policy.admit("CreateProject")
        project = request.project
        new = NewProject(
            project_id=request.project_id,
            company_id=required_id(project.company_id, "project.company_id"),
            name=messages.required_name(project.name, "project.name"),
            active=messages.project_active(project.state),
        )
        created = self._directory_cases.create_project(new)
        return pb.CreateProjectResponse(project=messages.project_message(created))

    def GetProject(
        self, request: pb.GetProjectRequest, context: grpc.ServicerContext
    ) -> pb.GetProjectResponse:
        caller = access_policy.admit("GetProject")
        project = self._directory_cases.project(caller, request.project_id)
        return pb.GetProjectResponse(project=messages.project_message(project))

    def ListProjects(
        self, request: pb.ListProjectsRequest, context: grpc.ServicerContext
    ) -> pb.ListProjectsResponse:
        caller = access_policy.admit("ListProjects")
        projects, next_token = self._directory_cases.projects(
            caller, request.company_id, request.page_size, request.page_token
        )
        return pb.ListProjectsResponse(
            projects=[messages.project_message(project) for project in projects],
            next_page_token=next_token,
        )

    @idempotent(pb.UpdateProjectResponse)
    def UpdateProject(
        self, request: pb.UpdateProjectRequest, context: grpc.ServicerContext
    ) -> pb.UpdateProjectResponse:
        caller = access_policy.admit("UpdateProject")
        project_id = required_id(request.project.id, "project.id")
        changes = messages.project_changes(request.project, list(request.update_mask.paths))
        updated = self._directory_cases.update_project(
            caller, project_id, changes, request.project.etag
        )
        return pb.UpdateProjectResponse(project=messages.project_message(updated))

    # Users

    @idempotent(pb.CreateUserResponse)
    def CreateUser(
        self, request: pb.CreateUserRequest, context: grpc.ServicerContext
    ) -> pb.CreateUserResponse:
        access_policy.admit("CreateUser")
        user = request.user
        new = NewUser(
            user_id=request.user_id,
            company_id=required_id(user.company_id, "user.company_id"),
            email=messages.email_address(user.email),
            display_name=messages.required_name(user.display_name, "user.display_name"),
            company_role=messages.company_role(user.company_role),
            service_account=user.service_account,
        )
        created = self._directory_cases.create_user(new)
        return pb.CreateUserResponse(user=messages.user_message(created))

    def GetUser(
        self, request: pb.GetUserRequest, context: grpc.ServicerContext
    ) -> pb.GetUserResponse:
        caller = access_policy.admit("GetUser")
        user = self._directory_cases.user(caller, request.user_id)
        return pb.GetUserResponse(user=messages.user_message(user))

    def ListUsers(
        self, request: pb.ListUsersRequest, context: grpc.ServicerContext
    ) -> pb.ListUsersResponse:
        caller = access_policy.admit("ListUsers")
        users, next_token = self._directory_cases.users(
            caller, request.company_id, request.page_size, request.page_token
        )
        return pb.ListUsersResponse(
            users=[messages.user_message(user) for user in users], next_page_token=next_token
        )

    @idempotent(pb.UpdateUserResponse)
    def UpdateUser(
        self, request: pb.UpdateUserRequest, context: grpc.ServicerContext
    ) -> pb.UpdateUserResponse:
        caller = access_policy.admit("UpdateUser")
        user_id = required_id(request.user.id, "user.id")
        changes = messages.user_changes(request.user, list(request.update_mask.paths))
        updated = self._directory_cases.update_user(caller, user_id, changes, request.user.etag)
        return pb.UpdateUserResponse(user=messages.user_message(updated))

    # Connection Manager grants

    @idempotent(pb.SetConnectionManagerPermissionResponse)
    def SetConnectionManagerPermission(
        self, request: pb.SetConnectionManagerPermissionRequest, context: grpc.ServicerContext
    ) -> pb.SetConnectionManagerPermissionResponse:
        caller = access_policy.admit("SetConnectionManagerPermission")
        level = level_from_message(request.level)
        stored = self._directory_cases.set_connection_manager_level(
            caller, request.project_id, request.user_id, level
        )
        permission = (
            messages.grant_message(stored)
            if stored is not None
            else pb.ConnectionManagerPermission(
                project_id=request.project_id,
                user_id=request.user_id,
                level=level_to_message("none"),
            )
        )
        return pb.SetConnectionManagerPermissionResponse(permission=permission)

    def ListConnectionManagerPermissions(
        self, request: pb.ListConnectionManagerPermissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionManagerPermissionsResponse:
        caller = access_policy.admit("ListConnectionManagerPermissions")
        grants, next_token = self._directory_cases.connection_manager_grants(
            caller, request.project_id, request.page_size, request.page_token
        )
        return pb.ListConnectionManagerPermissionsResponse(
            permissions=[messages.grant_message(grant) for grant in grants],
            next_page_token=next_token,
        )

    # Connection Manager settings

    def GetDistributionList(
        self, request: pb.GetDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.GetDistributionListResponse:
        caller = access_policy.admit("GetDistributionList")
        stored = self._settings.distribution_list(caller, request.project_id)
        return pb.GetDistributionListResponse(distribution_list=stored)

    def UpdateDistributionList(
        self, request: pb.UpdateDistributionListRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDistributionListResponse:
        # Not @idempotent here: the notification service keeps the list and replays by the
        # request id passed down to it.
        caller = access_policy.admit("UpdateDistributionList")
        stored = self._settings.replace_distribution_list(
            caller, request.project_id, list(request.emails), request.request_id, request.etag
        )
        return pb.UpdateDistributionListResponse(distribution_list=stored)

    def ListConnectableProjects(
        self, request: pb.ListConnectableProjectsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectableProjectsResponse:
        caller = access_policy.admit("ListConnectableProjects")
        choices, next_token = self._settings.connectable_projects(
            caller, request.downstream_project_id, request.page_size, request.page_token
        )
        return pb.ListConnectableProjectsResponse(
            projects=[pb.ConnectableProject(**asdict(choice)) for choice in choices],
            next_page_token=next_token,
        )

    def ListNotificationDeliveries(
        self, request: pb.ListNotificationDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListNotificationDeliveriesResponse:
        caller = access_policy.admit("ListNotificationDeliveries")
        return self._settings.deliveries(
            caller, request.project_id, request.page_size, request.page_token
        )

    def ResendNotificationDelivery(
        self, request: pb.ResendNotificationDeliveryRequest, context: grpc.ServicerContext
    ) -> pb.ResendNotificationDeliveryResponse:
        # Not @idempotent here: the notification service resends, and replays by the request
        # id passed down to it.
        caller = access_policy.admit("ResendNotificationDelivery")
        delivery = self._settings.resend_delivery(
            caller, request.project_id, request.message_id, request.request_id
        )
        return pb.ResendNotificationDeliveryResponse(delivery=delivery)

    # Client applications (integrators)

    def CreateIntegratorClient(
        self, request: pb.CreateIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.CreateIntegratorClientResponse:
        caller = access_policy.admit("CreateIntegratorClient")
        spec = integrator_messages.spec_of(
            request.integrator_client, self._integrators.limits.default_rate_limit_per_hour
        )
        secret = new_client_secret()
        secret_hash = hash_client_secret(secret)
        # Not @idempotent: a replayed answer still needs a secret, given after the replay.
        response = self.idempotent_calls.run(
            "CreateIntegratorClient",
            request,
            pb.CreateIntegratorClientResponse,
            lambda _session: pb.CreateIntegratorClientResponse(
                # The stored replay answer never holds the secret.
                integrator_client=integrator_messages.integrator_client_message(
                    self._integrators.register(caller, spec, secret_hash)
                )
            ),
        )
        # A retry: the first secret was shown once and never stored, so it cannot be shown
        # again; the client gets a new one and the first stops working.
        if self._integrators.give_secret(response.integrator_client.id, secret_hash):
            response.client_secret = secret
        return response

    def GetIntegratorClient(
        self, request: pb.GetIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.GetIntegratorClientResponse:
        caller = access_policy.admit("GetIntegratorClient")
        client = self._integrators.managed(caller, request.client_id)
        return pb.GetIntegratorClientResponse(
            integrator_client=integrator_messages.integrator_client_message(client)
        )

    @idempotent(pb.DeleteIntegratorClientResponse)
    def DeleteIntegratorClient(
        self, request: pb.DeleteIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.DeleteIntegratorClientResponse:
        caller = access_policy.admit("DeleteIntegratorClient")
        client = self._integrators.revoke(caller, request.client_id)
        return pb.DeleteIntegratorClientResponse(
            integrator_client=integrator_messages.integrator_client_message(client)
        )

    def CreateIntegratorToken(
        self, request: pb.CreateIntegratorTokenRequest, context: grpc.ServicerContext
    ) -> pb.CreateIntegratorTokenResponse:
        # No bearer token here (a public method): the credentials are the authentication.
        issued = self._integrators.exchange(request.client_id, request.client_secret)
        response = pb.CreateIntegratorTokenResponse(
            access_token=issued.access_token, token_type="Bearer"
        )
        response.expire_time.FromSeconds(issued.expiry_seconds)
        return response

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
