"""Client applications (integrators, R31): who may register them, whom they act as, and
their rows (SQLAlchemy). The servicer in integrator_rpcs only translates.

A client acts as exactly one directory user of its company and holds that user's grants,
never more: ON_BEHALF_OF_USER as the person who authorised it, SERVICE_ACCOUNT as a
service-account user (``User.service_account``) that was granted ordinary permissions.
So that nobody borrows a colleague's grants, a company admin registers on-behalf-of
clients only for themselves, and service-account clients only for service-account users.

Limits (R32): a client's rate limit is the configured default unless the platform sets
another; a company admin may ask for less, never more. A company holds at most a configured
number of usable (not revoked) clients, counted with the company's row locked, so two
concurrent registrations cannot both take the last place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import Company, IntegratorClient, User
from shared.facts.errors import (
    ErrorReason,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from shared.facts.identity import Principal, PrincipalKind
from shared.persistence.db import RecordNotFound, new_id, utcnow

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


def _require_platform_or_user(caller: Principal) -> None:
    # Depends only on the caller's kind: reveals nothing about what exists.
    if caller.kind not in (PrincipalKind.PLATFORM, PrincipalKind.USER):
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED,
            "Only the platform or a company admin manages client applications.",
        )


class IntegratorClients:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        limits: IntegratorClientLimits = IntegratorClientLimits(),
    ) -> None:
        self._session_factory = session_factory
        self.limits = limits

    # Who may

    def require_may_create(self, caller: Principal, spec: IntegratorClientSpec) -> None:
        """Refuses unless ``caller`` may register ``spec`` (see the module docstring)."""
        _require_platform_or_user(caller)
        with self._session_factory() as session:
            if caller.kind is PrincipalKind.USER:
                if caller.company_id != spec.company_id:
                    raise RecordNotFound("company", spec.company_id)
                self._require_company_admin(session, caller)
                self._require_rate_limit_within_default(spec)
            if session.get(Company, spec.company_id) is None:
                raise RecordNotFound("company", spec.company_id)
            user = session.get(User, spec.user_id)
            if user is None or user.company_id != spec.company_id:
                raise RecordNotFound("user", spec.user_id)
            if spec.mode == SERVICE_ACCOUNT and not user.service_account:
                raise InvalidArgument(
                    ErrorReason.SERVICE_ACCOUNT_USER_REQUIRED,
                    "A service-account client acts as a service-account user.",
                )
            if spec.mode == ON_BEHALF_OF_USER and user.service_account:
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

    def managed_client(self, caller: Principal, client_id: str) -> IntegratorClient:
        """The client if ``caller`` manages it; a client of another company is hidden."""
        _require_platform_or_user(caller)
        with self._session_factory() as session:
            client = session.get(IntegratorClient, client_id) if client_id else None
            if client is None:
                raise client_hidden(client_id)
            if caller.kind is PrincipalKind.USER:
                if caller.company_id != client.company_id:
                    raise client_hidden(client_id)
                self._require_company_admin(session, caller)
            return client

    def _require_rate_limit_within_default(self, spec: IntegratorClientSpec) -> None:
        default = self.limits.default_rate_limit_per_hour
        if spec.rate_limit_per_hour > default:
            raise PermissionDenied(
                ErrorReason.RATE_LIMIT_ABOVE_DEFAULT,
                f"Only the platform may give a client more than the default {default:,} calls "
                "per hour; ask for the default (0) or less.",
                {"default_rate_limit_per_hour": str(default)},
            )

    def _require_room_for_a_client(self, session: Session, company_id: str) -> None:
        """Refuses when the company holds its limit of usable clients; call with the
        company's row locked, so concurrent registrations count one after the other."""
        limit = self.limits.clients_per_company
        usable = session.scalar(
            select(func.count())
            .select_from(IntegratorClient)
            .where(IntegratorClient.company_id == company_id, IntegratorClient.revoked_at.is_(None))
        )
        if (usable or 0) >= limit:
            raise ResourceExhausted(
                ErrorReason.INTEGRATOR_CLIENT_LIMIT_REACHED,
                f"The company already has {limit} client applications; revoke one "
                "(DeleteIntegratorClient) before registering another.",
                {"limit": str(limit)},
            )

    @staticmethod
    def _require_company_admin(session: Session, caller: Principal) -> None:
        user = session.get(User, caller.user_id)
        if user is None or user.company_id != caller.company_id:
            raise PermissionDenied(
                ErrorReason.COMPANY_ADMIN_REQUIRED, "This needs a company admin."
            )
        if user.company_role != "company_admin":
            raise PermissionDenied(
                ErrorReason.COMPANY_ADMIN_REQUIRED, "This needs a company admin."
            )

    # Rows

    def create(
        self, session: Session, spec: IntegratorClientSpec, created_by: str, secret_hash: str
    ) -> IntegratorClient:
        company = session.get(Company, spec.company_id, with_for_update=True)
        if company is None:
            raise RecordNotFound("company", spec.company_id)
        self._require_room_for_a_client(session, spec.company_id)
        now = utcnow()
        client = IntegratorClient(
            id=new_id(),
            company_id=spec.company_id,
            display_name=spec.display_name,
            mode=spec.mode,
            user_id=spec.user_id,
            rate_limit_per_hour=spec.rate_limit_per_hour,
            secret_hash=secret_hash,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        session.add(client)
        session.flush()
        return client

    def revoke(self, session: Session, client_id: str) -> IntegratorClient:
        client = session.get(IntegratorClient, client_id, with_for_update=True)
        if client is None:
            raise client_hidden(client_id)
        if client.revoked_at is None:
            client.revoked_at = client.updated_at = utcnow()
            session.flush()
        return client

    def replace_secret_hash(self, client_id: str, secret_hash: str) -> bool:
        """Give a usable client a new secret; False when it is revoked (or gone)."""
        with self._session_factory.begin() as session:
            client = session.get(IntegratorClient, client_id, with_for_update=True)
            if client is None or client.revoked_at is not None:
                return False
            client.secret_hash = secret_hash
            client.updated_at = utcnow()
            return True

    def find(self, client_id: str) -> IntegratorClient | None:
        if not client_id:
            return None
        with self._session_factory() as session:
            return session.get(IntegratorClient, client_id)

    def company_of(self, client: IntegratorClient) -> Company:
        with self._session_factory() as session:
            company = session.get(Company, client.company_id)
            if company is None:  # a foreign key keeps it; a missing one is a real fault
                raise LookupError(f"company {client.company_id!r} of client {client.id!r}")
            return company
