"""``connectability demo-directory``: seed 001's people and projects, for trying the page.

An architect's company owns the design project; a contractor's company owns the
construction project and wants its drawings; a third company's person has no grant
anywhere. Made through the public API as the platform (a token signed with the local
key), so only where the development sign-in works. Running it again changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import grpc

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from services.web.signin import Cookies
from shared.runtime.config import Settings
from shared.runtime.tls import channel_credentials, grpc_channel

ADMIN = common_pb2.PERMISSION_LEVEL_ADMIN
READ_ONLY = common_pb2.PERMISSION_LEVEL_READ_ONLY


@dataclass(frozen=True)
class Person:
    user_id: str
    company_id: str
    name: str
    role: str


COMPANIES = {
    "northwind": "Northwind Architects",
    "harbor": "Harbor Builders",
    "elsewhere": "Elsewhere Ltd",
}
PROJECTS = {
    "riverside-design": ("northwind", "Riverside Tower: design"),
    "riverside-build": ("harbor", "Riverside Tower: construction"),
}
PEOPLE = [
    Person("ada", "northwind", "Ada Architect", "upstream admin: approves requests"),
    Person("ben", "harbor", "Ben Builder", "downstream admin: requests the connection"),
    Person("cy", "elsewhere", "Cy Outsider", "no grant anywhere: sees nothing"),
]
# (project, user, Drawings level, Connection Manager level)
GRANTS = [
    ("riverside-design", "ada", ADMIN, ADMIN),
    ("riverside-build", "ben", ADMIN, ADMIN),
    ("riverside-design", "ben", READ_ONLY, 0),  # may name the design project as upstream (R1)
]


def _created(call: grpc.UnaryUnaryMultiCallable, request: object, auth: tuple) -> None:
    """Creates, or finds it already there (running the command again)."""
    try:
        call(request, metadata=auth, timeout=10)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise


def _until_known(call: grpc.UnaryUnaryMultiCallable, request: object, auth: tuple) -> None:
    """A new project reaches the drawing service a moment after it is created."""
    deadline = time.monotonic() + 30
    while True:
        try:
            call(request, metadata=auth, timeout=10)
            return
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def make_demo_directory(settings: Settings) -> list[Person]:
    auth = (("authorization", f"Bearer {Cookies(settings).platform_token()}"),)
    credentials = channel_credentials(settings)
    with (
        grpc_channel(settings.address_of("connection"), credentials) as connection_channel,
        grpc_channel(settings.address_of("drawing"), credentials) as drawing_channel,
    ):
        connection = pb_grpc.ConnectionServiceStub(connection_channel)
        drawing = drawing_grpc.DrawingServiceStub(drawing_channel)
        for company_id, name in COMPANIES.items():
            company = pb.Company(
                name=name,
                file_storage_location="us",
                approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED,
            )
            request = pb.CreateCompanyRequest(company=company, company_id=company_id)
            _created(connection.CreateCompany, request, auth)
        for project_id, (company_id, name) in PROJECTS.items():
            project = pb.Project(company_id=company_id, name=name)
            request = pb.CreateProjectRequest(project=project, project_id=project_id)
            _created(connection.CreateProject, request, auth)
        for person in PEOPLE:
            user = pb.User(
                company_id=person.company_id,
                email=f"{person.user_id}@{person.company_id}.example.com",
                display_name=person.name,
                company_role=pb.COMPANY_ROLE_COMPANY_ADMIN,
            )
            request = pb.CreateUserRequest(user=user, user_id=person.user_id)
            _created(connection.CreateUser, request, auth)
        for project_id, user_id, drawings, manager in GRANTS:
            _until_known(
                drawing.SetDrawingsPermission,
                drawing_pb.SetDrawingsPermissionRequest(
                    project_id=project_id, user_id=user_id, level=drawings
                ),
                auth,
            )
            if manager:
                connection.SetConnectionManagerPermission(
                    pb.SetConnectionManagerPermissionRequest(
                        project_id=project_id,
                        user_id=user_id,
                        level=manager,  # type: ignore[arg-type]
                    ),
                    metadata=auth,
                    timeout=10,
                )
    return PEOPLE
