"""Companies, people, grants and client applications for the integrator tests, made
through the running services as the platform and company admins would make them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import grpc
import jwt
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import Select, create_engine, func, select

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from services.connection.store.models import IntegratorClient
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.test_directory import Platform

READ_ONLY = common_pb2.PERMISSION_LEVEL_READ_ONLY
ADMIN = common_pb2.PERMISSION_LEVEL_ADMIN
ON_BEHALF = pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER
SERVICE_ACCOUNT = pb.INTEGRATOR_MODE_SERVICE_ACCOUNT


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Directory(Platform):
    """The platform's view, plus grants, service accounts and client applications."""

    def service_account(self, company_id: str) -> pb.User:
        user = pb.User(
            company_id=company_id,
            email=f"{unique('robot')}@example.com",
            display_name="Importer robot",
            service_account=True,
        )
        request = pb.CreateUserRequest(user=user)
        return self.connection.CreateUser(request, metadata=self.auth, timeout=10).user

    def project_known_below(self, company_id: str) -> pb.Project:
        project = self.project(company_id)
        eventually(lambda: self.facts_below(project.id))
        return project

    def grant(self, project_id: str, user_id: str, drawings: int, manager: int = 0) -> None:
        """Drawings (and optionally Connection Manager) levels on a project."""
        self.drawing.SetDrawingsPermission(
            drawing_pb.SetDrawingsPermissionRequest(
                project_id=project_id, user_id=user_id, level=drawings
            ),
            metadata=self.auth,
            timeout=10,
        )
        if manager:
            self.connection.SetConnectionManagerPermission(
                pb.SetConnectionManagerPermissionRequest(
                    project_id=project_id, user_id=user_id, level=manager
                ),
                metadata=self.auth,
                timeout=10,
            )

    def allow_outside_applications(self, company_id: str, allowed: bool) -> None:
        self.connection.UpdateCompany(
            pb.UpdateCompanyRequest(
                company=pb.Company(id=company_id, outside_applications_allowed=allowed),
                update_mask=FieldMask(paths=["outside_applications_allowed"]),
            ),
            metadata=self.auth,
            timeout=10,
        )

    def create_client(
        self,
        company_id: str,
        user_id: str,
        mode: int = ON_BEHALF,
        token: str | None = None,
        **fields: Any,
    ) -> pb.CreateIntegratorClientResponse:
        """Registers a client as the platform (or as the holder of ``token``)."""
        client = pb.IntegratorClient(
            company_id=company_id,
            display_name=fields.pop("display_name", "Drawing importer"),
            mode=mode,  # type: ignore[arg-type]
            user_id=user_id,
            **fields,
        )
        return self.connection.CreateIntegratorClient(
            pb.CreateIntegratorClientRequest(integrator_client=client),
            metadata=bearer(token) if token else self.auth,
            timeout=10,
        )

    def exchange(self, client_id: str, secret: str) -> pb.CreateIntegratorTokenResponse:
        """The token exchange, with no bearer token at all."""
        return self.connection.CreateIntegratorToken(
            pb.CreateIntegratorTokenRequest(client_id=client_id, client_secret=secret),
            timeout=10,
        )

    def integrator_token(self, company_id: str, user_id: str, mode: int = ON_BEHALF) -> str:
        created = self.create_client(company_id, user_id, mode)
        return self.exchange(created.integrator_client.id, created.client_secret).access_token

    def user_token(self, user: pb.User) -> str:
        return self.stack.keys.user_token(user.id, user.company_id)


def outcome(call: Callable[..., Any], request: Any, token: str) -> str:
    """ "OK", or "CODE/REASON" of a refused call."""
    try:
        call(request, metadata=bearer(token), timeout=10)
    except grpc.RpcError as error:
        info = error_info_of(error)
        return f"{error.code().name}/{info.reason if info else ''}"
    return "OK"


def claims_of(token: str) -> dict[str, Any]:
    """What a token says (its signature is checked by the services, not here)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _read_connection_database(stack: Stack, query: Select[Any]) -> Any:
    """One value from the connection service's own database (to prove what was stored)."""
    url = stack.env.get("CONNECTABILITY_CONNECTION_DATABASE_URL") or (
        f"sqlite:///{stack.data_dir / 'connection.db'}"
    )
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(query)
    finally:
        engine.dispose()


def stored_clients(stack: Stack, company_id: str) -> int:
    """How many client rows the connection service holds for a company."""
    query = (
        select(func.count())
        .select_from(IntegratorClient)
        .where(IntegratorClient.company_id == company_id)
    )
    return int(_read_connection_database(stack, query) or 0)


def stored_secret_hash(stack: Stack, client_id: str) -> str:
    query = select(IntegratorClient.secret_hash).where(IntegratorClient.id == client_id)
    return str(_read_connection_database(stack, query))
