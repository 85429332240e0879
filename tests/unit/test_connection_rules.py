"""Each connection rule (R6–R12) refuses on its own fact, with its own reason code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.connection.domain.connection_rules import (
    ProjectSide,
    RuleFacts,
    evaluate,
    first_refusal,
)
from shared.facts.errors import ErrorReason

DOWN = ProjectSide("down", "acme", True, 10, "us", False)
UP = ProjectSide("up", "archi", True, 10, "us", False)
GOOD = RuleFacts(DOWN, UP, 50_000, True, False, False, False, False)


def refusals(facts: RuleFacts) -> list[tuple[str, str]]:
    return [(v.rule, ErrorReason.Name(v.reason)) for v in evaluate(facts) if not v.passed]


def test_a_good_request_passes_every_rule() -> None:
    assert refusals(GOOD) == [] and first_refusal(evaluate(GOOD)) is None
    assert [v.rule for v in evaluate(GOOD)] == [
        "R6",
        "R7",
        "R8",
        "R8",
        "R9",
        "R10",
        "R11",
        "R11",
        "R12",
    ]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (replace(GOOD, upstream=replace(UP, active=False)), ("R6", "PROJECT_INACTIVE")),
        (replace(GOOD, downstream=replace(DOWN, active=False)), ("R6", "PROJECT_INACTIVE")),
        (
            replace(GOOD, upstream=replace(UP, revision_count=50_001)),
            ("R7", "REVISION_LIMIT_EXCEEDED"),
        ),
        (
            replace(GOOD, upstream=replace(UP, project_id="down", company_id="acme")),
            ("R8", "SAME_PROJECT"),
        ),
        (
            replace(GOOD, same_company_allowed=False, upstream=replace(UP, company_id="acme")),
            ("R8", "SAME_COMPANY_NOT_ALLOWED"),
        ),
        (replace(GOOD, downstream_has_upstream=True), ("R9", "DOWNSTREAM_ALREADY_CONNECTED")),
        (replace(GOOD, downstream_serves_downstreams=True), ("R10", "CHAINED_CONNECTION")),
        (replace(GOOD, upstream_has_upstream=True), ("R10", "CHAINED_CONNECTION")),
        (
            replace(GOOD, upstream=replace(UP, file_storage_location="eu")),
            ("R11", "FILE_STORAGE_LOCATION_MISMATCH"),
        ),
        (replace(GOOD, downstream=replace(DOWN, govcloud=True)), ("R11", "GOVCLOUD_NOT_SUPPORTED")),
        (
            replace(GOOD, downstream_ever_disconnected=True),
            ("R12", "DOWNSTREAM_PREVIOUSLY_DISCONNECTED"),
        ),
    ],
)
def test_each_rule_refuses_on_its_own_fact(facts: RuleFacts, expected: tuple[str, str]) -> None:
    assert refusals(facts) == [expected]


def test_the_limit_is_a_setting_and_exactly_the_limit_passes() -> None:
    at_limit = replace(GOOD, upstream=replace(UP, revision_count=25_000), revision_limit=25_000)
    assert refusals(at_limit) == []
    assert refusals(replace(at_limit, revision_limit=24_999)) == [("R7", "REVISION_LIMIT_EXCEEDED")]


def test_same_company_connections_are_allowed_by_default() -> None:
    assert refusals(replace(GOOD, upstream=replace(UP, company_id="acme"))) == []


def test_the_first_refusal_is_in_rule_order() -> None:
    many = replace(GOOD, downstream_ever_disconnected=True, upstream=replace(UP, active=False))
    refused = first_refusal(evaluate(many))
    assert refused is not None and refused.reason == ErrorReason.PROJECT_INACTIVE
