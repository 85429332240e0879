"""The ConnectionService gRPC servicer: each method admits the caller, reads the request,
calls one use case and builds the reply.

The directory (companies, projects, users, Connection Manager grants) is managed by the
platform identity, with project facts passed down to the drawing and notification
services; then a project's Connection Manager settings, client applications (integrators)
and their token exchange, and the connection lifecycle with its sync state.
"""

from __future__ import annotations

from dataclasses import asdict

import grpc

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.connection.api import directory_messages as messages
from services.connection.api import integrator_messages
from services.connection.connection_rpcs import ConnectionRpcs
from services.connection.domain import access_policy
from services.connection.domain.connection_rules import ConnectionRuleSettings
from services.connection.domain.integrator_secrets import hash_client_secret, new_client_secret
from services.connection.drawing_facts import DrawingFacts
from services.connection.notification_outbox import NotificationOutbox
from services.connection.store.unit_of_work import Sessions
from services.connection.sync.engine import SyncEngine
from services.connection.sync.records import SyncRecords
from services.connection.sync_rpcs import SyncRpcs
from services.connection.use_cases.directory import (
    AccessChecks,
    DirectoryUseCases,
    NewCompany,
    NewProject,
    NewUser,
)
from services.connection.use_cases.integrators import IntegratorClients
from services.connection.use_cases.settings import ConnectionManagerSettings
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.permission_messages import level_from_message, level_to_message
from shared.runtime.request_checks import required_id


class ConnectionServicer(ConnectionRpcs, SyncRpcs, pb_grpc.ConnectionServiceServicer):
    def __init__(
        self,
        idempotent_calls: IdempotentCalls,
        directory: DirectoryUseCases,
        settings: ConnectionManagerSettings,
        integrators: IntegratorClients,
        # The connection lifecycle and its sync:
        sessions: Sessions,
        access: AccessChecks,
        drawing_facts: DrawingFacts,
        outbox: NotificationOutbox,
        rules: ConnectionRuleSettings,
        sync: SyncEngine,
        sync_records: SyncRecords,
    ):
        self.idempotent_calls = idempotent_calls
        self._directory_cases = directory
        self._settings = settings
        self._integrators = integrators
        self._sessions = sessions
        self._idempotent = idempotent_calls
        self._directory = self._access = access
        self._drawing_facts = drawing_facts
        self._outbox = outbox
        self._revision_limit = rules.revision_limit
        self._same_company_allowed = rules.same_company_allowed
        self._sync = sync
        self._sync_records = sync_records

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
