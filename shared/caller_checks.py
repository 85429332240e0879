"""Checks on who is calling, for RPCs that only some kinds of caller may use.

Refusals here depend only on the caller, never on the resource asked about, so they
reveal nothing about what exists (R27).
"""

from __future__ import annotations

from shared.errors import ErrorReason, PermissionDenied
from shared.identity import Principal, PrincipalKind, current_principal

# Calls go down only (README, Architecture): the connection service is the one service that
# calls the others, so it is the only service a service-only RPC admits unless told more.
CALLING_SERVICES = ("connection",)


def require_platform_or_service(*services: str) -> Principal:
    """The platform identity, or one of our own ``services`` (the calling ones by default)."""
    caller = current_principal()
    if caller.kind is PrincipalKind.PLATFORM:
        return caller
    if caller.kind is PrincipalKind.SERVICE and caller.subject in (services or CALLING_SERVICES):
        return caller
    raise PermissionDenied(
        ErrorReason.PERMISSION_DENIED,
        "Only the platform or the connectability services may call this method.",
    )


def require_platform() -> Principal:
    caller = current_principal()
    if caller.kind is not PrincipalKind.PLATFORM:
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED, "Only the platform identity may call this method."
        )
    return caller
