"""The directory between the wire (``connectability.v1``) and the database rows.

Incoming messages are validated here: a bad field refuses the whole request with
INVALID_ARGUMENT and a reason code before anything is written.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

from connectability.v1 import connection_service_pb2 as pb
from services.connection.store.models import Company, ConnectionManagerGrant, Project, User
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.persistence.etags import etag_of
from shared.runtime.permission_messages import level_to_message
from shared.runtime.request_checks import masked_changes
from shared.runtime.timestamps import timestamp_of

# The regions the platform stores files in (Company.file_storage_location). A fixed list:
# a typo would otherwise create a region of its own that no other company shares (R11).
FILE_STORAGE_LOCATIONS = ("us", "ca", "eu", "uk", "au")

_APPROVAL_PREFERENCES: dict[int, str] = {
    pb.APPROVAL_PREFERENCE_AUTO_APPROVE: "auto_approve",
    pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED: "review_required",
}
_COMPANY_ROLES: dict[int, str] = {
    pb.COMPANY_ROLE_MEMBER: "member",
    pb.COMPANY_ROLE_COMPANY_ADMIN: "company_admin",
}


def _reverse(mapping: dict[Any, str]) -> dict[str, Any]:
    return {value: key for key, value in mapping.items()}


# Outgoing


def company_message(company: Company) -> pb.Company:
    return pb.Company(
        id=company.id,
        name=company.name,
        file_storage_location=company.file_storage_location,
        govcloud=company.govcloud,
        approval_preference=_reverse(_APPROVAL_PREFERENCES)[company.approval_preference],
        outside_applications_allowed=company.outside_applications_allowed,
        create_time=timestamp_of(company.created_at),
        update_time=timestamp_of(company.updated_at),
        etag=etag_of(company),
    )


def project_message(project: Project) -> pb.Project:
    return pb.Project(
        id=project.id,
        company_id=project.company_id,
        name=project.name,
        state=pb.PROJECT_STATE_ACTIVE if project.active else pb.PROJECT_STATE_INACTIVE,
        create_time=timestamp_of(project.created_at),
        update_time=timestamp_of(project.updated_at),
        etag=etag_of(project),
    )


def user_message(user: User) -> pb.User:
    return pb.User(
        id=user.id,
        company_id=user.company_id,
        email=user.email,
        display_name=user.display_name,
        company_role=_reverse(_COMPANY_ROLES)[user.company_role],
        service_account=user.service_account,
        create_time=timestamp_of(user.created_at),
        update_time=timestamp_of(user.updated_at),
        etag=etag_of(user),
    )


def grant_message(grant: ConnectionManagerGrant) -> pb.ConnectionManagerPermission:
    return pb.ConnectionManagerPermission(
        project_id=grant.project_id,
        user_id=grant.user_id,
        level=level_to_message(grant.level),
        update_time=timestamp_of(grant.updated_at),
    )


# Incoming


def required_name(value: str, field: str) -> str:
    """The name without surrounding spaces; the contract's rules bound its length."""
    name = value.strip()
    if not name:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, f"{field} is required.")
    return name


def file_storage_location(value: str) -> str:
    """One of the known locations, whatever its case, stored in lower case."""
    location = value.lower()
    if location not in FILE_STORAGE_LOCATIONS:
        raise InvalidArgument(
            ErrorReason.INVALID_FILE_STORAGE_LOCATION,
            f"company.file_storage_location must be one of {', '.join(FILE_STORAGE_LOCATIONS)}.",
        )
    return location


def approval_preference(value: int) -> str:
    if value == pb.APPROVAL_PREFERENCE_UNSPECIFIED:
        return "review_required"
    if value not in _APPROVAL_PREFERENCES:
        raise InvalidArgument(
            ErrorReason.INVALID_FIELD_VALUE, "Unknown company.approval_preference."
        )
    return _APPROVAL_PREFERENCES[value]


def company_role(value: int) -> str:
    if value == pb.COMPANY_ROLE_UNSPECIFIED:
        return "member"
    if value not in _COMPANY_ROLES:
        raise InvalidArgument(ErrorReason.INVALID_FIELD_VALUE, "Unknown user.company_role.")
    return _COMPANY_ROLES[value]


def project_active(state: int) -> bool:
    if state in (pb.PROJECT_STATE_UNSPECIFIED, pb.PROJECT_STATE_ACTIVE):
        return True
    if state == pb.PROJECT_STATE_INACTIVE:
        return False
    raise InvalidArgument(ErrorReason.INVALID_FIELD_VALUE, "Unknown project.state.")


def email_address(value: str) -> str:
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise InvalidArgument(
            ErrorReason.INVALID_EMAIL_ADDRESS, f"user.email is not valid: {error}", {"email": value}
        ) from error


def company_changes(company: pb.Company, paths: list[str]) -> dict[str, object]:
    readers = {
        "name": lambda: required_name(company.name, "company.name"),
        "approval_preference": lambda: approval_preference(company.approval_preference),
        "outside_applications_allowed": lambda: company.outside_applications_allowed,
    }
    return masked_changes(
        "company", paths, readers, fixed=("id", "file_storage_location", "govcloud")
    )


def project_changes(project: pb.Project, paths: list[str]) -> dict[str, object]:
    readers = {
        "name": lambda: required_name(project.name, "project.name"),
        "state": lambda: project_active(project.state),
    }
    changes = masked_changes("project", paths, readers, fixed=("id", "company_id"))
    if "state" in changes:
        changes["active"] = changes.pop("state")
    return changes


def user_changes(user: pb.User, paths: list[str]) -> dict[str, object]:
    readers = {
        "email": lambda: email_address(user.email),
        "display_name": lambda: required_name(user.display_name, "user.display_name"),
        "company_role": lambda: company_role(user.company_role),
    }
    return masked_changes("user", paths, readers, fixed=("id", "company_id", "service_account"))
