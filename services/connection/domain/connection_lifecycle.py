"""A connection's lifecycle (R1–R5): its states, its two sides, and the moves between them.

A downstream requests a connection to an upstream (pending); the upstream approves
(active) or rejects it, or the downstream withdraws it first; either side disconnects an
active connection. Each move changes the stored connection and answers the audit-trail
entry to record; a move from any other state is refused with the reason the contract
names. The stored state is the enum's value, so the enum changes nothing on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shared.facts.errors import ErrorReason, ErrorReasonValue, FailedPrecondition, InvalidArgument


class ConnectionState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DISCONNECTED = "disconnected"


# A live connection counts for the rules (R9, R10): it is, or may become, active.
LIVE_STATES = (ConnectionState.PENDING, ConnectionState.ACTIVE)


class Side(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"


def other_side(side: Side) -> Side:
    return Side.DOWNSTREAM if side is Side.UPSTREAM else Side.UPSTREAM


class ConnectionEnds(Protocol):
    @property
    def upstream_project_id(self) -> str: ...
    @property
    def downstream_project_id(self) -> str: ...


def project_of(connection: ConnectionEnds, side: Side) -> str:
    """The project at the ``side`` end of the connection."""
    if side is Side.UPSTREAM:
        return connection.upstream_project_id
    return connection.downstream_project_id


# The state_reason of a connection the upstream company's preference approved (R2, R5).
AUTO_APPROVE_REASON = "auto_approve"


@dataclass(frozen=True)
class Actor:
    """Who moves a connection; the system (an automatic approval) has empty ids."""

    user_id: str
    company_id: str


SYSTEM = Actor(user_id="", company_id="")


class LifecycleRecord(Protocol):
    """What the moves read and change of a stored connection."""

    state: str
    state_reason: str
    state_changed_by_user_id: str
    state_changed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StateChange:
    """One entry of the audit trail; ``from_state`` is None for the request itself."""

    from_state: ConnectionState | None
    to_state: ConnectionState
    actor: Actor
    reason: str
    at: datetime


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    DISCONNECT = "disconnect"


@dataclass(frozen=True)
class _Move:
    from_state: ConnectionState
    to_state: ConnectionState
    refusal: ErrorReasonValue  # the reason a move from any other state is refused with
    done: str  # how the refusal says it, e.g. "only a pending connection can be approved"
    deciders: tuple[Side, ...]  # whose Connection Manager admin decides (R3, R4)


_MOVES: dict[Decision, _Move] = {
    Decision.APPROVE: _Move(
        ConnectionState.PENDING,
        ConnectionState.ACTIVE,
        ErrorReason.CONNECTION_NOT_PENDING,
        "approved",
        (Side.UPSTREAM,),
    ),
    Decision.REJECT: _Move(
        ConnectionState.PENDING,
        ConnectionState.REJECTED,
        ErrorReason.CONNECTION_NOT_PENDING,
        "rejected",
        (Side.UPSTREAM,),
    ),
    Decision.WITHDRAW: _Move(
        ConnectionState.PENDING,
        ConnectionState.WITHDRAWN,
        ErrorReason.CONNECTION_NOT_PENDING,
        "withdrawn",
        (Side.DOWNSTREAM,),
    ),
    Decision.DISCONNECT: _Move(
        ConnectionState.ACTIVE,
        ConnectionState.DISCONNECTED,
        ErrorReason.CONNECTION_NOT_ACTIVE,
        "disconnected",
        (Side.UPSTREAM, Side.DOWNSTREAM),
    ),
}


def deciding_sides(decision: Decision) -> tuple[Side, ...]:
    """The sides whose Connection Manager admin may take ``decision`` (either one of them)."""
    return _MOVES[decision].deciders


def state_of(connection: LifecycleRecord) -> ConnectionState:
    return ConnectionState(connection.state)


def rules_checked_before(decision: Decision, connection: LifecycleRecord) -> bool:
    """The rules are checked again when a pending connection is approved (R6–R12)."""
    return decision is Decision.APPROVE and state_of(connection) is ConnectionState.PENDING


def request(connection: LifecycleRecord, actor: Actor, at: datetime) -> StateChange:
    """A new connection starts pending, requested by ``actor`` (R1)."""
    _enter(connection, ConnectionState.PENDING, actor, "", at)
    return StateChange(None, ConnectionState.PENDING, actor, "", at)


def approve(
    connection: LifecycleRecord, actor: Actor, at: datetime, reason: str = ""
) -> StateChange:
    """The upstream accepts (R3); the system's approval (R2) gives AUTO_APPROVE_REASON."""
    return _decide(connection, Decision.APPROVE, actor, reason, at)


def reject(connection: LifecycleRecord, actor: Actor, at: datetime, reason: str) -> StateChange:
    return _decide(connection, Decision.REJECT, actor, reason, at)


def withdraw(connection: LifecycleRecord, actor: Actor, at: datetime) -> StateChange:
    return _decide(connection, Decision.WITHDRAW, actor, "", at)


def disconnect(connection: LifecycleRecord, actor: Actor, at: datetime, reason: str) -> StateChange:
    """Final (R4): nothing more syncs. Needs a reason, which both sides are told."""
    return _decide(connection, Decision.DISCONNECT, actor, required_reason(reason), at)


def required_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidArgument(
            ErrorReason.REASON_REQUIRED, "Say why the projects are disconnected (R4)."
        )
    return reason


def _decide(
    connection: LifecycleRecord, decision: Decision, actor: Actor, reason: str, at: datetime
) -> StateChange:
    move = _MOVES[decision]
    if connection.state != move.from_state:
        raise FailedPrecondition(
            move.refusal,
            f"The connection is {connection.state}; only a {move.from_state} connection can "
            f"be {move.done}.",
            {"state": connection.state},
        )
    _enter(connection, move.to_state, actor, reason, at)
    return StateChange(move.from_state, move.to_state, actor, reason, at)


def _enter(
    connection: LifecycleRecord,
    state: ConnectionState,
    actor: Actor,
    reason: str,
    at: datetime,
) -> None:
    connection.state = state.value
    connection.state_reason = reason
    connection.state_changed_by_user_id = actor.user_id
    connection.state_changed_at = at
    connection.updated_at = at
