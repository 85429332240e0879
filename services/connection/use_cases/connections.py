"""The connection lifecycle's use cases (R1–R13): request (or preview), approve, reject,
withdraw, disconnect; get, list and the audit trail.

Each opens the unit of work, checks who may (connection_access), moves the connection
through its lifecycle (domain.connection_lifecycle), records the move and the notices it
sends, and wakes the workers once the transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Row

from services.connection.domain import connection_lifecycle as lifecycle
from services.connection.domain.connection_lifecycle import (
    AUTO_APPROVE_REASON,
    SYSTEM,
    Actor,
    Decision,
    Side,
    StateChange,
)
from services.connection.domain.connection_notices import notices_due
from services.connection.domain.connection_rules import (
    ConnectionRuleSettings,
    Verdict,
    evaluate,
    first_refusal,
)
from services.connection.store.models import Connection, ConnectionEvent, Project
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from services.connection.use_cases import connection_access as access
from shared.facts.errors import FailedPrecondition
from shared.facts.identity import Principal
from shared.facts.permission_levels import NO_ACCESS
from shared.persistence.db import utcnow

log = logging.getLogger("connectability.connection.events")

# The log line of each new state, written once the transaction that made it committed.
_EVENT_NAMES = {
    lifecycle.ConnectionState.PENDING: "connection requested",
    lifecycle.ConnectionState.ACTIVE: "connection approved",
    lifecycle.ConnectionState.REJECTED: "connection rejected",
    lifecycle.ConnectionState.WITHDRAWN: "connection withdrawn",
    lifecycle.ConnectionState.DISCONNECTED: "connection disconnected",
}


def _announce_after_commit(
    uow: ConnectionUnitOfWork, connection: Connection, change: StateChange
) -> None:
    """Log the change at INFO, with who made it and why, once it has committed."""
    fields = {
        "connection_id": connection.id,
        "upstream_project_id": connection.upstream_project_id,
        "downstream_project_id": connection.downstream_project_id,
        "state": str(change.to_state),
        "actor_user_id": change.actor.user_id,
        "reason": change.reason,
    }
    message = _EVENT_NAMES[change.to_state]
    uow.after_commit(lambda: log.info(message, extra=fields))


class DrawingServiceFacts(access.DrawingsLevels, Protocol):
    """What the drawing service answers: Drawings levels and revision counts."""

    def revision_count(self, project_id: str) -> int: ...


@dataclass(frozen=True)
class Wakes:
    """The workers a committed change wakes at once rather than at their next round."""

    notices_written: Callable[[], None]  # the notice outbox's deliverer
    sync_due: Callable[[], None]  # the sync engine: a connection became active or final
    disconnected: Callable[[], None]  # the sync engine passes disconnections down


@dataclass(frozen=True)
class Requested:
    connection: Connection
    verdicts: list[Verdict]  # every rule's, all passed


def actor_of(caller: Principal) -> Actor:
    return Actor(user_id=caller.user_id, company_id=caller.company_id)


def _move(
    connection: Connection, decision: Decision, actor: Actor, reason: str, at: datetime
) -> StateChange:
    if decision is Decision.APPROVE:
        return lifecycle.approve(connection, actor, at)
    if decision is Decision.REJECT:
        return lifecycle.reject(connection, actor, at, reason)
    if decision is Decision.WITHDRAW:
        return lifecycle.withdraw(connection, actor, at)
    return lifecycle.disconnect(connection, actor, at, reason)


class Connections:
    def __init__(
        self,
        uow: Callable[[], ConnectionUnitOfWork],
        drawings: DrawingServiceFacts,
        rules: ConnectionRuleSettings,
        wakes: Wakes,
    ):
        self._uow = uow
        self._drawings = drawings
        self._rules = rules
        self._wakes = wakes

    # Requesting (R1) and previewing

    def preview(self, caller: Principal, down_id: str, up_id: str) -> list[Verdict]:
        """Every rule's verdict on the request; changes nothing."""
        with self._uow() as uow:
            verdicts, _ = self._checked_request(uow, caller, down_id, up_id)
            return verdicts

    def request(self, caller: Principal, down_id: str, up_id: str) -> Requested:
        with self._uow() as uow:
            verdicts, locked = self._checked_request(uow, caller, down_id, up_id)
            _refuse_if_any(verdicts)
            connection = uow.connections.new(locked[down_id], locked[up_id], caller.user_id)
            now = utcnow()
            requested = lifecycle.request(connection, actor_of(caller), now)
            uow.connections.record(connection, requested)
            _announce_after_commit(uow, connection, requested)
            upstream_company = uow.connections.company(locked[up_id].company_id)
            assert upstream_company is not None  # a foreign key guarantees it
            if upstream_company.approval_preference == "auto_approve":
                # The upstream company approves automatically (R2): the system's act, in the
                # same transaction and at the same instant, so no read sees it pending.
                approved = lifecycle.approve(connection, SYSTEM, now, AUTO_APPROVE_REASON)
                uow.connections.record(connection, approved)
                _announce_after_commit(uow, connection, approved)
            uow.notices.add_connection_notices(connection, notices_due(connection), caller.user_id)
            uow.after_commit(self._wakes.notices_written)
            uow.after_commit(self._wakes.sync_due)  # an auto-approved one starts copying now
            return Requested(connection, verdicts)

    def _checked_request(
        self, uow: ConnectionUnitOfWork, caller: Principal, down_id: str, up_id: str
    ) -> tuple[list[Verdict], dict[str, Project]]:
        """Who may request it, then every rule's verdict over the locked projects."""
        access.require_upstream_visible(uow, self._drawings, caller, up_id)
        access.require_downstream_initiator(uow, self._drawings, caller, down_id)
        counts = {pid: self._drawings.revision_count(pid) for pid in (down_id, up_id)}
        locked = uow.connections.lock_projects(down_id, up_id)
        facts = uow.connections.rule_facts(
            locked[down_id],
            locked[up_id],
            counts.__getitem__,
            self._rules,
        )
        return evaluate(facts), locked

    # Deciding (R3, R4)

    def approve(self, caller: Principal, connection_id: str) -> Connection:
        return self._decide(caller, connection_id, Decision.APPROVE, "")

    def reject(self, caller: Principal, connection_id: str, reason: str) -> Connection:
        return self._decide(caller, connection_id, Decision.REJECT, reason)

    def withdraw(self, caller: Principal, connection_id: str) -> Connection:
        return self._decide(caller, connection_id, Decision.WITHDRAW, "")

    def disconnect(self, caller: Principal, connection_id: str, reason: str) -> Connection:
        return self._decide(caller, connection_id, Decision.DISCONNECT, reason)

    def _decide(
        self, caller: Principal, connection_id: str, decision: Decision, reason: str
    ) -> Connection:
        with self._uow() as uow:
            known = access.visible_connection(uow, caller, connection_id)
            access.require_decider(uow, caller, known, decision)
            ends = (known.downstream_project_id, known.upstream_project_id)
            counts = {}
            if decision is Decision.APPROVE:  # the rules are checked again at approval
                counts = {pid: self._drawings.revision_count(pid) for pid in ends}
            locked = uow.connections.lock_projects(*ends)
            connection = uow.connections.reread(known)
            if lifecycle.rules_checked_before(decision, connection):
                down, up = ends
                facts = uow.connections.rule_facts(
                    locked[down],
                    locked[up],
                    counts.__getitem__,
                    self._rules,
                    excluding_connection=connection.id,
                )
                _refuse_if_any(evaluate(facts))
            change = _move(connection, decision, actor_of(caller), reason, utcnow())
            uow.connections.record(connection, change)
            _announce_after_commit(uow, connection, change)
            uow.notices.add_connection_notices(connection, notices_due(connection), caller.user_id)
            uow.after_commit(self._wakes.notices_written)
            if decision is Decision.DISCONNECT:
                # Stop the sync at once: the drawing service refuses more for it.
                uow.after_commit(self._wakes.disconnected)
            uow.after_commit(self._wakes.sync_due)
            return connection

    # Reading

    def visible(self, caller: Principal, connection_id: str) -> Row[Any]:
        """The connection's row (read like the entity), if the caller may see it."""
        with self._uow().reading() as uow:
            return access.readable_connection(uow, caller, connection_id)

    def of_project(
        self,
        caller: Principal,
        project_id: str,
        role: Side | None,
        page_size: int,
        page_token: str,
    ) -> tuple[list[Row[Any]], str]:
        with self._uow().reading() as uow:
            # The page carries the caller's grant (one statement); it holds rows only
            # where they have one (or need none), else only a company admin reads on.
            rows, token = uow.connections.page_of_project(
                project_id,
                role,
                caller.user_id,
                access.needs_no_grant(caller),
                page_size,
                page_token,
            )
            granted = (rows[0].level_ or NO_ACCESS) if rows else None
            if access.cm_level(uow, caller, project_id, granted) == NO_ACCESS:
                access.require_company_admin_of(uow, caller, project_id)
                return uow.connections.page_of_project(
                    project_id, role, caller.user_id, True, page_size, page_token
                )
            return rows, token

    def events(
        self, caller: Principal, connection_id: str, page_size: int, page_token: str
    ) -> tuple[list[ConnectionEvent], str]:
        with self._uow() as uow:
            connection = access.visible_connection(uow, caller, connection_id)
            return uow.connections.events_page(connection.id, page_size, page_token)


def _refuse_if_any(verdicts: list[Verdict]) -> None:
    refused = first_refusal(verdicts)
    if refused is not None:
        raise FailedPrecondition(refused.reason, refused.message, {"rule": refused.rule})
