"""Hostile text in the names and reasons people type, through the public API.

Company, project and user display names reach the Subject and the body of notices and the
services' log lines; connection reasons reach the body. Hypothesis types them with line
breaks of every kind (CR, LF, U+2028, U+2029, U+0085), NUL and other control characters,
header syntax and very long runs. A name with a control character is refused at input with
INVALID_ARGUMENT and a reason, and the stored name stays what it was; any other name is
refused with INVALID_ARGUMENT and a reason when too long or blank, else stored exactly as
typed.
Reasons may hold line breaks (they are prose): they are refused only when too long (or, for
a disconnection, blank). Never
INTERNAL or UNKNOWN. What a notice does with whatever text was stored is
tests/notification/test_hostile_strings.py.

CI runs a few examples per field (the CI profile allows at most 25);
CONNECTABILITY_FUZZ_EXAMPLES runs more.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2
from hypothesis import HealthCheck, Phase, given, note, settings

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.integration.test_directory import Platform
from tests.security.hostile_text import HOSTILE_TEXT, has_control
from tests.security.world import status_of

EXAMPLES = int(os.environ.get("CONNECTABILITY_FUZZ_EXAMPLES", "10"))
NAME_LIMIT = 255  # the contract's max_len of every name
REASON_LIMIT = 1000


@dataclass(frozen=True)
class Owner:
    """A company of its own, with one project and its admin, whose names the test changes."""

    stub: pb_grpc.ConnectionServiceStub
    company_id: str
    project_id: str
    admin_id: str
    auth: list[tuple[str, str]]  # the company's admin
    platform_auth: list[tuple[str, str]]


@pytest.fixture(scope="module")
def owner(stack: Stack) -> Owner:
    platform = Platform(stack)
    company = platform.company()
    admin = platform.user(company.id, admin=True)
    project = platform.project(company.id, name="Tower")
    auth = bearer(stack.keys.user_token(admin.id, company.id))
    return Owner(platform.connection, company.id, project.id, admin.id, auth, platform.auth)


@dataclass(frozen=True)
class Name:
    """How to rename one thing and read its name back."""

    rename: Callable[[Owner, str], tuple[Any, Any]]  # (stub method, request)
    read: Callable[[Owner], str]
    by_platform: bool = False  # a company's name is the platform's to change


def _mask(path: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=[path])


NAMES = {
    "company name": Name(
        lambda o, text: (
            o.stub.UpdateCompany,
            pb.UpdateCompanyRequest(
                company=pb.Company(id=o.company_id, name=text), update_mask=_mask("name")
            ),
        ),
        lambda o: (
            o.stub.GetCompany(
                pb.GetCompanyRequest(company_id=o.company_id), metadata=o.auth, timeout=10
            ).company.name
        ),
        by_platform=True,
    ),
    "project name": Name(
        lambda o, text: (
            o.stub.UpdateProject,
            pb.UpdateProjectRequest(
                project=pb.Project(id=o.project_id, name=text), update_mask=_mask("name")
            ),
        ),
        lambda o: (
            o.stub.GetProject(
                pb.GetProjectRequest(project_id=o.project_id), metadata=o.auth, timeout=10
            ).project.name
        ),
    ),
    "user display name": Name(
        lambda o, text: (
            o.stub.UpdateUser,
            pb.UpdateUserRequest(
                user=pb.User(id=o.admin_id, display_name=text), update_mask=_mask("display_name")
            ),
        ),
        lambda o: (
            o.stub.GetUser(
                pb.GetUserRequest(user_id=o.admin_id), metadata=o.auth, timeout=10
            ).user.display_name
        ),
    ),
}


def answer_of(method: Any, request: Any, auth: list[tuple[str, str]]) -> tuple[str, str]:
    try:
        method(request, metadata=auth, timeout=10)
    except grpc.RpcError as error:
        return status_of(error)
    return ("OK", "")


@pytest.mark.parametrize("field", sorted(NAMES))
def test_a_hostile_name_is_refused_at_input_or_stored_exactly(owner: Owner, field: str) -> None:
    name = NAMES[field]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),  # no shrinking: the note says all
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=HOSTILE_TEXT)
    def attempt(text: str) -> None:
        before = name.read(owner)
        auth = owner.platform_auth if name.by_platform else owner.auth
        code, reason = answer_of(*name.rename(owner, text), auth)
        note(f"{field} {text!r}: {code} {reason}")
        if has_control(text) or len(text) > NAME_LIMIT:
            assert code == "INVALID_ARGUMENT" and reason, f"{field} {text!r} taken: {code}"
        elif text.strip():  # a blank name is refused as missing
            assert (code, reason) == ("OK", ""), f"{field} {text!r}: {code} {reason}"
        if code == "OK":  # names are kept without surrounding whitespace
            assert name.read(owner) == text.strip(), "stored as typed"
        else:
            assert code == "INVALID_ARGUMENT" and reason, f"{field}: {code} {reason}"
            assert name.read(owner) == before, "a refused name changes nothing"

    attempt()


REASONS = {
    "rejection reason": lambda stub, text: (
        stub.RejectConnection,
        pb.RejectConnectionRequest(connection_id="no-such-connection", reason=text),
    ),
    "disconnection reason": lambda stub, text: (
        stub.DisconnectConnection,
        pb.DisconnectConnectionRequest(connection_id="no-such-connection", reason=text),
    ),
}


@pytest.mark.parametrize("field", sorted(REASONS))
def test_a_hostile_reason_is_refused_only_when_too_long(owner: Owner, field: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=HOSTILE_TEXT)
    def attempt(text: str) -> None:
        code, reason = answer_of(*REASONS[field](owner.stub, text), owner.auth)
        note(f"{field} {text!r}: {code} {reason}")
        if len(text) > REASON_LIMIT:
            assert (code, reason) == ("INVALID_ARGUMENT", "FIELD_TOO_LONG")
        elif field == "disconnection reason" and not text.strip():
            assert (code, reason) == ("INVALID_ARGUMENT", "REASON_REQUIRED")  # R4
        else:  # taken as prose, line breaks and all: then the connection is not found
            assert (code, reason) == ("NOT_FOUND", "CONNECTION_NOT_FOUND"), (code, reason)

    attempt()
