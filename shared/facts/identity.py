"""Who is calling: the principal a verified bearer token names.

Four kinds of caller exist (see README "Identity"):
- ``user``: a person, always with their company;
- ``service``: one of our own services (``connection``, ``drawing``, ``notification``);
- ``integrator``: a client application acting for the user who authorised it, or as a
  service account user; either way it holds only that user's project grants (R31);
- ``platform``: the accounts system that creates companies, projects and users.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PrincipalKind(StrEnum):
    USER = "user"
    SERVICE = "service"
    INTEGRATOR = "integrator"
    PLATFORM = "platform"


class IntegratorMode(StrEnum):
    ON_BEHALF_OF_USER = "on_behalf_of_user"
    SERVICE_ACCOUNT = "service_account"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    # user id for users and integrators; service name for services; system name for platform.
    subject: str
    company_id: str = ""
    client_id: str = ""
    integrator_mode: IntegratorMode | None = None
    # Calls per rate-limit window the client application may make (R32); 0 = the default.
    # The connection service writes it into the tokens it issues to integrator clients.
    rate_limit_per_hour: int = 0
    # True for a person named by the configured identity provider's token (only standard
    # claims): the token says nothing of a company, and the connection service refuses it
    # (TOKEN_SUBJECT_UNKNOWN) when its directory does not know the user.
    from_identity_provider: bool = False

    @property
    def user_id(self) -> str:
        """The user whose grants apply, or "" when the caller is not acting as a user."""
        if self.kind in (PrincipalKind.USER, PrincipalKind.INTEGRATOR):
            return self.subject
        return ""

    def describe(self) -> str:
        if self.kind is PrincipalKind.INTEGRATOR:
            return f"integrator:{self.client_id}:{self.subject}"
        return f"{self.kind.value}:{self.subject}"

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "kind": self.kind.value}
        if self.company_id:
            claims["company_id"] = self.company_id
        if self.client_id:
            claims["client_id"] = self.client_id
        if self.integrator_mode is not None:
            claims["integrator_mode"] = self.integrator_mode.value
        if self.rate_limit_per_hour:
            claims["rate_limit_per_hour"] = self.rate_limit_per_hour
        return claims


class ClaimsError(ValueError):
    """The token verified but does not describe a caller we know how to treat."""


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise ClaimsError("the token has no subject")
    try:
        kind = PrincipalKind(str(claims.get("kind")))
    except ValueError as exc:
        raise ClaimsError(f"unknown caller kind {claims.get('kind')!r}") from exc
    company_id = str(claims.get("company_id") or "")
    client_id = str(claims.get("client_id") or "")
    mode: IntegratorMode | None = None
    if kind in (PrincipalKind.USER, PrincipalKind.INTEGRATOR) and not company_id:
        raise ClaimsError(f"a {kind.value} token must name the caller's company")
    if kind is PrincipalKind.INTEGRATOR:
        if not client_id:
            raise ClaimsError("an integrator token must name its client application")
        try:
            mode = IntegratorMode(str(claims.get("integrator_mode")))
        except ValueError as exc:
            raise ClaimsError("an integrator token must say how it acts") from exc
    return Principal(kind, subject, company_id, client_id, mode, _rate_limit_of(claims))


def _rate_limit_of(claims: dict[str, Any]) -> int:
    limit = claims.get("rate_limit_per_hour", 0)
    # bool is an int in Python: a token saying `true` is as malformed as one saying "100".
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ClaimsError("rate_limit_per_hour must be a whole number of calls, 0 or more")
    return limit


# The principal of the call being served on this thread (set by the auth interceptor).
_current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "current_principal", default=None
)


def current_principal() -> Principal:
    principal = _current_principal.get()
    if principal is None:
        raise RuntimeError("no authenticated principal in this context")
    return principal


def bind_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _current_principal.set(principal)


def unbind_principal(token: contextvars.Token[Principal | None]) -> None:
    _current_principal.reset(token)
