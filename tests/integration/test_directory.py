"""The directory through the running services: the platform manages it, people see their
own company, and project facts flow down to the drawing and notification services."""

from __future__ import annotations

import uuid

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.internal.v1 import drawing_internal_service_pb2 as drawing_internal_pb
from connectability.internal.v1 import (
    drawing_internal_service_pb2_grpc as drawing_internal_grpc,
)
from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually, refusal


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Platform:
    """The accounts system: creates companies, projects and users."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.connection = pb_grpc.ConnectionServiceStub(stack.channel("connection"))
        self.drawing = drawing_grpc.DrawingServiceStub(stack.channel("drawing"))
        self.drawing_internal = drawing_internal_grpc.DrawingInternalServiceStub(
            stack.channel("drawing")
        )
        self.notification = notification_grpc.NotificationInternalServiceStub(
            stack.channel("notification")
        )
        self.auth = bearer(stack.keys.platform_token())

    def company(self, **fields: object) -> pb.Company:
        company = pb.Company(name="Acme Builders", file_storage_location="us", **fields)  # type: ignore[arg-type]
        request = pb.CreateCompanyRequest(company=company, company_id=unique("acme"))
        return self.connection.CreateCompany(request, metadata=self.auth, timeout=10).company

    def project(self, company_id: str, name: str = "Tower") -> pb.Project:
        request = pb.CreateProjectRequest(project=pb.Project(company_id=company_id, name=name))
        return self.connection.CreateProject(request, metadata=self.auth, timeout=10).project

    def user(self, company_id: str, admin: bool = False) -> pb.User:
        role = pb.COMPANY_ROLE_COMPANY_ADMIN if admin else pb.COMPANY_ROLE_MEMBER
        user = pb.User(
            company_id=company_id,
            email=f"{unique('person')}@example.com",
            display_name="Pat Builder",
            company_role=role,
        )
        request = pb.CreateUserRequest(user=user)
        return self.connection.CreateUser(request, metadata=self.auth, timeout=10).user

    def facts_below(self, project_id: str) -> tuple[common_pb2.ProjectFacts, ...]:
        drawing = self.drawing_internal.GetProject(
            drawing_internal_pb.DrawingInternalServiceGetProjectRequest(project_id=project_id),
            metadata=self.auth,
            timeout=5,
        ).project
        notification = self.notification.GetProject(
            notification_pb.NotificationInternalServiceGetProjectRequest(project_id=project_id),
            metadata=self.auth,
            timeout=5,
        ).project
        return drawing, notification


@pytest.fixture
def platform(stack: Stack) -> Platform:
    return Platform(stack)


def test_created_projects_are_known_below_with_their_company_facts(platform: Platform) -> None:
    company = platform.company(outside_applications_allowed=False)
    project = platform.project(company.id)

    drawing_facts, notification_facts = platform.facts_below(project.id)

    for facts in (drawing_facts, notification_facts):
        assert (facts.project_id, facts.company_id, facts.name) == (project.id, company.id, "Tower")
        assert facts.active and not facts.outside_applications_allowed


def test_project_and_company_changes_flow_down(platform: Platform) -> None:
    company = platform.company()
    project = platform.project(company.id)
    platform.connection.UpdateProject(
        pb.UpdateProjectRequest(
            project=pb.Project(id=project.id, state=pb.PROJECT_STATE_INACTIVE),
            update_mask=FieldMask(paths=["state"]),
        ),
        metadata=platform.auth,
        timeout=10,
    )
    platform.connection.UpdateCompany(
        pb.UpdateCompanyRequest(
            company=pb.Company(id=company.id, outside_applications_allowed=False),
            update_mask=FieldMask(paths=["outside_applications_allowed"]),
        ),
        metadata=platform.auth,
        timeout=10,
    )

    def both_changed() -> None:
        for facts in platform.facts_below(project.id):
            assert not facts.active and not facts.outside_applications_allowed

    eventually(both_changed)


def test_a_retried_create_answers_the_first_answer(platform: Platform) -> None:
    request = pb.CreateCompanyRequest(
        company=pb.Company(name="Retry Ltd", file_storage_location="eu"),
        request_id=uuid.uuid4().hex,
    )
    first = platform.connection.CreateCompany(request, metadata=platform.auth, timeout=10)
    again = platform.connection.CreateCompany(request, metadata=platform.auth, timeout=10)
    assert again.company.id == first.company.id

    request.company.name = "Someone Else Ltd"
    code, reason = refusal(
        platform.connection.CreateCompany, request, platform.stack.keys.platform_token()
    )
    assert (code, reason) == ("INVALID_ARGUMENT", "REQUEST_ID_REUSED")


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(platform: Platform) -> None:
    token = platform.stack.keys.platform_token()
    before = platform.connection.ListCompanies(
        pb.ListCompaniesRequest(page_size=500), metadata=platform.auth, timeout=10
    )
    company = platform.company()
    bad_requests = [
        (pb.CreateCompanyRequest(company=pb.Company(file_storage_location="us")), "MISSING_FIELD"),
        (
            pb.CreateCompanyRequest(company=pb.Company(name="X", file_storage_location="U S")),
            "INVALID_FILE_STORAGE_LOCATION",
        ),
        (  # well formed, but not a location the platform stores files in
            pb.CreateCompanyRequest(company=pb.Company(name="X", file_storage_location="xx")),
            "INVALID_FILE_STORAGE_LOCATION",
        ),
        (
            pb.CreateCompanyRequest(
                company=pb.Company(name="X", file_storage_location="us"), company_id="a/b"
            ),
            "INVALID_ID",
        ),
    ]
    for request, reason in bad_requests:
        assert refusal(platform.connection.CreateCompany, request, token) == (
            "INVALID_ARGUMENT",
            reason,
        )
    bad_user = pb.CreateUserRequest(
        user=pb.User(company_id=company.id, email="not-an-address", display_name="X")
    )
    assert refusal(platform.connection.CreateUser, bad_user, token) == (
        "INVALID_ARGUMENT",
        "INVALID_EMAIL_ADDRESS",
    )
    fixed_field = pb.UpdateCompanyRequest(
        company=pb.Company(id=company.id, file_storage_location="eu"),
        update_mask=FieldMask(paths=["file_storage_location"]),
    )
    assert refusal(platform.connection.UpdateCompany, fixed_field, token) == (
        "INVALID_ARGUMENT",
        "INVALID_UPDATE_MASK",
    )
    orphan = pb.CreateProjectRequest(project=pb.Project(company_id="no-such", name="Tower"))
    assert refusal(platform.connection.CreateProject, orphan, token) == (
        "NOT_FOUND",
        "COMPANY_NOT_FOUND",
    )
    after = platform.connection.ListCompanies(
        pb.ListCompaniesRequest(page_size=500), metadata=platform.auth, timeout=10
    )
    assert len(after.companies) == len(before.companies) + 1  # only the good one
    stored = platform.connection.GetCompany(
        pb.GetCompanyRequest(company_id=company.id), metadata=platform.auth, timeout=10
    ).company
    assert stored.file_storage_location == "us"


def test_storage_locations_are_accepted_in_any_case_and_answered_in_lower_case(
    platform: Platform,
) -> None:
    request = pb.CreateCompanyRequest(
        company=pb.Company(name="Euro Build", file_storage_location="EU"),
        company_id=unique("euro"),
    )
    company = platform.connection.CreateCompany(request, metadata=platform.auth, timeout=10).company
    assert company.file_storage_location == "eu"
    fetched = platform.connection.GetCompany(
        pb.GetCompanyRequest(company_id=company.id), metadata=platform.auth, timeout=10
    ).company
    assert fetched.file_storage_location == "eu"


def test_taken_ids_and_emails_answer_their_documented_reasons(platform: Platform) -> None:
    token = platform.stack.keys.platform_token()
    company = platform.company()
    twin = pb.CreateCompanyRequest(
        company=pb.Company(name="Twin", file_storage_location="us"), company_id=company.id
    )
    assert refusal(platform.connection.CreateCompany, twin, token) == (
        "ALREADY_EXISTS",
        "ID_ALREADY_EXISTS",
    )
    user = platform.user(company.id)
    same_address = pb.CreateUserRequest(
        user=pb.User(company_id=company.id, email=user.email.upper(), display_name="Twin")
    )
    assert refusal(platform.connection.CreateUser, same_address, token) == (
        "ALREADY_EXISTS",
        "EMAIL_ALREADY_REGISTERED",
    )
    other = platform.user(company.id)
    take_address = pb.UpdateUserRequest(
        user=pb.User(id=other.id, email=user.email), update_mask=FieldMask(paths=["email"])
    )
    assert refusal(platform.connection.UpdateUser, take_address, token) == (
        "ALREADY_EXISTS",
        "EMAIL_ALREADY_REGISTERED",
    )


def test_listing_drawings_grants_needs_a_filter(platform: Platform) -> None:
    assert refusal(
        platform.drawing.ListDrawingsPermissions,
        drawing_pb.ListDrawingsPermissionsRequest(),
        platform.stack.keys.platform_token(),
    ) == ("INVALID_ARGUMENT", "FILTER_REQUIRED")


def test_people_see_their_own_company_and_nothing_of_others(platform: Platform) -> None:
    mine, theirs = platform.company(), platform.company()
    my_project, their_project = platform.project(mine.id), platform.project(theirs.id)
    me = platform.user(mine.id)
    keys = platform.stack.keys
    my_token = keys.user_token(me.id, mine.id)
    auth = bearer(my_token)

    assert (
        platform.connection.GetProject(
            pb.GetProjectRequest(project_id=my_project.id), metadata=auth, timeout=10
        ).project.name
        == "Tower"
    )
    listed = platform.connection.ListProjects(pb.ListProjectsRequest(), metadata=auth, timeout=10)
    assert [p.id for p in listed.projects] == [my_project.id]
    listed_companies = platform.connection.ListCompanies(
        pb.ListCompaniesRequest(), metadata=auth, timeout=10
    )
    assert [c.id for c in listed_companies.companies] == [mine.id]

    # Another company's project answers exactly like one that does not exist (R27).
    hidden = refusal(
        platform.connection.GetProject, pb.GetProjectRequest(project_id=their_project.id), my_token
    )
    missing = refusal(
        platform.connection.GetProject, pb.GetProjectRequest(project_id="no-such"), my_token
    )
    assert hidden == missing == ("NOT_FOUND", "PROJECT_NOT_FOUND")
    assert refusal(
        platform.connection.ListUsers, pb.ListUsersRequest(company_id=theirs.id), my_token
    ) == ("NOT_FOUND", "COMPANY_NOT_FOUND")
    # Only the platform creates things.
    assert refusal(
        platform.connection.CreateProject,
        pb.CreateProjectRequest(project=pb.Project(company_id=mine.id, name="Mine")),
        my_token,
    ) == ("PERMISSION_DENIED", "PERMISSION_DENIED")


def test_company_admins_set_the_approval_preference_and_members_cannot(
    platform: Platform,
) -> None:
    company = platform.company()
    admin, member = platform.user(company.id, admin=True), platform.user(company.id)
    keys = platform.stack.keys
    change = pb.UpdateCompanyRequest(
        company=pb.Company(id=company.id, approval_preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE),
        update_mask=FieldMask(paths=["approval_preference"]),
    )

    assert refusal(
        platform.connection.UpdateCompany, change, keys.user_token(member.id, company.id)
    ) == ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")
    updated = platform.connection.UpdateCompany(
        change, metadata=bearer(keys.user_token(admin.id, company.id)), timeout=10
    ).company
    assert updated.approval_preference == pb.APPROVAL_PREFERENCE_AUTO_APPROVE
    rename = pb.UpdateCompanyRequest(
        company=pb.Company(id=company.id, name="Renamed"), update_mask=FieldMask(paths=["name"])
    )
    assert refusal(
        platform.connection.UpdateCompany, rename, keys.user_token(admin.id, company.id)
    ) == ("PERMISSION_DENIED", "PLATFORM_ONLY_FIELD")


def test_grants_are_set_by_the_platform_and_paged(platform: Platform) -> None:
    company = platform.company()
    project = platform.project(company.id)
    users = [platform.user(company.id) for _ in range(3)]
    for user in users:
        platform.connection.SetConnectionManagerPermission(
            pb.SetConnectionManagerPermissionRequest(
                project_id=project.id, user_id=user.id, level=common_pb2.PERMISSION_LEVEL_ADMIN
            ),
            metadata=platform.auth,
            timeout=10,
        )
        platform.drawing.SetDrawingsPermission(
            drawing_pb.SetDrawingsPermissionRequest(
                project_id=project.id,
                user_id=user.id,
                level=common_pb2.PERMISSION_LEVEL_READ_ONLY,
            ),
            metadata=platform.auth,
            timeout=10,
        )
    first = platform.connection.ListConnectionManagerPermissions(
        pb.ListConnectionManagerPermissionsRequest(project_id=project.id, page_size=2),
        metadata=platform.auth,
        timeout=10,
    )
    rest = platform.connection.ListConnectionManagerPermissions(
        pb.ListConnectionManagerPermissionsRequest(
            project_id=project.id, page_size=2, page_token=first.next_page_token
        ),
        metadata=platform.auth,
        timeout=10,
    )
    listed = [p.user_id for p in [*first.permissions, *rest.permissions]]
    assert sorted(listed) == sorted(user.id for user in users) and not rest.next_page_token
    drawings = platform.drawing.ListDrawingsPermissions(
        drawing_pb.ListDrawingsPermissionsRequest(project_id=project.id),
        metadata=platform.auth,
        timeout=10,
    )
    assert {p.level for p in drawings.permissions} == {common_pb2.PERMISSION_LEVEL_READ_ONLY}
    # A Connection Manager admin cannot grant themselves Drawings levels: only the project's
    # Drawings admin grants those (R33).
    grab = drawing_pb.SetDrawingsPermissionRequest(
        project_id=project.id, user_id=users[0].id, level=common_pb2.PERMISSION_LEVEL_ADMIN
    )
    token = platform.stack.keys.user_token(users[0].id, company.id)
    assert refusal(platform.drawing.SetDrawingsPermission, grab, token) == (
        "PERMISSION_DENIED",
        "DRAWINGS_ADMIN_REQUIRED",
    )
