"""Client applications (integrators, R31): register, read and revoke them, and exchange a
client's id and secret for a short-lived bearer token (R32).

The rules are in domain.integrator_clients, the secret hashing in domain.integrator_secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jwt

from services.connection.domain.directory_access import hidden
from services.connection.domain.integrator_clients import (
    IntegratorClientLimits,
    IntegratorClientSpec,
    client_hidden,
    require_company_admin,
    require_may_register,
    require_platform_or_user,
    require_room_for_a_client,
)
from services.connection.domain.integrator_secrets import client_secret_matches
from services.connection.store.models import IntegratorClient
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from shared.facts.errors import ErrorReason, Unauthenticated
from shared.facts.identity import IntegratorMode, Principal, PrincipalKind
from shared.facts.outside_applications import outside_applications_refusal
from shared.runtime.tokens import TokenIssuer

# Longer secrets are refused before hashing: ours are 47 characters.
MAX_SECRET_LENGTH = 256


@dataclass(frozen=True)
class IntegratorTokens:
    """Signs integrators' tokens with this service's key (in every service's JWKS)."""

    issuer: TokenIssuer
    ttl_seconds: int


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expiry_seconds: int


def _credentials_invalid() -> Unauthenticated:
    return Unauthenticated(
        ErrorReason.CLIENT_CREDENTIALS_INVALID,
        "The client id and secret do not name a usable client.",
    )


class IntegratorClients:
    def __init__(
        self,
        unit_of_work: Callable[[], ConnectionUnitOfWork],
        limits: IntegratorClientLimits,
        tokens: IntegratorTokens,
    ) -> None:
        self._uow = unit_of_work
        self.limits = limits
        self._tokens = tokens

    def register(
        self, caller: Principal, spec: IntegratorClientSpec, secret_hash: str
    ) -> IntegratorClient:
        with self._uow() as uow:
            require_may_register(caller, spec, self.limits, uow.directory)
            if uow.integrator_clients.lock_company(spec.company_id) is None:
                raise hidden("company", spec.company_id)
            require_room_for_a_client(
                uow.integrator_clients.usable_count(spec.company_id), self.limits
            )
            return uow.integrator_clients.add(
                company_id=spec.company_id,
                display_name=spec.display_name,
                mode=spec.mode,
                user_id=spec.user_id,
                rate_limit_per_hour=spec.rate_limit_per_hour,
                created_by=caller.user_id or caller.kind.value,
                secret_hash=secret_hash,
            )

    def give_secret(self, client_id: str, secret_hash: str) -> bool:
        """Make ``secret_hash`` the client's; False when it is another one and the client is
        revoked (or gone), so there is no secret to give."""
        with self._uow() as uow:
            client = uow.integrator_clients.find_locked(client_id)
            if client is None or client.secret_hash == secret_hash:
                return True
            if client.revoked_at is not None:
                return False
            uow.integrator_clients.replace_secret_hash(client, secret_hash)
            return True

    def managed(self, caller: Principal, client_id: str) -> IntegratorClient:
        """The client if ``caller`` manages it; a client of another company is hidden."""
        require_platform_or_user(caller)
        with self._uow() as uow:
            client = uow.integrator_clients.find(client_id)
            if client is None:
                raise client_hidden(client_id)
            if caller.kind is PrincipalKind.USER:
                if caller.company_id != client.company_id:
                    raise client_hidden(client_id)
                require_company_admin(caller, uow.directory.find_user(caller.user_id))
            return client

    def revoke(self, caller: Principal, client_id: str) -> IntegratorClient:
        with self._uow() as uow:
            known = self.managed(caller, client_id)  # joins this unit of work
            client = uow.integrator_clients.find_locked(known.id)
            if client is None:
                raise client_hidden(client_id)
            uow.integrator_clients.revoke(client)
            return client

    def exchange(self, client_id: str, client_secret: str) -> IssuedToken:
        """A bearer token for the client; the same refusal for an unknown client, a wrong
        secret and a revoked client."""
        if len(client_secret) > MAX_SECRET_LENGTH:
            raise _credentials_invalid()
        with self._uow() as uow:
            client = uow.integrator_clients.find(client_id)
        # Hashed outside the transaction (it takes a while); the same hash work for an
        # unknown client as for a wrong secret.
        matches = client_secret_matches(client_secret, client.secret_hash if client else None)
        if client is None or not matches or client.revoked_at is not None:
            raise _credentials_invalid()
        with self._uow() as uow:
            company = uow.integrator_clients.company_of(client)
        if not company.outside_applications_allowed:
            raise outside_applications_refusal()
        principal = Principal(
            PrincipalKind.INTEGRATOR,
            client.user_id,
            client.company_id,
            client.id,
            IntegratorMode(client.mode),
        )
        # The rate limit rides in the token: every service limits the client without a lookup.
        token = self._tokens.issuer.issue(
            principal, self._tokens.ttl_seconds, rate_limit_per_hour=client.rate_limit_per_hour
        )
        # Our own token, just signed: read its expiry rather than guess the issuer's clock.
        expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
        return IssuedToken(token, int(expiry))
