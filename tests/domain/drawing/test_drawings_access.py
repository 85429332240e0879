"""Who may do what in a project's Drawings tool (R26), and what outsiders learn (R27):
the domain's rules, and the access checks of the use cases over a fake unit of work."""

from __future__ import annotations

import grpc
import pytest

from services.drawing.domain.drawings_access import (
    ADMIN,
    READ_ONLY,
    STANDARD,
    require_active,
    require_level,
    sees_unpublished,
)
from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.use_cases import access
from shared.facts.errors import DomainError, ErrorReason
from shared.facts.identity import Principal, PrincipalKind
from shared.facts.project_facts import ProjectFacts
from tests.domain.drawing.fakes import FakeRevision, FakeUnitOfWork

ANN = Principal(PrincipalKind.USER, "ann", company_id="c-tower")
ANNS_APP = Principal(PrincipalKind.INTEGRATOR, "ann", company_id="c-tower", client_id="app")
PLATFORM = Principal(PrincipalKind.PLATFORM, "platform")
CONNECTION_SERVICE = Principal(PrincipalKind.SERVICE, "connection")
NOTIFICATION_SERVICE = Principal(PrincipalKind.SERVICE, "notification")
TOWER = ProjectFacts("tower", "c-tower", "Tower", active=True, outside_applications_allowed=True)


def _refusal(call: object, *args: object) -> tuple[grpc.StatusCode, str]:
    assert callable(call)
    with pytest.raises(DomainError) as refused:
        call(*args)
    return refused.value.code, refused.value.reason


def _reason(value: int) -> str:
    return ErrorReason.Name(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("held", "needed", "refusal"),
    [
        (READ_ONLY, READ_ONLY, None),
        (READ_ONLY, STANDARD, ErrorReason.DRAWINGS_STANDARD_REQUIRED),
        (READ_ONLY, ADMIN, ErrorReason.DRAWINGS_ADMIN_REQUIRED),
        (STANDARD, STANDARD, None),
        (STANDARD, ADMIN, ErrorReason.DRAWINGS_ADMIN_REQUIRED),
        (ADMIN, READ_ONLY, None),
        (ADMIN, ADMIN, None),
    ],
)
def test_a_level_grants_what_the_levels_below_it_grant(
    held: str, needed: str, refusal: int | None
) -> None:
    ask = ("drawing_area", "a-1")
    if refusal is None:
        assert require_level(ANN, TOWER, held, needed, ask) == TOWER
    else:
        assert _refusal(require_level, ANN, TOWER, held, needed, ask) == (
            grpc.StatusCode.PERMISSION_DENIED,
            _reason(refusal),
        )


def test_no_level_answers_like_a_record_that_does_not_exist() -> None:
    hidden_project = _refusal(require_level, ANN, TOWER, "none", READ_ONLY, ("revision", "r"))
    no_project = _refusal(require_level, ANN, None, "none", READ_ONLY, ("revision", "r"))
    assert hidden_project == no_project == (grpc.StatusCode.NOT_FOUND, "REVISION_NOT_FOUND")


def test_an_outside_application_is_refused_only_where_its_user_sees_the_project() -> None:
    closed = ProjectFacts("tower", "c-tower", "Tower", True, outside_applications_allowed=False)
    ask = ("project", "tower")
    assert _refusal(require_level, ANNS_APP, closed, ADMIN, READ_ONLY, ask) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "OUTSIDE_APPLICATIONS_FORBIDDEN",
    )
    assert _refusal(require_level, ANNS_APP, closed, "none", READ_ONLY, ask)[0] == (
        grpc.StatusCode.NOT_FOUND
    )
    assert require_level(ANN, closed, ADMIN, READ_ONLY, ask) == closed  # people are not apps


def test_an_inactive_project_is_read_but_not_changed() -> None:
    inactive = ProjectFacts("tower", "c-tower", "Tower", False, True)
    assert require_level(ANN, inactive, ADMIN, ADMIN, ("project", "tower")) == inactive
    assert _refusal(require_active, inactive) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "PROJECT_INACTIVE",
    )


@pytest.mark.parametrize(
    ("level", "sees"), [("none", False), (READ_ONLY, False), (STANDARD, True), (ADMIN, True)]
)
def test_unpublished_work_is_for_standard_users_and_above(level: str, sees: bool) -> None:
    assert sees_unpublished(level) is sees


# The checks as use cases make them, over a fake unit of work


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.projects.add("tower")
    fake.projects.add("closed", active=False)
    return fake


def test_the_platform_and_the_connection_service_act_as_admins_without_a_grant(
    uow: FakeUnitOfWork,
) -> None:
    for system in (PLATFORM, CONNECTION_SERVICE):
        access.require_to_change(uow.as_real(), system, "tower", ADMIN)  # no refusal


def test_a_service_that_does_not_call_this_one_is_refused_before_any_lookup(
    uow: FakeUnitOfWork,
) -> None:
    assert _refusal(access.require, uow.as_real(), NOTIFICATION_SERVICE, "tower", READ_ONLY) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "PERMISSION_DENIED",
    )


def test_a_grant_decides_what_a_person_may_do(uow: FakeUnitOfWork) -> None:
    uow.grants.set_level("tower", "ann", STANDARD)
    access.require_to_change(uow.as_real(), ANN, "tower", STANDARD)  # no refusal
    assert _refusal(access.require_to_change, uow.as_real(), ANN, "tower", ADMIN)[1] == (
        "DRAWINGS_ADMIN_REQUIRED"
    )


def test_changing_an_inactive_project_is_refused_after_the_level_check(
    uow: FakeUnitOfWork,
) -> None:
    uow.grants.set_level("closed", "ann", ADMIN)
    assert access.require(uow.as_real(), ANN, "closed", READ_ONLY).project_id == "closed"
    assert _refusal(access.require_to_change, uow.as_real(), ANN, "closed", ADMIN)[1] == (
        "PROJECT_INACTIVE"
    )


def test_a_made_up_revision_and_one_in_a_hidden_project_answer_alike(
    uow: FakeUnitOfWork,
) -> None:
    uow.revisions.rows["r-1"] = FakeRevision("r-1", "tower", RevisionStatus.PUBLISHED)
    real = _refusal(access.visible_revision, uow.as_real(), ANN, "r-1")
    made_up = _refusal(access.visible_revision, uow.as_real(), ANN, "r-0")
    assert real == (grpc.StatusCode.NOT_FOUND, "REVISION_NOT_FOUND")
    assert made_up == real


@pytest.mark.parametrize(("level", "sees"), [(READ_ONLY, False), (STANDARD, True)])
def test_an_unpublished_revision_is_hidden_from_read_only_users(
    uow: FakeUnitOfWork, level: str, sees: bool
) -> None:
    uow.revisions.rows["r-1"] = FakeRevision("r-1", "tower", RevisionStatus.UNPUBLISHED)
    uow.grants.set_level("tower", "ann", level)
    if sees:
        assert access.visible_revision(uow.as_real(), ANN, "r-1").id == "r-1"
    else:
        assert _refusal(access.visible_revision, uow.as_real(), ANN, "r-1") == (
            grpc.StatusCode.NOT_FOUND,
            "REVISION_NOT_FOUND",
        )


def test_editing_a_visible_revision_needs_the_level_asked_for(uow: FakeUnitOfWork) -> None:
    uow.revisions.rows["r-1"] = FakeRevision("r-1", "tower", RevisionStatus.PUBLISHED)
    uow.grants.set_level("tower", "ann", READ_ONLY)
    assert access.visible_revision(uow.as_real(), ANN, "r-1").id == "r-1"
    assert _refusal(access.visible_revision, uow.as_real(), ANN, "r-1", ADMIN)[1] == (
        "DRAWINGS_ADMIN_REQUIRED"
    )
