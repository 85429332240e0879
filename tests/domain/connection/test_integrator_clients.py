"""Who may register which client application (R31), and the limits on them (R32): the rules
of domain/integrator_clients.py over an in-memory directory."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest

from services.connection.domain.integrator_clients import (
    ON_BEHALF_OF_USER,
    SERVICE_ACCOUNT,
    IntegratorClientLimits,
    IntegratorClientSpec,
    rate_limit_of,
    require_may_register,
    require_room_for_a_client,
)
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.connection.fake_directory import FakeDirectory

LIMITS = IntegratorClientLimits(default_rate_limit_per_hour=3_600, clients_per_company=2)
PLATFORM = Principal(PrincipalKind.PLATFORM, "accounts")
ADA = Principal(PrincipalKind.USER, "ada", "acme")  # company admin of acme
BEN = Principal(PrincipalKind.USER, "ben", "acme")  # member of acme
ADA_APP = Principal(PrincipalKind.INTEGRATOR, "ada", "acme", client_id="importer")
FOR_ADA = IntegratorClientSpec("acme", "Importer", ON_BEHALF_OF_USER, "ada", 3_600)
AS_ROBOT = IntegratorClientSpec("acme", "Nightly sync", SERVICE_ACCOUNT, "robot", 3_600)


def _directory() -> FakeDirectory:
    directory = FakeDirectory()
    directory.add_company("acme")
    directory.add_company("bolt")
    directory.add_user("ada", "acme", "company_admin")
    directory.add_user("ben", "acme")
    directory.add_user("robot", "acme", service_account=True)
    directory.add_user("cat", "bolt")
    return directory


def _refusal(caller: Principal, spec: IntegratorClientSpec) -> tuple[str, str]:
    try:
        require_may_register(caller, spec, LIMITS, _directory())
    except DomainError as error:
        return error.code.name, error.reason
    return "OK", ""


@pytest.mark.parametrize(
    ("caller", "spec", "answer"),
    [
        (ADA, FOR_ADA, ("OK", "")),  # a company admin, for themselves
        (ADA, AS_ROBOT, ("OK", "")),
        (PLATFORM, replace(FOR_ADA, user_id="ben"), ("OK", "")),  # the platform, for anyone
        # Nobody borrows a colleague's grants.
        (
            ADA,
            replace(FOR_ADA, user_id="ben"),
            ("PERMISSION_DENIED", "AUTHORISING_USER_MUST_BE_CALLER"),
        ),
        (BEN, FOR_ADA, ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")),
        (ADA_APP, FOR_ADA, ("PERMISSION_DENIED", "PERMISSION_DENIED")),  # apps make no apps
        (ADA, replace(FOR_ADA, company_id="bolt"), ("NOT_FOUND", "COMPANY_NOT_FOUND")),
        (PLATFORM, replace(FOR_ADA, company_id="nope"), ("NOT_FOUND", "COMPANY_NOT_FOUND")),
        (ADA, replace(AS_ROBOT, user_id="cat"), ("NOT_FOUND", "USER_NOT_FOUND")),  # not acme's
        (
            ADA,
            replace(AS_ROBOT, user_id="ada"),
            ("INVALID_ARGUMENT", "SERVICE_ACCOUNT_USER_REQUIRED"),
        ),
        (PLATFORM, replace(FOR_ADA, user_id="robot"), ("INVALID_ARGUMENT", "PERSON_USER_REQUIRED")),
    ],
)
def test_who_registers_which_client(
    caller: Principal, spec: IntegratorClientSpec, answer: tuple[str, str]
) -> None:
    assert _refusal(caller, spec) == answer


@pytest.mark.parametrize(
    ("caller", "rate_limit", "answer"),
    [
        (ADA, 3_600, ("OK", "")),
        (ADA, 10, ("OK", "")),  # less than the default is anyone's choice
        (ADA, 3_601, ("PERMISSION_DENIED", "RATE_LIMIT_ABOVE_DEFAULT")),
        (PLATFORM, 50_000, ("OK", "")),  # only the platform gives more
    ],
)
def test_only_the_platform_raises_a_rate_limit_above_the_default(
    caller: Principal, rate_limit: int, answer: tuple[str, str]
) -> None:
    assert _refusal(caller, replace(AS_ROBOT, rate_limit_per_hour=rate_limit)) == answer


@pytest.mark.parametrize(
    ("requested", "answer"),
    [(0, 3_600), (1, 1), (1_000_000, 1_000_000), (-1, "RATE_LIMIT_INVALID")],
)
def test_a_requested_rate_limit(requested: int, answer: int | str) -> None:
    if isinstance(answer, int):
        assert rate_limit_of(requested, 3_600) == answer
        return
    with pytest.raises(DomainError) as refused:
        rate_limit_of(requested, 3_600)
    assert refused.value.reason == answer


def test_a_company_holds_a_limited_number_of_usable_clients() -> None:
    require_room_for_a_client(1, LIMITS)
    with pytest.raises(DomainError) as refused:
        require_room_for_a_client(2, LIMITS)
    assert (refused.value.code.name, refused.value.reason) == (
        "RESOURCE_EXHAUSTED",
        "INTEGRATOR_CLIENT_LIMIT_REACHED",
    )
    assert refused.value.metadata == {"limit": "2"}


def test_the_caller_is_refused_before_anything_is_read() -> None:
    directory = _directory()
    refuse = partial(require_may_register, ADA_APP, FOR_ADA, LIMITS, directory)
    with pytest.raises(DomainError):
        refuse()
    assert directory.reads == []  # its kind alone refuses it: nothing about acme leaks
