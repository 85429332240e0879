"""ConnectionService RPCs of client applications (integrators, R31): register, read,
revoke, and exchange a client's id and secret for a short-lived bearer token.

The rules live in integrator_clients, the secret hashing in integrator_secrets; this
module translates between the wire and them.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import jwt
from sqlalchemy.orm import Session

from connectability.v1 import connection_service_pb2 as pb
from services.connection.api import directory_messages as messages
from services.connection.domain import access_policy
from services.connection.integrator_clients import (
    ON_BEHALF_OF_USER,
    SERVICE_ACCOUNT,
    IntegratorClients,
    IntegratorClientSpec,
    rate_limit_of,
)
from services.connection.integrator_secrets import (
    client_secret_matches,
    hash_client_secret,
    new_client_secret,
)
from services.connection.store.models import IntegratorClient
from shared.facts.errors import ErrorReason, InvalidArgument, Unauthenticated
from shared.facts.identity import IntegratorMode, Principal, PrincipalKind
from shared.facts.outside_applications import outside_applications_refusal
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.runtime.request_checks import required_id
from shared.runtime.timestamps import timestamp_of
from shared.runtime.tokens import TokenIssuer

# Longer secrets are refused before hashing: ours are 47 characters.
MAX_SECRET_LENGTH = 256

_MODES = {
    pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER: ON_BEHALF_OF_USER,
    pb.INTEGRATOR_MODE_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
}
_MODE_MESSAGES = {value: key for key, value in _MODES.items()}


@dataclass(frozen=True)
class IntegratorTokens:
    """Signs integrators' tokens with this service's key (in every service's JWKS)."""

    issuer: TokenIssuer
    ttl_seconds: int


def integrator_client_message(client: IntegratorClient) -> pb.IntegratorClient:
    message = pb.IntegratorClient(
        id=client.id,
        company_id=client.company_id,
        display_name=client.display_name,
        mode=_MODE_MESSAGES[client.mode],
        user_id=client.user_id,
        rate_limit_per_hour=client.rate_limit_per_hour,
        created_by=client.created_by,
        create_time=timestamp_of(client.created_at),
    )
    if client.revoked_at is not None:
        message.revoke_time.CopyFrom(timestamp_of(client.revoked_at))
    return message


def _spec_of(client: pb.IntegratorClient, default_rate_limit: int) -> IntegratorClientSpec:
    if client.mode not in _MODES:
        raise InvalidArgument(
            ErrorReason.INTEGRATOR_MODE_REQUIRED,
            "integrator_client.mode must be ON_BEHALF_OF_USER or SERVICE_ACCOUNT.",
        )
    return IntegratorClientSpec(
        company_id=required_id(client.company_id, "integrator_client.company_id"),
        display_name=messages.required_name(client.display_name, "integrator_client.display_name"),
        mode=_MODES[client.mode],
        user_id=required_id(client.user_id, "integrator_client.user_id"),
        rate_limit_per_hour=rate_limit_of(client.rate_limit_per_hour, default_rate_limit),
    )


def _credentials_invalid() -> Unauthenticated:
    return Unauthenticated(
        ErrorReason.CLIENT_CREDENTIALS_INVALID,
        "The client id and secret do not name a usable client.",
    )


class IntegratorRpcs:
    _idempotent: IdempotentCalls
    _integrators: IntegratorClients
    _integrator_tokens: IntegratorTokens

    def CreateIntegratorClient(
        self, request: pb.CreateIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.CreateIntegratorClientResponse:
        caller = access_policy.admit("CreateIntegratorClient")
        spec = _spec_of(
            request.integrator_client, self._integrators.limits.default_rate_limit_per_hour
        )
        self._integrators.require_may_create(caller, spec)
        secret = new_client_secret()
        secret_hash = hash_client_secret(secret)
        created_by = caller.user_id or caller.kind.value

        def create(session: Session) -> pb.CreateIntegratorClientResponse:
            client = self._integrators.create(session, spec, created_by, secret_hash)
            # The stored replay answer never holds the secret.
            return pb.CreateIntegratorClientResponse(
                integrator_client=integrator_client_message(client)
            )

        response = self._idempotent.run(
            "CreateIntegratorClient", request, pb.CreateIntegratorClientResponse, create
        )
        client_id = response.integrator_client.id
        stored = self._integrators.find(client_id)
        if stored is not None and stored.secret_hash != secret_hash:
            # A retry: the first secret was shown once and never stored, so it cannot be
            # shown again; the client gets a new one and the first stops working.
            if not self._integrators.replace_secret_hash(client_id, secret_hash):
                return response  # revoked meanwhile: no secret to give
        response.client_secret = secret
        return response

    def GetIntegratorClient(
        self, request: pb.GetIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.GetIntegratorClientResponse:
        client = self._integrators.managed_client(
            access_policy.admit("GetIntegratorClient"), request.client_id
        )
        return pb.GetIntegratorClientResponse(integrator_client=integrator_client_message(client))

    def DeleteIntegratorClient(
        self, request: pb.DeleteIntegratorClientRequest, context: grpc.ServicerContext
    ) -> pb.DeleteIntegratorClientResponse:
        known = self._integrators.managed_client(
            access_policy.admit("DeleteIntegratorClient"), request.client_id
        )

        def revoke(session: Session) -> pb.DeleteIntegratorClientResponse:
            client = self._integrators.revoke(session, known.id)
            return pb.DeleteIntegratorClientResponse(
                integrator_client=integrator_client_message(client)
            )

        return self._idempotent.run(
            "DeleteIntegratorClient", request, pb.DeleteIntegratorClientResponse, revoke
        )

    def CreateIntegratorToken(
        self, request: pb.CreateIntegratorTokenRequest, context: grpc.ServicerContext
    ) -> pb.CreateIntegratorTokenResponse:
        # No bearer token here (a public method): the credentials are the authentication.
        if len(request.client_secret) > MAX_SECRET_LENGTH:
            raise _credentials_invalid()
        client = self._integrators.find(request.client_id)
        # The same hash work and the same answer for an unknown client and a wrong secret.
        matches = client_secret_matches(
            request.client_secret, client.secret_hash if client else None
        )
        if client is None or not matches or client.revoked_at is not None:
            raise _credentials_invalid()
        if not self._integrators.company_of(client).outside_applications_allowed:
            raise outside_applications_refusal()
        principal = Principal(
            PrincipalKind.INTEGRATOR,
            client.user_id,
            client.company_id,
            client.id,
            IntegratorMode(client.mode),
        )
        tokens = self._integrator_tokens
        # The rate limit rides in the token: every service limits the client without a lookup.
        token = tokens.issuer.issue(
            principal, tokens.ttl_seconds, rate_limit_per_hour=client.rate_limit_per_hour
        )
        response = pb.CreateIntegratorTokenResponse(access_token=token, token_type="Bearer")
        # Our own token, just signed: read its expiry rather than guess the issuer's clock.
        expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
        response.expire_time.FromSeconds(int(expiry))
        return response
