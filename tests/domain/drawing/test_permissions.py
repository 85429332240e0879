"""Drawings permissions (R33) as the use cases grant, read and list them, over a fake unit
of work: who may grant, who sees whose level, what a listing shows."""

from __future__ import annotations

import grpc
import pytest

from services.drawing.use_cases.permissions import DrawingsPermissionsUseCases
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.drawing.fakes import FakeUnitOfWork

ADA = Principal(PrincipalKind.USER, "ada", company_id="c-tower")  # the Drawings admin
BEN = Principal(PrincipalKind.USER, "ben", company_id="c-tower")  # read-only
PLATFORM = Principal(PrincipalKind.PLATFORM, "platform")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.projects.add("tower")
    fake.projects.add("bridge")
    fake.projects.add("closed", active=False)
    fake.grants.set_level("tower", "ada", "admin")
    fake.grants.set_level("closed", "ada", "admin")
    fake.grants.set_level("tower", "ben", "read_only")
    fake.grants.set_level("bridge", "ben", "standard")
    return fake


@pytest.fixture
def permissions(uow: FakeUnitOfWork) -> DrawingsPermissionsUseCases:
    return DrawingsPermissionsUseCases(uow.as_real)


def _refused(call: object, *args: object) -> tuple[grpc.StatusCode, str]:
    assert callable(call)
    with pytest.raises(DomainError) as refused:
        call(*args)
    return refused.value.code, refused.value.reason


def test_an_admin_grants_and_revokes_and_the_grant_is_committed(
    uow: FakeUnitOfWork, permissions: DrawingsPermissionsUseCases
) -> None:
    granted = permissions.set_level(ADA, "tower", "cy", "standard")
    assert granted is not None and granted.level == "standard"
    assert uow.committed
    assert permissions.level_of(ADA, "tower", "cy") == "standard"
    assert permissions.set_level(ADA, "tower", "cy", "none") is None
    assert permissions.level_of(ADA, "tower", "cy") == "none"


def test_access_is_managed_on_an_inactive_project_too(
    permissions: DrawingsPermissionsUseCases,
) -> None:
    assert permissions.set_level(ADA, "closed", "cy", "read_only") is not None


def test_a_user_below_admin_cannot_grant(
    uow: FakeUnitOfWork, permissions: DrawingsPermissionsUseCases
) -> None:
    assert _refused(permissions.set_level, BEN, "tower", "ben", "admin") == (
        grpc.StatusCode.PERMISSION_DENIED,
        "DRAWINGS_ADMIN_REQUIRED",
    )
    assert uow.grants.level_of("tower", "ben") == "read_only"
    # Where they hold nothing, the project does not exist for them (R27).
    assert _refused(permissions.set_level, BEN, "closed", "ben", "admin")[0] == (
        grpc.StatusCode.NOT_FOUND
    )


def test_anyone_reads_their_own_level_and_only_admins_read_others(
    permissions: DrawingsPermissionsUseCases,
) -> None:
    assert permissions.level_of(BEN, "tower", "ben") == "read_only"
    assert permissions.level_of(BEN, "nowhere", "ben") == "none"
    assert permissions.level_of(ADA, "tower", "ben") == "read_only"
    assert permissions.level_of(PLATFORM, "bridge", "ben") == "standard"
    assert _refused(permissions.level_of, BEN, "tower", "ada")[1] == "DRAWINGS_ADMIN_REQUIRED"


def test_a_listing_needs_a_project_or_a_user(permissions: DrawingsPermissionsUseCases) -> None:
    assert _refused(permissions.list_grants, PLATFORM, "", "", 0, "") == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FILTER_REQUIRED",
    )


def test_an_admin_lists_everyone_on_the_project(permissions: DrawingsPermissionsUseCases) -> None:
    grants, _ = permissions.list_grants(ADA, "tower", "", 0, "")
    assert [(grant.user_id, grant.level) for grant in grants] == [
        ("ada", "admin"),
        ("ben", "read_only"),
    ]


def test_a_non_admin_sees_only_their_own_row_of_a_project(
    permissions: DrawingsPermissionsUseCases,
) -> None:
    grants, _ = permissions.list_grants(BEN, "tower", "", 0, "")
    assert [grant.user_id for grant in grants] == ["ben"]
    assert _refused(permissions.list_grants, BEN, "tower", "ada", 0, "")[1] == (
        "DRAWINGS_ADMIN_REQUIRED"
    )


def test_a_user_lists_their_own_grants_everywhere_but_nobody_elses(
    permissions: DrawingsPermissionsUseCases,
) -> None:
    grants, _ = permissions.list_grants(BEN, "", "ben", 0, "")
    assert [(grant.project_id, grant.level) for grant in grants] == [
        ("bridge", "standard"),
        ("tower", "read_only"),
    ]
    assert _refused(permissions.list_grants, BEN, "", "ada", 0, "") == (
        grpc.StatusCode.PERMISSION_DENIED,
        "PERMISSION_DENIED",
    )
    assert len(permissions.list_grants(PLATFORM, "", "ada", 0, "")[0]) == 2
