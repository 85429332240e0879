"""A project's Connection Manager settings over a fake unit of work: who changes the
distribution list, and what the notification service is asked."""

from __future__ import annotations

from typing import Any, cast

import pytest

from services.connection.use_cases.settings import ConnectionManagerSettings
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.connection.fake_directory import FakeDirectory, FakeUnitOfWork

PLATFORM = Principal(PrincipalKind.PLATFORM, "accounts")
DRAWING_SERVICE = Principal(PrincipalKind.SERVICE, "drawing")
ADA = Principal(PrincipalKind.USER, "ada", "acme")  # Connection Manager admin of tower
CAT = Principal(PrincipalKind.USER, "cat", "bolt")  # read_only on tower
_UNUSED: Any = None  # collaborators these use cases never reach


class FakeLists:
    def __init__(self) -> None:
        self.replaced: list[tuple[str, list[str], str]] = []

    def get(self, project_id: str) -> str:
        return f"list of {project_id}"

    def replace(self, project_id: str, emails: list[str], request_id: str, etag: str = "") -> str:
        self.replaced.append((project_id, emails, request_id))
        return f"list of {project_id}"


def _settings() -> tuple[ConnectionManagerSettings, FakeLists]:
    directory = FakeDirectory()
    directory.add_company("acme")
    directory.add_project("tower", "acme")
    directory.grants[("tower", "ada")] = "admin"
    directory.grants[("tower", "cat")] = "read_only"
    lists = FakeLists()
    uow = FakeUnitOfWork(directory)
    settings = ConnectionManagerSettings(cast(Any, lambda: uow), _UNUSED, cast(Any, lists), _UNUSED)
    return settings, lists


@pytest.mark.parametrize("caller", [ADA, PLATFORM])
def test_the_admin_and_the_platform_change_the_distribution_list(caller: Principal) -> None:
    settings, lists = _settings()

    settings.replace_distribution_list(caller, "tower", ["site@acme.test"], "r-1", "")

    # The request id is scoped to the caller, so two callers' ids never meet downstream.
    assert lists.replaced == [("tower", ["site@acme.test"], f"{caller.describe()}:r-1")]


@pytest.mark.parametrize(
    ("caller", "reason"),
    [
        (CAT, "CONNECTION_MANAGER_ADMIN_REQUIRED"),
        (DRAWING_SERVICE, "CONNECTION_MANAGER_ADMIN_REQUIRED"),  # our services only read
    ],
)
def test_readers_do_not_change_the_distribution_list(caller: Principal, reason: str) -> None:
    settings, lists = _settings()

    with pytest.raises(DomainError) as refused:
        settings.replace_distribution_list(caller, "tower", ["x@acme.test"], "", "")

    assert refused.value.reason == reason
    assert lists.replaced == []


@pytest.mark.parametrize("caller", [CAT, DRAWING_SERVICE, PLATFORM])
def test_readers_read_the_distribution_list(caller: Principal) -> None:
    settings, _lists = _settings()
    assert settings.distribution_list(caller, "tower") == "list of tower"
