"""R31: a company can forbid outside applications (integrators) in its projects.

Each service applies this once, in its access layer, after it has decided that the caller
may see the project at all: where the integrator's user could not see it, the answer stays
the NOT_FOUND of a project that does not exist (R27), so the refusal reveals nothing.
People, our services and the platform are never affected.
"""

from __future__ import annotations

from shared.facts.errors import ErrorReason, PermissionDenied
from shared.facts.identity import Principal, PrincipalKind


def outside_applications_refusal() -> PermissionDenied:
    return PermissionDenied(
        ErrorReason.OUTSIDE_APPLICATIONS_FORBIDDEN,
        "The company that owns this project does not allow outside applications.",
    )


def refused_as_outside_application(caller: Principal, outside_applications_allowed: bool) -> bool:
    """True when ``caller`` is a client application and the project's company forbids them."""
    return caller.kind is PrincipalKind.INTEGRATOR and not outside_applications_allowed


def require_outside_applications_allowed(
    caller: Principal, outside_applications_allowed: bool
) -> None:
    if refused_as_outside_application(caller, outside_applications_allowed):
        raise outside_applications_refusal()
