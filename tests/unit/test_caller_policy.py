"""The caller-kind check of a policy row: who gets past it, and the refusal the others get."""

from __future__ import annotations

import pytest

from shared.facts.caller_policy import CONNECTION_MANAGER, Callers, ToolLevel
from shared.facts.errors import PermissionDenied
from shared.facts.identity import IntegratorMode, Principal, PrincipalKind

PLATFORM = Principal(PrincipalKind.PLATFORM, "accounts")
CONNECTION = Principal(PrincipalKind.SERVICE, "connection")
NOTIFICATION = Principal(PrincipalKind.SERVICE, "notification")
USER = Principal(PrincipalKind.USER, "u-1", "c-1")
INTEGRATOR = Principal(
    PrincipalKind.INTEGRATOR, "u-1", "c-1", "client-1", IntegratorMode.ON_BEHALF_OF_USER
)
CALLERS = {
    "platform": PLATFORM,
    "connection": CONNECTION,
    "notification": NOTIFICATION,
    "user": USER,
    "integrator": INTEGRATOR,
}

SYSTEMS = Callers(platform=True, services=("connection",))
PEOPLE_ONLY = Callers(levels=(ToolLevel(CONNECTION_MANAGER, "admin"),))
PLATFORM_OR_SELF = Callers(platform=True, self_="the user themself")
PUBLIC = Callers(anyone=True)
ADMITTED = "admitted"
DENIED = "PERMISSION_DENIED"
PERSON = "PERSON_REQUIRED"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (SYSTEMS, dict(platform=ADMITTED, connection=ADMITTED, notification=DENIED, user=DENIED,
                       integrator=DENIED)),
        (PEOPLE_ONLY, dict(platform=PERSON, connection=PERSON, notification=PERSON,
                           user=ADMITTED, integrator=ADMITTED)),
        (PLATFORM_OR_SELF, dict(platform=ADMITTED, connection=DENIED, notification=DENIED,
                                user=ADMITTED, integrator=ADMITTED)),
        (PUBLIC, dict.fromkeys(CALLERS, ADMITTED)),
    ],
    ids=["systems", "people only", "platform or self", "public"],
)  # fmt: skip
def test_a_row_admits_exactly_the_kinds_it_names(row: Callers, expected: dict[str, str]) -> None:
    got = {}
    for name, caller in CALLERS.items():
        try:
            row.admit_kind(caller)
            got[name] = ADMITTED
        except PermissionDenied as refused:
            got[name] = refused.reason
    assert got == expected


def test_the_refusal_names_who_may_call() -> None:
    with pytest.raises(PermissionDenied) as refused:
        SYSTEMS.admit_kind(USER)
    assert "platform; services (connection)" in str(refused.value.message)


def test_a_tool_level_renders_with_its_project_and_any_second_grant() -> None:
    both = ToolLevel(
        CONNECTION_MANAGER, "admin", "the downstream project",
        also=ToolLevel("Drawings", "read_only", "both projects"),
    )  # fmt: skip
    assert Callers(levels=(both,)).sentence() == (
        "Caller: Connection Manager admin on the downstream project with Drawings read_only "
        "on both projects."
    )
    with pytest.raises(AssertionError):
        ToolLevel(CONNECTION_MANAGER, "none")
