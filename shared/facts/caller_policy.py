"""Who may call an RPC, as data: the vocabulary of each service's policy table
(``services/<svc>/access_policy.py``), its one rendering into the contract's "Caller:" /
"Callers:" sentence, and the check on the caller's kind.

A row lists alternatives: any one of them admits the caller. The kind check (platform, which
of our services, a person) needs nothing but the caller, so it runs before anything is looked
up and reveals nothing (R27); the level, company and self checks need the resource and stay
with the servicer, which reads the same row.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.facts.errors import ErrorReason, PermissionDenied
from shared.facts.identity import Principal, PrincipalKind

CONNECTION_MANAGER = "Connection Manager"
DRAWINGS = "Drawings"
# The tool levels a row may require, lowest first (PermissionLevel without NONE).
TOOL_LEVELS = ("read_only", "standard", "admin")


@dataclass(frozen=True)
class ToolLevel:
    """A user (or an integrator acting as one) holding at least ``level`` of ``tool``."""

    tool: str
    level: str
    on: str = "the project"
    # A second grant needed as well, e.g. Drawings read_only on both projects (R1).
    also: ToolLevel | None = None

    def __post_init__(self) -> None:
        assert self.level in TOOL_LEVELS, self.level

    def render(self) -> str:
        text = f"{self.tool} {self.level} on {self.on}"
        return f"{text} with {self.also.render()}" if self.also else text


@dataclass(frozen=True)
class Callers:
    """One RPC's row: who may call it. Empty strings mean "not this kind of caller"."""

    platform: bool = False
    # Which of our own services (by name) may call it.
    services: tuple[str, ...] = ()
    levels: tuple[ToolLevel, ...] = ()
    # "a company admin of <company_admin>", e.g. "the owning company".
    company_admin: str = ""
    # "users of <company_users>": any person of that company, whatever their role.
    company_users: str = ""
    # The caller acting on their own record, as the contract says it, e.g. "the user themself".
    self_: str = ""
    # No token needed (the request authenticates itself, e.g. a client secret).
    anyone: bool = False

    @property
    def admits_people(self) -> bool:
        return bool(self.levels or self.company_admin or self.company_users or self.self_)

    def clauses(self) -> list[str]:
        found: list[str] = []
        if self.anyone:
            found.append("anyone, without a token")
        if self.platform:
            found.append("platform")
        if self.services:
            found.append(f"services ({', '.join(self.services)})")
        found.extend(level.render() for level in self.levels)
        if self.company_admin:
            found.append(f"a company admin of {self.company_admin}")
        if self.company_users:
            found.append(f"users of {self.company_users}")
        if self.self_:
            found.append(self.self_)
        return found

    def sentence(self) -> str:
        """The contract's sentence for this row, e.g. ``Callers: platform; services (x).``"""
        clauses = self.clauses()
        label = "Caller" if len(clauses) == 1 else "Callers"
        return f"{label}: {'; '.join(clauses)}."

    def admit_kind(self, caller: Principal) -> None:
        """Refuse a caller whose kind no alternative of the row admits (PERMISSION_DENIED)."""
        if self.anyone:
            return
        if caller.kind is PrincipalKind.PLATFORM and self.platform:
            return
        if caller.kind is PrincipalKind.SERVICE and caller.subject in self.services:
            return
        if caller.kind in (PrincipalKind.USER, PrincipalKind.INTEGRATOR) and self.admits_people:
            return
        if not self.platform and not self.services:
            raise PermissionDenied(
                ErrorReason.PERSON_REQUIRED,
                "This is done by people (or applications acting for them).",
            )
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED, f"This method's {self.sentence()[:-1].lower()}"
        )
