"""Who sees and changes what in the directory, and what level a caller holds on a project:
the rules of domain/directory_access.py over an in-memory directory."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from services.connection.domain.directory_access import DirectoryAccess, level_held
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.connection.fake_directory import FakeDirectory

PLATFORM = Principal(PrincipalKind.PLATFORM, "accounts")
DRAWING_SERVICE = Principal(PrincipalKind.SERVICE, "drawing")
ADA = Principal(PrincipalKind.USER, "ada", "acme")  # company admin of acme
BEN = Principal(PrincipalKind.USER, "ben", "acme")  # member of acme
CAT = Principal(PrincipalKind.USER, "cat", "bolt")  # member of bolt, collaborating on acme
NOBODY = Principal(PrincipalKind.USER, "ghost", "")  # a user the directory does not know
ADA_APP = Principal(PrincipalKind.INTEGRATOR, "ada", "acme", client_id="importer")


def _directory(acme_allows_outside_applications: bool = True) -> FakeDirectory:
    directory = FakeDirectory()
    directory.add_company("acme", acme_allows_outside_applications)
    directory.add_company("bolt")
    directory.add_project("tower", "acme")
    directory.add_project("bridge", "bolt")
    directory.add_user("ada", "acme", "company_admin")
    directory.add_user("ben", "acme")
    directory.add_user("cat", "bolt")
    directory.grants[("tower", "ada")] = "admin"
    directory.grants[("tower", "cat")] = "read_only"
    return directory


def _refusal(check: Callable[[], object]) -> tuple[str, str]:
    """The status and reason ``check`` refuses with, or ("OK", "")."""
    try:
        check()
    except DomainError as error:
        return error.code.name, error.reason
    return "OK", ""


@pytest.mark.parametrize(
    ("caller", "granted", "held"),
    [
        (PLATFORM, "none", "admin"),  # the platform manages every project (R33)
        (DRAWING_SERVICE, "none", "read_only"),  # our own services only read
        (DRAWING_SERVICE, "admin", "read_only"),
        (BEN, "none", "none"),
        (BEN, "standard", "standard"),
        (ADA_APP, "admin", "admin"),  # a client application holds its user's grant
        (ADA_APP, "none", "none"),
    ],
)
def test_level_held_by_kind_of_caller(caller: Principal, granted: str, held: str) -> None:
    assert level_held(caller, granted) == held


@pytest.mark.parametrize(
    ("caller", "project_id", "answer"),
    [
        (BEN, "tower", ("OK", "")),  # a project of one's own company
        (CAT, "tower", ("OK", "")),  # another company's project, with a grant there
        (BEN, "bridge", ("NOT_FOUND", "PROJECT_NOT_FOUND")),  # another company's, no grant
        (BEN, "no-such", ("NOT_FOUND", "PROJECT_NOT_FOUND")),
        (DRAWING_SERVICE, "bridge", ("OK", "")),
        (PLATFORM, "no-such", ("OK", "")),  # systems are not refused before the lookup
    ],
)
def test_who_sees_a_project(caller: Principal, project_id: str, answer: tuple[str, str]) -> None:
    access = DirectoryAccess(_directory())
    assert _refusal(lambda: access.require_project_visible(caller, project_id)) == answer


def test_an_unknown_project_and_a_hidden_one_are_refused_after_the_same_reads() -> None:
    hidden, unknown = _directory(), _directory()

    hidden_answer = _refusal(lambda: DirectoryAccess(hidden).require_project_visible(BEN, "bridge"))
    unknown_answer = _refusal(
        lambda: DirectoryAccess(unknown).require_project_visible(BEN, "no-such")
    )

    assert hidden_answer == unknown_answer
    assert hidden.reads == unknown.reads


@pytest.mark.parametrize(
    ("allowed", "project_id", "answer"),
    [
        (True, "tower", ("OK", "")),
        (False, "tower", ("PERMISSION_DENIED", "OUTSIDE_APPLICATIONS_FORBIDDEN")),
        # Not visible to its user at all: NOT_FOUND, as for anyone (R27 before R31).
        (False, "bridge", ("NOT_FOUND", "PROJECT_NOT_FOUND")),
    ],
)
def test_a_client_application_sees_only_where_outside_applications_are_allowed(
    allowed: bool, project_id: str, answer: tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory(acme_allows_outside_applications=allowed))
    assert _refusal(lambda: access.require_project_visible(ADA_APP, project_id)) == answer


@pytest.mark.parametrize(
    ("caller", "allowed", "answer"),
    [
        (ADA, True, "admin"),
        (CAT, True, "read_only"),
        (PLATFORM, True, "admin"),
        (DRAWING_SERVICE, True, "read_only"),
        (BEN, True, ("NOT_FOUND", "PROJECT_NOT_FOUND")),  # no grant: the project is hidden
        (ADA_APP, True, "admin"),
        (ADA_APP, False, ("PERMISSION_DENIED", "OUTSIDE_APPLICATIONS_FORBIDDEN")),
    ],
)
def test_connection_manager_level_on_a_project(
    caller: Principal, allowed: bool, answer: str | tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory(acme_allows_outside_applications=allowed))
    if isinstance(answer, str):
        assert access.level_on(caller, "tower") == answer
    else:
        assert _refusal(lambda: access.level_on(caller, "tower")) == answer


@pytest.mark.parametrize(
    ("caller", "answer"),
    [
        (ADA, ("OK", "")),
        (PLATFORM, ("OK", "")),
        (CAT, ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")),  # read_only
        (BEN, ("NOT_FOUND", "PROJECT_NOT_FOUND")),
    ],
)
def test_settings_need_the_connection_manager_admin_level(
    caller: Principal, answer: tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory())
    check = partial(access.require_connection_manager_admin, caller, "tower", "Changing it")
    assert _refusal(check) == answer


@pytest.mark.parametrize(
    ("caller", "company_id", "fields", "answer"),
    [
        (ADA, "acme", {"approval_preference"}, ("OK", "")),
        (ADA, "acme", {"outside_applications_allowed"}, ("OK", "")),
        (ADA, "acme", {"name"}, ("PERMISSION_DENIED", "PLATFORM_ONLY_FIELD")),
        (BEN, "acme", {"approval_preference"}, ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")),
        (ADA, "bolt", {"approval_preference"}, ("NOT_FOUND", "COMPANY_NOT_FOUND")),
        (PLATFORM, "bolt", {"name"}, ("OK", "")),
    ],
)
def test_who_changes_a_company(
    caller: Principal, company_id: str, fields: set[str], answer: tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory())
    check = partial(access.require_may_update_company, caller, company_id, fields)
    assert _refusal(check) == answer


@pytest.mark.parametrize(
    ("caller", "project_id", "answer"),
    [
        (ADA, "tower", ("OK", "")),
        (BEN, "tower", ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")),
        # A grant shows another company's project, but only its own admins change it.
        (CAT, "tower", ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")),
        (ADA, "bridge", ("NOT_FOUND", "PROJECT_NOT_FOUND")),
        (PLATFORM, "bridge", ("OK", "")),
    ],
)
def test_who_changes_a_project(caller: Principal, project_id: str, answer: tuple[str, str]) -> None:
    access = DirectoryAccess(_directory())
    assert _refusal(lambda: access.require_may_update_project(caller, project_id)) == answer


@pytest.mark.parametrize(
    ("caller", "user_id", "fields", "answer"),
    [
        (BEN, "ben", {"display_name"}, ("OK", "")),  # one's own name
        (BEN, "ben", {"email"}, ("PERMISSION_DENIED", "PLATFORM_ONLY_FIELD")),
        (ADA, "ben", {"display_name"}, ("OK", "")),  # a company admin, a colleague's name
        (ADA, "ben", {"company_role"}, ("PERMISSION_DENIED", "PLATFORM_ONLY_FIELD")),
        (BEN, "ada", {"display_name"}, ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")),
        (ADA, "cat", {"display_name"}, ("NOT_FOUND", "USER_NOT_FOUND")),  # another company
        (PLATFORM, "cat", {"email", "company_role"}, ("OK", "")),
    ],
)
def test_who_changes_a_user(
    caller: Principal, user_id: str, fields: set[str], answer: tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory())
    check = partial(access.require_may_update_user, caller, user_id, fields)
    assert _refusal(check) == answer


@pytest.mark.parametrize(
    ("caller", "answer"),
    [
        (ADA, ("OK", "")),  # the project's Connection Manager admin
        (PLATFORM, ("OK", "")),
        (CAT, ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")),
        (BEN, ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")),  # sees, no grant
    ],
)
def test_who_grants_connection_manager_levels(caller: Principal, answer: tuple[str, str]) -> None:
    access = DirectoryAccess(_directory())
    assert _refusal(lambda: access.require_may_set_grant(caller, "tower")) == answer


@pytest.mark.parametrize(
    ("caller", "listed"),
    [(ADA, ""), (DRAWING_SERVICE, ""), (CAT, "cat"), (BEN, "ben")],
)
def test_an_admin_lists_every_grant_and_anyone_else_their_own(
    caller: Principal, listed: str
) -> None:
    assert DirectoryAccess(_directory()).grants_listed_for(caller, "tower") == listed


@pytest.mark.parametrize(
    ("caller", "requested", "answer"),
    [
        (BEN, "", "acme"),  # no company named: one's own
        (BEN, "acme", "acme"),
        (BEN, "bolt", ("NOT_FOUND", "COMPANY_NOT_FOUND")),
        (NOBODY, "", ("NOT_FOUND", "COMPANY_NOT_FOUND")),  # no company is never "all"
        (PLATFORM, "", ""),  # systems list every company's
    ],
)
def test_whose_users_and_projects_a_caller_lists(
    caller: Principal, requested: str, answer: str | tuple[str, str]
) -> None:
    access = DirectoryAccess(_directory())
    if isinstance(answer, str):
        assert access.company_filter_for(caller, requested) == answer
    else:
        assert _refusal(lambda: access.company_filter_for(caller, requested)) == answer


def test_a_client_application_lists_no_projects_of_a_company_that_forbids_it() -> None:
    access = DirectoryAccess(_directory(acme_allows_outside_applications=False))
    answer = _refusal(lambda: access.projects_company_filter_for(ADA_APP, ""))
    assert answer == ("PERMISSION_DENIED", "OUTSIDE_APPLICATIONS_FORBIDDEN")
    assert access.projects_company_filter_for(ADA, "") == "acme"


@pytest.mark.parametrize(
    ("caller", "user_id", "answer"),
    [
        (BEN, "ada", ("OK", "")),  # a colleague
        (BEN, "cat", ("NOT_FOUND", "USER_NOT_FOUND")),
        (BEN, "no-such", ("NOT_FOUND", "USER_NOT_FOUND")),
        (NOBODY, "ghost", ("OK", "")),  # oneself, even before the directory knows one
    ],
)
def test_who_sees_a_user(caller: Principal, user_id: str, answer: tuple[str, str]) -> None:
    access = DirectoryAccess(_directory())
    assert _refusal(lambda: access.require_user_visible(caller, user_id)) == answer
