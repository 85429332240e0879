"""The connection service's directory: CRUD, paging, conflicts and not-found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.models import Company
from shared.facts.permission_levels import UnknownPermissionLevel
from shared.persistence.db import (
    FieldNotUpdatable,
    InvalidFieldValue,
    RecordConflict,
    RecordNotFound,
)
from shared.persistence.paging import InvalidPageRequest
from tests.persistence.directory_calls import DirectoryCalls as Directory


@pytest.fixture
def directory(connection_sessions: sessionmaker[Session]) -> Directory:
    return Directory(connection_sessions)


@pytest.fixture
def acme(directory: Directory) -> Company:
    return directory.create_company(name="Acme", file_storage_location="us", company_id="acme")


def walk_pages(list_page: Callable[[int, str], tuple[list[Any], str]], page_size: int) -> list[Any]:
    """Every item of a list, following next_page_token to the end."""
    items: list[Any] = []
    token = ""
    while True:
        page, token = list_page(page_size, token)
        assert len(page) <= page_size
        items.extend(page)
        if not token:
            return items


# Companies


def test_company_created_with_defaults_and_read_back(directory: Directory) -> None:
    created = directory.create_company(name="Acme", file_storage_location="eu")

    fetched = directory.get_company(created.id)

    assert len(created.id) == 32
    assert (fetched.name, fetched.file_storage_location) == ("Acme", "eu")
    assert fetched.govcloud is False
    assert fetched.approval_preference == "review_required"
    assert fetched.outside_applications_allowed is True
    assert fetched.created_at.tzinfo is not None
    assert fetched.created_at == fetched.updated_at


def test_company_with_caller_assigned_id_conflicts_on_reuse(
    directory: Directory, acme: Company
) -> None:
    assert directory.get_company("acme").name == "Acme"
    with pytest.raises(RecordConflict) as raised:
        directory.create_company(name="Other", file_storage_location="us", company_id="acme")
    assert (raised.value.kind, raised.value.record_id) == ("company", "acme")


def test_unknown_company_is_not_found(directory: Directory) -> None:
    with pytest.raises(RecordNotFound) as raised:
        directory.get_company("nope")
    assert (raised.value.kind, raised.value.record_id) == ("company", "nope")
    with pytest.raises(RecordNotFound):
        directory.update_company("nope", {"name": "X"})


def test_company_update_changes_allowed_fields_only(directory: Directory, acme: Company) -> None:
    updated = directory.update_company(
        "acme", {"approval_preference": "auto_approve", "name": "Acme Ltd"}
    )

    assert directory.get_company("acme").approval_preference == "auto_approve"
    assert updated.name == "Acme Ltd"
    assert updated.updated_at >= acme.updated_at
    with pytest.raises(FieldNotUpdatable) as refused:
        directory.update_company("acme", {"id": "other", "name": "X"})
    assert refused.value.fields == ["id"]
    # Fixed at creation: changing them would break R11 for existing connections.
    for fixed in ({"govcloud": True}, {"file_storage_location": "eu"}):
        with pytest.raises(FieldNotUpdatable):
            directory.update_company("acme", fixed)
    assert (directory.get_company("acme").govcloud, acme.file_storage_location) == (False, "us")
    with pytest.raises(InvalidFieldValue):
        directory.update_company("acme", {"approval_preference": "whenever"})
    assert directory.get_company("acme").name == "Acme Ltd"


def test_companies_page_through_all(directory: Directory) -> None:
    for n in range(5):
        directory.create_company(name=f"C{n}", file_storage_location="us", company_id=f"c{n}")

    listed = walk_pages(directory.list_companies, page_size=2)

    assert [company.id for company in listed] == ["c0", "c1", "c2", "c3", "c4"]


# Projects


def test_project_needs_an_existing_company(directory: Directory) -> None:
    with pytest.raises(RecordNotFound) as raised:
        directory.create_project(company_id="nope", name="Tower")
    assert raised.value.kind == "company"


def test_project_conflict_update_and_not_found(directory: Directory, acme: Company) -> None:
    project = directory.create_project(company_id="acme", name="Tower", project_id="tower")
    assert project.active is True
    with pytest.raises(RecordConflict):
        directory.create_project(company_id="acme", name="Again", project_id="tower")

    directory.update_project("tower", {"active": False})

    assert directory.get_project("tower").active is False
    with pytest.raises(FieldNotUpdatable):
        directory.update_project("tower", {"company_id": "other"})
    with pytest.raises(RecordNotFound):
        directory.get_project("bridge")


def test_projects_page_within_a_company(directory: Directory, acme: Company) -> None:
    directory.create_company(name="Other", file_storage_location="us", company_id="other")
    for n in range(7):
        directory.create_project(company_id="acme", name=f"P{n}", project_id=f"acme-{n}")
        directory.create_project(company_id="other", name=f"P{n}", project_id=f"other-{n}")

    first, token = directory.list_projects("acme", page_size=3)
    second, token = directory.list_projects("acme", page_size=3, page_token=token)
    third, last_token = directory.list_projects("acme", page_size=3, page_token=token)

    assert [p.id for p in first + second + third] == [f"acme-{n}" for n in range(7)]
    assert (len(first), len(second), len(third)) == (3, 3, 1)
    assert last_token == ""
    assert len(walk_pages(lambda size, tok: directory.list_projects("", size, tok), 4)) == 14


def test_exact_last_page_has_no_next_token(directory: Directory, acme: Company) -> None:
    for n in range(4):
        directory.create_project(company_id="acme", name=f"P{n}")

    page, token = directory.list_projects("acme", page_size=4)

    assert (len(page), token) == (4, "")


def test_project_page_tokens_are_bound_to_their_filter(directory: Directory, acme: Company) -> None:
    directory.create_company(name="Other", file_storage_location="us", company_id="other")
    for n in range(3):
        directory.create_project(company_id="acme", name=f"P{n}")
    _, token = directory.list_projects("acme", page_size=1)

    with pytest.raises(InvalidPageRequest):
        directory.list_projects("other", page_size=1, page_token=token)
    with pytest.raises(InvalidPageRequest):
        directory.list_users("acme", page_size=1, page_token=token)
    with pytest.raises(InvalidPageRequest):
        directory.list_projects("acme", page_size=1, page_token=token[:-2] + "xy")
    with pytest.raises(InvalidPageRequest):
        directory.list_projects("acme", page_size=1, page_token="not a token")
    with pytest.raises(InvalidPageRequest):
        directory.list_projects("acme", page_size=-1)


def test_listing_projects_of_an_unknown_company_is_not_found(directory: Directory) -> None:
    with pytest.raises(RecordNotFound):
        directory.list_projects("nope")


def test_page_size_zero_means_default_and_large_means_capped(
    directory: Directory, acme: Company
) -> None:
    for n in range(3):
        directory.create_project(company_id="acme", name=f"P{n}")

    assert len(directory.list_projects("acme", page_size=0)[0]) == 3
    assert len(directory.list_projects("acme", page_size=10_000)[0]) == 3


# Users


def test_user_created_read_and_updated(directory: Directory, acme: Company) -> None:
    user = directory.create_user(
        company_id="acme", email="ann@acme.test", display_name="Ann", user_id="ann"
    )
    assert user.company_role == "member"

    directory.update_user("ann", {"company_role": "company_admin", "display_name": "Ann B."})

    fetched = directory.get_user("ann")
    assert (fetched.company_role, fetched.display_name) == ("company_admin", "Ann B.")
    with pytest.raises(InvalidFieldValue):
        directory.update_user("ann", {"company_role": "owner"})
    with pytest.raises(FieldNotUpdatable):
        directory.update_user("ann", {"company_id": "other"})
    with pytest.raises(RecordNotFound):
        directory.get_user("bob")


def test_user_email_is_unique(directory: Directory, acme: Company) -> None:
    directory.create_user(company_id="acme", email="ann@acme.test", display_name="Ann")
    bob = directory.create_user(company_id="acme", email="bob@acme.test", display_name="Bob")

    with pytest.raises(RecordConflict) as on_create:
        directory.create_user(company_id="acme", email="ann@acme.test", display_name="Ann 2")
    with pytest.raises(RecordConflict) as on_update:
        directory.update_user(bob.id, {"email": "ann@acme.test"})

    assert (on_create.value.field, on_create.value.record_id) == ("email", "ann@acme.test")
    assert on_update.value.field == "email"
    assert directory.update_user(bob.id, {"email": "bob@acme.test"}).email == "bob@acme.test"


def test_user_id_conflict_and_company_must_exist(directory: Directory, acme: Company) -> None:
    directory.create_user(company_id="acme", email="a@acme.test", display_name="A", user_id="u")
    with pytest.raises(RecordConflict) as raised:
        directory.create_user(company_id="acme", email="b@acme.test", display_name="B", user_id="u")
    assert (raised.value.kind, raised.value.field) == ("user", "id")
    with pytest.raises(RecordNotFound):
        directory.create_user(company_id="nope", email="c@acme.test", display_name="C")


def test_users_page_within_a_company(directory: Directory, acme: Company) -> None:
    directory.create_company(name="Other", file_storage_location="us", company_id="other")
    for n in range(5):
        directory.create_user(company_id="acme", email=f"a{n}@acme.test", display_name=f"A{n}")
    directory.create_user(company_id="other", email="o@other.test", display_name="O")

    listed = walk_pages(lambda size, token: directory.list_users("acme", size, token), 2)

    assert sorted(user.email for user in listed) == [f"a{n}@acme.test" for n in range(5)]


# Connection Manager grants


def test_connection_manager_level_defaults_to_none_and_upserts(
    directory: Directory, acme: Company
) -> None:
    directory.create_project(company_id="acme", name="Tower", project_id="tower")
    directory.create_user(company_id="acme", email="a@acme.test", display_name="A", user_id="ann")
    assert directory.connection_manager_level("tower", "ann") == "none"

    directory.set_connection_manager_level("tower", "ann", "read_only")
    directory.set_connection_manager_level("tower", "ann", "admin")

    assert directory.connection_manager_level("tower", "ann") == "admin"
    directory.set_connection_manager_level("tower", "ann", "none")
    assert directory.connection_manager_level("tower", "ann") == "none"
    assert directory.list_connection_manager_grants("tower") == ([], "")


def test_connection_manager_grant_needs_known_project_user_and_level(
    directory: Directory, acme: Company
) -> None:
    directory.create_project(company_id="acme", name="Tower", project_id="tower")
    directory.create_user(company_id="acme", email="a@acme.test", display_name="A", user_id="ann")

    with pytest.raises(RecordNotFound) as no_project:
        directory.set_connection_manager_level("bridge", "ann", "admin")
    with pytest.raises(RecordNotFound) as no_user:
        directory.set_connection_manager_level("tower", "bob", "admin")
    with pytest.raises(UnknownPermissionLevel):
        directory.set_connection_manager_level("tower", "ann", "owner")

    assert (no_project.value.kind, no_user.value.kind) == ("project", "user")
    with pytest.raises(RecordNotFound):
        directory.list_connection_manager_grants("bridge")


def test_connection_manager_grants_page_by_user(directory: Directory, acme: Company) -> None:
    directory.create_project(company_id="acme", name="Tower", project_id="tower")
    directory.create_project(company_id="acme", name="Bridge", project_id="bridge")
    for n in range(5):
        user = directory.create_user(
            company_id="acme", email=f"u{n}@acme.test", display_name=f"U{n}", user_id=f"u{n}"
        )
        directory.set_connection_manager_level("tower", user.id, "standard")
    directory.set_connection_manager_level("bridge", "u0", "admin")

    grants = walk_pages(
        lambda size, token: directory.list_connection_manager_grants("tower", size, token), 2
    )

    assert [(g.user_id, g.level) for g in grants] == [(f"u{n}", "standard") for n in range(5)]
    _, token = directory.list_connection_manager_grants("tower", page_size=2)
    with pytest.raises(InvalidPageRequest):
        directory.list_connection_manager_grants("bridge", page_size=2, page_token=token)
