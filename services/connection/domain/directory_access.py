"""Who holds what in the directory: plain rules over facts the caller looked up."""

from __future__ import annotations

from shared.facts.identity import Principal, PrincipalKind


def level_held(caller: Principal, granted_level: str) -> str:
    """The caller's Connection Manager level on a project, given the level granted to their
    user there: our systems and the platform read, only people (and client applications
    acting as one) decide."""
    if caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE):
        return "read_only"
    return granted_level
