"""Who may see and decide a connection, read inside the caller's unit of work.

The downstream's Connection Manager admin requests and withdraws (and needs Drawings
read_only on both projects); the upstream's admin approves and rejects; either side's
admin disconnects; read_only and up on either side reads, and so does a company admin of
either side's company without a grant (R33). Someone who may not see a connection or an
upstream project gets NOT_FOUND, exactly as if it did not exist (R13, R27). A client
application (integrator) acts with its user's levels, and only through projects whose
company allows outside applications (R31, OUTSIDE_APPLICATIONS_FORBIDDEN).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Row

from services.connection.domain.connection_lifecycle import (
    Decision,
    Side,
    deciding_sides,
    project_of,
)
from services.connection.domain.directory_access import DirectoryAccess, level_held
from services.connection.store.models import Connection
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from shared.facts.errors import ErrorReason, NotFound, PermissionDenied
from shared.facts.identity import Principal
from shared.facts.permission_levels import NO_ACCESS

# The project and company an unknown connection is looked up between: none has an empty id.
_NO_ID = ""


class DrawingsLevels(Protocol):
    def drawings_level(self, project_id: str, user_id: str) -> str: ...


def connection_hidden(connection_id: str) -> NotFound:
    return NotFound(ErrorReason.CONNECTION_NOT_FOUND, f"No connection {connection_id!r} was found.")


def project_hidden(project_id: str) -> NotFound:
    return NotFound(ErrorReason.PROJECT_NOT_FOUND, f"No project {project_id!r} was found.")


def held_level(uow: ConnectionUnitOfWork, caller: Principal, project_id: str) -> str:
    return level_held(caller, uow.directory.connection_manager_level(project_id, caller.user_id))


def outside_application_refused(
    uow: ConnectionUnitOfWork, caller: Principal, project_id: str
) -> bool:
    """True for an integrator in a project whose company forbids outside applications."""
    return DirectoryAccess(uow.directory).outside_application_refused(caller, project_id)


def require_outside_applications_allowed(
    uow: ConnectionUnitOfWork, caller: Principal, project_id: str
) -> None:
    """R31, for a project the caller may otherwise see."""
    DirectoryAccess(uow.directory).require_outside_applications_allowed(caller, project_id)


def needs_no_grant(caller: Principal) -> bool:
    """The platform and our own services hold a level on every project without a grant."""
    return level_held(caller, NO_ACCESS) != NO_ACCESS


def cm_level(
    uow: ConnectionUnitOfWork, caller: Principal, project_id: str, granted: str | None = None
) -> str:
    """The caller's level on the project (``granted``: their user's grant, when read
    already); an integrator is refused where its user holds one but the project's company
    forbids outside applications (R31)."""
    if granted is None:
        level = held_level(uow, caller, project_id)
    else:
        level = level_held(caller, granted)
    if level != "none":
        require_outside_applications_allowed(uow, caller, project_id)
    return level


def is_company_admin(uow: ConnectionUnitOfWork, caller: Principal, company_id: str) -> bool:
    return DirectoryAccess(uow.directory).is_company_admin(caller, company_id)


class _ConnectionRecord(Protocol):
    """What the access check reads of a connection: the entity, or its row."""

    @property
    def upstream_project_id(self) -> str: ...
    @property
    def downstream_project_id(self) -> str: ...
    @property
    def upstream_company_id(self) -> str: ...
    @property
    def downstream_company_id(self) -> str: ...


ConnectionT = TypeVar("ConnectionT", bound=_ConnectionRecord)


def readable_connection(
    uow: ConnectionUnitOfWork, caller: Principal, connection_id: str
) -> Row[Any]:
    """As ``visible_connection``, for a pure read: the connection's row, read in the same
    statement as the caller's levels on its two sides."""
    row = uow.connections.row_with_levels(connection_id, caller.user_id)
    granted = ("none", "none") if row is None else (row.upstream_level_, row.downstream_level_)
    levels = [level_held(caller, level or "none") for level in granted]
    return _seen(uow, caller, connection_id, row, levels)


def visible_connection(
    uow: ConnectionUnitOfWork, caller: Principal, connection_id: str
) -> Connection:
    return _seen(uow, caller, connection_id, uow.connections.get(connection_id), None)


def _seen(
    uow: ConnectionUnitOfWork,
    caller: Principal,
    connection_id: str,
    connection: ConnectionT | None,
    levels: list[str] | None,
) -> ConnectionT:
    """``connection`` if the caller may see it; ``levels``: the caller's on its two sides,
    when read already (else looked up here)."""
    # R27: an unknown id goes through the same lookups as a connection the caller cannot
    # see (between no projects of no company), so that its NOT_FOUND runs the same
    # statements and takes as long.
    if connection is None:
        sides, companies = (_NO_ID, _NO_ID), (_NO_ID, _NO_ID)
    else:
        sides = (connection.upstream_project_id, connection.downstream_project_id)
        companies = (connection.upstream_company_id, connection.downstream_company_id)
    if levels is None:
        levels = [held_level(uow, caller, side) for side in sides]
    seen = [side for side, level in zip(sides, levels, strict=True) if level != "none"]
    if not seen:  # R33: a company admin sees their company's connections without a grant
        seen = [
            side
            for side, company_id in zip(sides, companies, strict=True)
            if is_company_admin(uow, caller, company_id)
        ]
    if connection is None or not seen:
        raise connection_hidden(connection_id)
    # Visible through a side that lets the caller in is enough (R31 is per project).
    if all(outside_application_refused(uow, caller, side) for side in seen):
        require_outside_applications_allowed(uow, caller, seen[0])
    return connection


def require_company_admin_of(uow: ConnectionUnitOfWork, caller: Principal, project_id: str) -> None:
    """R33: a company admin reads their company's projects' connections without a grant;
    anyone else without a level learns nothing (R27)."""
    project = uow.connections.project(project_id)
    # An unknown project is looked up in no company, with the same reads (R27).
    company_id = _NO_ID if project is None else project.company_id
    if not is_company_admin(uow, caller, company_id) or project is None:
        raise project_hidden(project_id)
    require_outside_applications_allowed(uow, caller, project_id)


def require_admin(
    uow: ConnectionUnitOfWork, caller: Principal, project_id: str, side: Side
) -> None:
    if cm_level(uow, caller, project_id) != "admin":
        raise PermissionDenied(
            ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
            f"This needs the Connection Manager admin level on the {side} project.",
        )


def require_decider(
    uow: ConnectionUnitOfWork, caller: Principal, connection: Connection, decision: Decision
) -> None:
    """The caller holds the admin level on a side that takes ``decision`` (R3, R4)."""
    sides = deciding_sides(decision)
    if len(sides) == 1:
        require_admin(uow, caller, project_of(connection, sides[0]), sides[0])
        return
    projects = [project_of(connection, side) for side in sides]
    admin_of = [project for project in projects if held_level(uow, caller, project) == "admin"]
    if not admin_of:
        raise PermissionDenied(
            ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
            "This needs the Connection Manager admin level on either project.",
        )
    if all(outside_application_refused(uow, caller, project) for project in admin_of):
        require_outside_applications_allowed(uow, caller, admin_of[0])


def require_upstream_visible(
    uow: ConnectionUnitOfWork, drawings: DrawingsLevels, caller: Principal, up_id: str
) -> None:
    """R13: without Drawings access to the upstream, it does not exist for the caller."""
    exists = uow.connections.project(up_id) is not None
    if not exists or drawings.drawings_level(up_id, caller.user_id) == "none":
        raise project_hidden(up_id)
    require_outside_applications_allowed(uow, caller, up_id)


def require_downstream_initiator(
    uow: ConnectionUnitOfWork, drawings: DrawingsLevels, caller: Principal, down_id: str
) -> None:
    downstream = uow.connections.project(down_id)
    level = cm_level(uow, caller, down_id)
    if downstream is None or (level == "none" and downstream.company_id != caller.company_id):
        raise project_hidden(down_id)
    require_admin(uow, caller, down_id, Side.DOWNSTREAM)
    if drawings.drawings_level(down_id, caller.user_id) == "none":
        raise PermissionDenied(
            ErrorReason.DRAWINGS_READ_ONLY_REQUIRED,
            "Connecting needs the Drawings read-only level on both projects.",
        )
