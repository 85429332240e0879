"""Entity tags (AIP-154) on every resource with an Update RPC, through the running services:
every read carries one; an update sent with a stale one is refused with ABORTED /
ETAG_MISMATCH and changes nothing; a fresh one is accepted and the etag moves on; an empty
one skips the check; and of two updates racing with the same etag exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.test_direct_uploads import a_pdf, import_request, upload_file
from tests.integration.test_directory import Platform
from tests.integration.test_drawings_catalog import make_area_set_drawing, register_project


@dataclass
class Updatable:
    """One resource: how to read it, update one text field of it, and read that field."""

    read: Callable[[], Any]
    update: Callable[[str, str], Any]  # (etag, new value) -> the resource as updated
    value_of: Callable[[Any], str]


def _directory_resource(platform: Platform, kind: str) -> Updatable:
    company = platform.company()
    auth, connection = platform.auth, platform.connection
    if kind == "company":
        return Updatable(
            lambda: (
                connection.GetCompany(
                    pb.GetCompanyRequest(company_id=company.id), metadata=auth, timeout=10
                ).company
            ),
            lambda etag, name: (
                connection.UpdateCompany(
                    pb.UpdateCompanyRequest(
                        company=pb.Company(id=company.id, name=name, etag=etag),
                        update_mask=FieldMask(paths=["name"]),
                    ),
                    metadata=auth,
                    timeout=10,
                ).company
            ),
            lambda company: company.name,
        )
    if kind == "project":
        project = platform.project(company.id)
        return Updatable(
            lambda: (
                connection.GetProject(
                    pb.GetProjectRequest(project_id=project.id), metadata=auth, timeout=10
                ).project
            ),
            lambda etag, name: (
                connection.UpdateProject(
                    pb.UpdateProjectRequest(
                        project=pb.Project(id=project.id, name=name, etag=etag),
                        update_mask=FieldMask(paths=["name"]),
                    ),
                    metadata=auth,
                    timeout=10,
                ).project
            ),
            lambda project: project.name,
        )
    user = platform.user(company.id)
    return Updatable(
        lambda: (
            connection.GetUser(pb.GetUserRequest(user_id=user.id), metadata=auth, timeout=10).user
        ),
        lambda etag, name: (
            connection.UpdateUser(
                pb.UpdateUserRequest(
                    user=pb.User(id=user.id, display_name=name, etag=etag),
                    update_mask=FieldMask(paths=["display_name"]),
                ),
                metadata=auth,
                timeout=10,
            ).user
        ),
        lambda user: user.display_name,
    )


def _distribution_list(platform: Platform) -> Updatable:
    company = platform.company()
    project, admin = platform.project(company.id), platform.user(company.id)
    platform.connection.SetConnectionManagerPermission(
        pb.SetConnectionManagerPermissionRequest(
            project_id=project.id, user_id=admin.id, level=common_pb2.PERMISSION_LEVEL_ADMIN
        ),
        metadata=platform.auth,
        timeout=10,
    )
    eventually(lambda: platform.facts_below(project.id))  # the notification service knows it
    token = bearer(platform.stack.keys.user_token(admin.id, company.id))
    return Updatable(
        lambda: (
            platform.connection.GetDistributionList(
                pb.GetDistributionListRequest(project_id=project.id), metadata=token, timeout=10
            ).distribution_list
        ),
        lambda etag, name: (
            platform.connection.UpdateDistributionList(
                pb.UpdateDistributionListRequest(
                    project_id=project.id, emails=[f"{name}@example.com"], etag=etag
                ),
                metadata=token,
                timeout=15,
            ).distribution_list
        ),
        lambda listed: ",".join(listed.emails).removesuffix("@example.com"),
    )


def _drawings_resource(stack: Stack, kind: str) -> Updatable:
    project = register_project(stack)
    drawing = Platform(stack).drawing
    admin = bearer(project.tokens["admin"])
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)

    def update(call: Callable[..., Any], request: Any, answer: str) -> Any:
        return getattr(call(request, metadata=admin, timeout=10), answer)

    if kind == "drawing_area":
        return Updatable(
            lambda: (
                drawing.GetDrawingArea(
                    drawing_pb.GetDrawingAreaRequest(drawing_area_id=area.id),
                    metadata=admin,
                    timeout=10,
                ).drawing_area
            ),
            lambda etag, name: update(
                drawing.UpdateDrawingArea,
                drawing_pb.UpdateDrawingAreaRequest(
                    drawing_area=drawing_pb.DrawingArea(id=area.id, name=name, etag=etag),
                    update_mask=FieldMask(paths=["name"]),
                ),
                "drawing_area",
            ),
            lambda area: area.name,
        )
    if kind == "drawing_set":
        return Updatable(
            lambda: next(
                listed
                for listed in drawing.ListDrawingSets(
                    drawing_pb.ListDrawingSetsRequest(project_id=project.id),
                    metadata=admin,
                    timeout=10,
                ).drawing_sets
                if listed.id == drawing_set.id
            ),
            lambda etag, name: update(
                drawing.UpdateDrawingSet,
                drawing_pb.UpdateDrawingSetRequest(
                    drawing_set=drawing_pb.DrawingSet(id=drawing_set.id, name=name, etag=etag),
                    update_mask=FieldMask(paths=["name"]),
                ),
                "drawing_set",
            ),
            lambda drawing_set: drawing_set.name,
        )
    if kind == "drawing":
        return Updatable(
            lambda: (
                drawing.GetDrawing(
                    drawing_pb.GetDrawingRequest(drawing_id=sheet.id), metadata=admin, timeout=10
                ).drawing
            ),
            lambda etag, title: update(
                drawing.UpdateDrawing,
                drawing_pb.UpdateDrawingRequest(
                    drawing=drawing_pb.Drawing(id=sheet.id, title=title, etag=etag),
                    update_mask=FieldMask(paths=["title"]),
                ),
                "drawing",
            ),
            lambda sheet: sheet.title,
        )
    uploaded = upload_file(drawing, project, a_pdf("etag"))
    created = drawing.CreateDrawingUpload(
        import_request(project, area.id, drawing_set.id, sheet.id, uploaded),
        metadata=admin,
        timeout=10,
    ).drawing_upload

    def revision_ids() -> list[str]:
        polled = drawing.GetDrawingUpload(
            drawing_pb.GetDrawingUploadRequest(drawing_upload_id=created.id),
            metadata=admin,
            timeout=10,
        ).drawing_upload
        assert polled.revision_ids
        return list(polled.revision_ids)

    revision_id = eventually(revision_ids)[0]
    return Updatable(
        lambda: (
            drawing.GetDrawingRevision(
                drawing_pb.GetDrawingRevisionRequest(revision_id=revision_id),
                metadata=admin,
                timeout=10,
            ).revision
        ),
        lambda etag, number: update(
            drawing.UpdateDrawingRevision,
            drawing_pb.UpdateDrawingRevisionRequest(
                revision=drawing_pb.DrawingRevision(
                    id=revision_id, revision_number=number, etag=etag
                ),
                update_mask=FieldMask(paths=["revision_number"]),
            ),
            "revision",
        ),
        lambda revision: revision.revision_number,
    )


KINDS = [
    "company",
    "project",
    "user",
    "distribution_list",
    "drawing_area",
    "drawing_set",
    "drawing",
    "revision",
]


@pytest.fixture(params=KINDS)
def resource(request: pytest.FixtureRequest, stack: Stack) -> Updatable:
    kind = request.param
    if kind in ("company", "project", "user"):
        return _directory_resource(Platform(stack), kind)
    if kind == "distribution_list":
        return _distribution_list(Platform(stack))
    return _drawings_resource(stack, kind)


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except grpc.RpcError as error:
        info = error_info_of(error)
        return f"{error.code().name}/{info.reason if info else ''}"
    return "OK"


def test_a_stale_etag_is_refused_and_a_fresh_one_moves_on(resource: Updatable) -> None:
    before = resource.read()
    assert before.etag and resource.read().etag == before.etag  # stable while unchanged

    after = resource.update(before.etag, "first")
    assert resource.value_of(after) == "first" and after.etag != before.etag
    assert resource.read().etag == after.etag  # the update's answer is what reads say

    stale = _outcome(lambda: resource.update(before.etag, "second"))
    assert stale == "ABORTED/ETAG_MISMATCH"
    unchanged = resource.read()
    assert (resource.value_of(unchanged), unchanged.etag) == ("first", after.etag)

    blind = resource.update("", "third")  # no etag: no check
    assert resource.value_of(blind) == "third" and resource.read().etag == blind.etag


def test_of_two_updates_with_the_same_etag_exactly_one_wins(resource: Updatable) -> None:
    etag = resource.read().etag
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def race(value: str) -> None:
        start.wait()
        outcomes[value] = _outcome(lambda: resource.update(etag, value))

    threads = [threading.Thread(target=race, args=(value,)) for value in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["ABORTED/ETAG_MISMATCH", "OK"]
    winner = next(value for value, outcome in outcomes.items() if outcome == "OK")
    assert resource.value_of(resource.read()) == winner
