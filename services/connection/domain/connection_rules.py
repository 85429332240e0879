"""The rules checked when a connection is requested and again when it is approved (R6–R12).

Plain Python: the facts are gathered elsewhere (the directory, the drawing service) and
every rule gives a verdict, in rule order, so a preview can show them all and a request
can refuse with the first that fails (R13).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.facts.errors import ErrorReason, ErrorReasonValue


@dataclass(frozen=True)
class ConnectionRuleSettings:
    """The two rules that are settings: the revision limit (R7) and same-company (R8)."""

    revision_limit: int = 50_000
    same_company_allowed: bool = True


@dataclass(frozen=True)
class ProjectSide:
    """What the rules need to know about one end of a connection."""

    project_id: str
    company_id: str
    active: bool
    revision_count: int
    file_storage_location: str
    govcloud: bool


@dataclass(frozen=True)
class RuleFacts:
    downstream: ProjectSide
    upstream: ProjectSide
    revision_limit: int
    same_company_allowed: bool
    # Other connections (pending or active), not counting the one being decided.
    downstream_has_upstream: bool
    downstream_serves_downstreams: bool
    upstream_has_upstream: bool
    downstream_ever_disconnected: bool


@dataclass(frozen=True)
class Verdict:
    rule: str
    reason: ErrorReasonValue
    passed: bool
    message: str


def evaluate(facts: RuleFacts) -> list[Verdict]:
    """Every rule's verdict, in rule order."""
    down, up = facts.downstream, facts.upstream
    inactive = [
        side for side, project in (("downstream", down), ("upstream", up)) if not project.active
    ]
    over_limit = [
        side
        for side, project in (("downstream", down), ("upstream", up))
        if project.revision_count > facts.revision_limit
    ]
    same_company = down.company_id == up.company_id
    same_project = down.project_id == up.project_id
    return [
        Verdict(
            "R6",
            ErrorReason.PROJECT_INACTIVE,
            not inactive,
            "Both projects are active."
            if not inactive
            else f"The {' and '.join(inactive)} project is inactive; only active projects connect.",
        ),
        Verdict(
            "R7",
            ErrorReason.REVISION_LIMIT_EXCEEDED,
            not over_limit,
            f"Both projects hold at most {facts.revision_limit:,} drawing revisions."
            if not over_limit
            else f"The {' and '.join(over_limit)} project holds more than "
            f"{facts.revision_limit:,} drawing revisions.",
        ),
        Verdict(
            "R8",
            ErrorReason.SAME_PROJECT,
            not same_project,
            "The two projects differ."
            if not same_project
            else "A project cannot connect to itself; name another upstream project.",
        ),
        Verdict(
            "R8",
            ErrorReason.SAME_COMPANY_NOT_ALLOWED,
            facts.same_company_allowed or not same_company,
            "Projects of the same company may connect."
            if facts.same_company_allowed or not same_company
            else "Only projects of two different companies may connect.",
        ),
        Verdict(
            "R9",
            ErrorReason.DOWNSTREAM_ALREADY_CONNECTED,
            not facts.downstream_has_upstream,
            "The downstream project has no other upstream."
            if not facts.downstream_has_upstream
            else "The downstream project already has an upstream (pending or active).",
        ),
        Verdict(
            "R10",
            ErrorReason.CHAINED_CONNECTION,
            not (facts.downstream_serves_downstreams or facts.upstream_has_upstream),
            _chain_message(facts),
        ),
        Verdict(
            "R11",
            ErrorReason.FILE_STORAGE_LOCATION_MISMATCH,
            down.file_storage_location == up.file_storage_location,
            "Both companies store files in the same location."
            if down.file_storage_location == up.file_storage_location
            else "The two companies store their files in different locations.",
        ),
        Verdict(
            "R11",
            ErrorReason.GOVCLOUD_NOT_SUPPORTED,
            not (down.govcloud or up.govcloud),
            "Neither company is a GovCloud account."
            if not (down.govcloud or up.govcloud)
            else "GovCloud accounts cannot take part in project connections.",
        ),
        Verdict(
            "R12",
            ErrorReason.DOWNSTREAM_PREVIOUSLY_DISCONNECTED,
            not facts.downstream_ever_disconnected,
            "The downstream project was never disconnected."
            if not facts.downstream_ever_disconnected
            else "The downstream project was disconnected once and can never connect again.",
        ),
    ]


def _chain_message(facts: RuleFacts) -> str:
    if facts.downstream_serves_downstreams:
        return "The downstream project is upstream of another project; connections cannot chain."
    if facts.upstream_has_upstream:
        return "The upstream project is downstream of another project; connections cannot chain."
    return "Neither project would form a chain of connections."


def first_refusal(verdicts: list[Verdict]) -> Verdict | None:
    return next((verdict for verdict in verdicts if not verdict.passed), None)
