"""Client applications' rows (integrators, R31), inside one unit of work's session."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.connection.store.models import Company, IntegratorClient
from shared.persistence.db import new_id, utcnow


class IntegratorClientRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, client_id: str) -> IntegratorClient | None:
        return self._session.get(IntegratorClient, client_id) if client_id else None

    def find_locked(self, client_id: str) -> IntegratorClient | None:
        return self._session.get(IntegratorClient, client_id, with_for_update=True)

    def lock_company(self, company_id: str) -> Company | None:
        """The company with its row locked: registrations of one company count one at a time."""
        return self._session.get(Company, company_id, with_for_update=True)

    def usable_count(self, company_id: str) -> int:
        """The company's clients that are not revoked."""
        count = self._session.scalar(
            select(func.count())
            .select_from(IntegratorClient)
            .where(IntegratorClient.company_id == company_id, IntegratorClient.revoked_at.is_(None))
        )
        return count or 0

    def add(
        self,
        *,
        company_id: str,
        display_name: str,
        mode: str,
        user_id: str,
        rate_limit_per_hour: int,
        created_by: str,
        secret_hash: str,
    ) -> IntegratorClient:
        now = utcnow()
        client = IntegratorClient(
            id=new_id(),
            company_id=company_id,
            display_name=display_name,
            mode=mode,
            user_id=user_id,
            rate_limit_per_hour=rate_limit_per_hour,
            secret_hash=secret_hash,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self._session.add(client)
        self._session.flush()
        return client

    def revoke(self, client: IntegratorClient) -> None:
        """Revoked once: a second revoke keeps the first time."""
        if client.revoked_at is None:
            client.revoked_at = client.updated_at = utcnow()
            self._session.flush()

    def replace_secret_hash(self, client: IntegratorClient, secret_hash: str) -> None:
        client.secret_hash = secret_hash
        client.updated_at = utcnow()
        self._session.flush()

    def company_of(self, client: IntegratorClient) -> Company:
        company = self._session.get(Company, client.company_id)
        if company is None:  # a foreign key keeps it; a missing one is a real fault
            raise LookupError(f"company {client.company_id!r} of client {client.id!r}")
        return company
