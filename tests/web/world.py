"""Seed 001's people and projects, made through the running services as the platform would:
an upstream company that reviews requests, a downstream company, their Connection Manager
admins, and an outsider of a third company with no grant anywhere."""

from __future__ import annotations

import html as html_text
import re
from dataclasses import dataclass

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.integration.calls import eventually
from tests.security.integrator_setup import Directory, unique

ADMIN = common_pb2.PERMISSION_LEVEL_ADMIN
READ_ONLY = common_pb2.PERMISSION_LEVEL_READ_ONLY


@dataclass
class Seed:
    directory: Directory
    upstream: pb.Project
    downstream: pb.Project
    up_admin: pb.User
    down_admin: pb.User
    outsider: pb.User

    def token(self, user: pb.User) -> str:
        return self.directory.user_token(user)


def make_seed(stack: Stack, preference: int = pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED) -> Seed:
    directory = Directory(stack)
    up_company = directory.company(approval_preference=preference)
    down_company = directory.company()

    def project(company_id: str, name: str) -> pb.Project:
        created = directory.connection.CreateProject(
            pb.CreateProjectRequest(project=pb.Project(company_id=company_id, name=name)),
            metadata=directory.auth,
            timeout=10,
        ).project
        eventually(lambda: directory.facts_below(created.id))
        return created

    upstream = project(up_company.id, unique("Riverside Tower (architect)"))
    downstream = project(down_company.id, unique("Riverside Tower (contractor)"))
    up_admin = directory.user(up_company.id, admin=True)
    down_admin = directory.user(down_company.id, admin=True)
    outsider = directory.user(directory.company().id, admin=True)
    directory.grant(upstream.id, up_admin.id, ADMIN, manager=ADMIN)
    directory.grant(downstream.id, down_admin.id, ADMIN, manager=ADMIN)
    directory.grant(upstream.id, down_admin.id, READ_ONLY)  # may name it as upstream (R1)
    return Seed(directory, upstream, downstream, up_admin, down_admin, outsider)


def csrf_of(html: str) -> str:
    """The CSRF value a page's forms carry."""
    found = hidden_fields(html).get("csrf")
    assert found, "the page has no form with a CSRF token"
    return found


def hidden_fields(html: str, action: str = "") -> dict[str, str]:
    """Each hidden input's value, the first of each name, as a browser would send it: of
    the form posting to ``action`` if given, else of the whole page."""
    if action and f'action="{action}"' in html:
        html = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, str] = {}
    for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html):
        fields.setdefault(name, html_text.unescape(value))
    return fields
