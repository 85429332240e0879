"""Client applications (integrators, R31): who may register them and whom they act as.

A client acts as exactly one directory user of its company and holds that user's grants,
never more: ON_BEHALF_OF_USER as the person who authorised it, SERVICE_ACCOUNT as a
service-account user (``User.service_account``) that was granted ordinary permissions.
So that nobody borrows a colleague's grants, a company admin registers on-behalf-of
clients only for themselves, and service-account clients only for service-account users.

Limits (R32): a client's rate limit is the configured default unless the platform sets
another; a company admin may ask for less, never more. A company holds at most a configured
number of usable (not revoked) clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.connection.domain.directory_access import hidden
from shared.facts.errors import (
    ErrorReason,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from shared.facts.identity import Principal, PrincipalKind

DEFAULT_RATE_LIMIT_PER_HOUR = 3_600
DEFAULT_CLIENTS_PER_COMPANY = 20
MAX_RATE_LIMIT_PER_HOUR = 1_000_000
ON_BEHALF_OF_USER, SERVICE_ACCOUNT = "on_behalf_of_user", "service_account"


@dataclass(frozen=True)
class IntegratorClientSpec:
    """A client to register, already read from the request."""

    company_id: str
    display_name: str
    mode: str
    user_id: str
    rate_limit_per_hour: int


@dataclass(frozen=True)
class IntegratorClientLimits:
    """The settings of R32 that bound registrations."""

    # The rate limit of a client registered without one; only the platform sets more.
    default_rate_limit_per_hour: int = DEFAULT_RATE_LIMIT_PER_HOUR
    # Usable (not revoked) clients a company may hold at once.
    clients_per_company: int = DEFAULT_CLIENTS_PER_COMPANY


class DirectoryUser(Protocol):
    """What the rules read of a directory user."""

    @property
    def company_id(self) -> str: ...
    @property
    def company_role(self) -> str: ...
    @property
    def service_account(self) -> bool: ...


class RegistrationFacts(Protocol):
    """The directory reads the rules need, asked only when a rule gets that far."""

    def find_company(self, company_id: str) -> object | None: ...
    def find_user(self, user_id: str) -> DirectoryUser | None: ...


def rate_limit_of(requested: int, default: int = DEFAULT_RATE_LIMIT_PER_HOUR) -> int:
    """0 means the default; anything else must be a sane positive number."""
    if requested == 0:
        return default
    if not 0 < requested <= MAX_RATE_LIMIT_PER_HOUR:
        raise InvalidArgument(
            ErrorReason.RATE_LIMIT_INVALID,
            f"rate_limit_per_hour must be between 1 and {MAX_RATE_LIMIT_PER_HOUR} (0: default).",
        )
    return requested


def client_hidden(client_id: str) -> NotFound:
    return NotFound(
        ErrorReason.INTEGRATOR_CLIENT_NOT_FOUND, f"No integrator client {client_id!r} was found."
    )


def require_platform_or_user(caller: Principal) -> None:
    # Depends only on the caller's kind: reveals nothing about what exists.
    if caller.kind not in (PrincipalKind.PLATFORM, PrincipalKind.USER):
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED,
            "Only the platform or a company admin manages client applications.",
        )


def require_company_admin(caller: Principal, caller_user: DirectoryUser | None) -> None:
    """``caller_user`` is the caller's own directory row."""
    if (
        caller_user is None
        or caller_user.company_id != caller.company_id
        or caller_user.company_role != "company_admin"
    ):
        raise PermissionDenied(ErrorReason.COMPANY_ADMIN_REQUIRED, "This needs a company admin.")


def require_may_register(
    caller: Principal,
    spec: IntegratorClientSpec,
    limits: IntegratorClientLimits,
    facts: RegistrationFacts,
) -> None:
    """Refuses unless ``caller`` may register ``spec`` (see the module docstring)."""
    require_platform_or_user(caller)
    if caller.kind is PrincipalKind.USER:
        if caller.company_id != spec.company_id:
            raise hidden("company", spec.company_id)
        require_company_admin(caller, facts.find_user(caller.user_id))
        _require_rate_limit_within_default(spec, limits)
    if facts.find_company(spec.company_id) is None:
        raise hidden("company", spec.company_id)
    acting_user = facts.find_user(spec.user_id)
    if acting_user is None or acting_user.company_id != spec.company_id:
        raise hidden("user", spec.user_id)
    if spec.mode == SERVICE_ACCOUNT and not acting_user.service_account:
        raise InvalidArgument(
            ErrorReason.SERVICE_ACCOUNT_USER_REQUIRED,
            "A service-account client acts as a service-account user.",
        )
    if spec.mode == ON_BEHALF_OF_USER and acting_user.service_account:
        raise InvalidArgument(
            ErrorReason.PERSON_USER_REQUIRED,
            "An on-behalf-of-user client acts for a person, not a service account.",
        )
    if (
        spec.mode == ON_BEHALF_OF_USER
        and caller.kind is PrincipalKind.USER
        and caller.user_id != spec.user_id
    ):
        raise PermissionDenied(
            ErrorReason.AUTHORISING_USER_MUST_BE_CALLER,
            "A company admin authorises client applications only for themselves.",
        )


def _require_rate_limit_within_default(
    spec: IntegratorClientSpec, limits: IntegratorClientLimits
) -> None:
    default = limits.default_rate_limit_per_hour
    if spec.rate_limit_per_hour > default:
        raise PermissionDenied(
            ErrorReason.RATE_LIMIT_ABOVE_DEFAULT,
            f"Only the platform may give a client more than the default {default:,} calls "
            "per hour; ask for the default (0) or less.",
            {"default_rate_limit_per_hour": str(default)},
        )


def require_room_for_a_client(usable_clients: int, limits: IntegratorClientLimits) -> None:
    """Refuses when the company holds its limit of usable clients; count them with the
    company's row locked, so concurrent registrations count one after the other."""
    limit = limits.clients_per_company
    if usable_clients >= limit:
        raise ResourceExhausted(
            ErrorReason.INTEGRATOR_CLIENT_LIMIT_REACHED,
            f"The company already has {limit} client applications; revoke one "
            "(DeleteIntegratorClient) before registering another.",
            {"limit": str(limit)},
        )
