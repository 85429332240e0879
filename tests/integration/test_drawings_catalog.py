"""Drawing areas, sets and drawings through the running drawing service: permissions by
level (R26), nothing visible to outsiders (R27), bad input refused, edits in the feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from connectability.v1 import common_pb2
from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, refusal

LEVELS = {
    "admin": common_pb2.PERMISSION_LEVEL_ADMIN,
    "standard": common_pb2.PERMISSION_LEVEL_STANDARD,
    "read_only": common_pb2.PERMISSION_LEVEL_READ_ONLY,
}


@dataclass
class Project:
    """A project registered in the drawing service, with one user per level and an outsider."""

    id: str
    company_id: str
    tokens: dict[str, str]


def register_project(stack: Stack, active: bool = True) -> Project:
    drawing = pb_grpc.DrawingServiceStub(stack.channel("drawing"))
    platform = bearer(stack.keys.platform_token())
    project_id, company_id = f"p-{uuid.uuid4().hex[:10]}", f"c-{uuid.uuid4().hex[:8]}"
    facts = common_pb2.ProjectFacts(
        project_id=project_id, company_id=company_id, name="Tower", active=active
    )
    ipb_grpc.DrawingInternalServiceStub(stack.channel("drawing")).RegisterProject(
        ipb.DrawingInternalServiceRegisterProjectRequest(project=facts),
        metadata=platform,
        timeout=10,
    )
    tokens = {}
    for name, level in LEVELS.items():
        user_id = f"{name}-{uuid.uuid4().hex[:6]}"
        drawing.SetDrawingsPermission(
            pb.SetDrawingsPermissionRequest(project_id=project_id, user_id=user_id, level=level),
            metadata=platform,
            timeout=10,
        )
        tokens[name] = stack.keys.user_token(user_id, company_id)
    tokens["outsider"] = stack.keys.user_token("outsider", "another-company")
    tokens["service"] = stack.keys.service_token("connection")
    return Project(project_id, company_id, tokens)


@pytest.fixture
def drawing(stack: Stack) -> pb_grpc.DrawingServiceStub:
    return pb_grpc.DrawingServiceStub(stack.channel("drawing"))


@pytest.fixture
def project(stack: Stack) -> Project:
    return register_project(stack)


def as_user(project: Project, who: str) -> list[tuple[str, str]]:
    return bearer(project.tokens[who])


def make_area_set_drawing(
    drawing: pb_grpc.DrawingServiceStub, project: Project
) -> tuple[pb.DrawingArea, pb.DrawingSet, pb.Drawing]:
    admin = as_user(project, "admin")
    area = drawing.CreateDrawingArea(
        pb.CreateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(
                project_id=project.id, name="Architectural", description="Level 1"
            )
        ),
        metadata=admin,
        timeout=10,
    ).drawing_area
    drawing_set = drawing.CreateDrawingSet(
        pb.CreateDrawingSetRequest(
            drawing_set=pb.DrawingSet(project_id=project.id, name="IFC", set_date="2026-11-01")
        ),
        metadata=admin,
        timeout=10,
    ).drawing_set
    sheet = drawing.CreateDrawing(
        pb.CreateDrawingRequest(
            drawing=pb.Drawing(area_id=area.id, number="A-101", title="Plan", discipline="Arch")
        ),
        metadata=admin,
        timeout=10,
    ).drawing
    return area, drawing_set, sheet


def test_admins_build_the_catalog_and_read_only_users_read_it(
    drawing: pb_grpc.DrawingServiceStub, project: Project
) -> None:
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    reader = as_user(project, "read_only")

    areas = drawing.ListDrawingAreas(
        pb.ListDrawingAreasRequest(project_id=project.id), metadata=reader, timeout=10
    )
    sets = drawing.ListDrawingSets(
        pb.ListDrawingSetsRequest(project_id=project.id), metadata=reader, timeout=10
    )
    sheets = drawing.ListDrawings(
        pb.ListDrawingsRequest(area_id=area.id), metadata=reader, timeout=10
    )
    assert [(a.name, a.description) for a in areas.drawing_areas] == [("Architectural", "Level 1")]
    assert [(s.name, s.set_date, s.connected) for s in sets.drawing_sets] == [
        ("IFC", "2026-11-01", False)
    ]
    assert [(d.number, d.title, d.discipline) for d in sheets.drawings] == [
        ("A-101", "Plan", "Arch")
    ]
    got = drawing.GetDrawing(pb.GetDrawingRequest(drawing_id=sheet.id), metadata=reader, timeout=10)
    assert got.drawing.area_id == area.id and drawing_set.id


@pytest.mark.parametrize("who", ["standard", "read_only"])
def test_only_admins_manage_areas_sets_and_drawing_metadata(
    drawing: pb_grpc.DrawingServiceStub, project: Project, who: str
) -> None:
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    token = project.tokens[who]
    attempts = [
        (
            drawing.CreateDrawingArea,
            pb.CreateDrawingAreaRequest(
                drawing_area=pb.DrawingArea(project_id=project.id, name="Structural")
            ),
        ),
        (
            drawing.UpdateDrawingSet,
            pb.UpdateDrawingSetRequest(
                drawing_set=pb.DrawingSet(id=drawing_set.id, name="Renamed"),
                update_mask=FieldMask(paths=["name"]),
            ),
        ),
        (
            drawing.UpdateDrawing,
            pb.UpdateDrawingRequest(
                drawing=pb.Drawing(id=sheet.id, title="Changed"),
                update_mask=FieldMask(paths=["title"]),
            ),
        ),
    ]
    for call, request in attempts:
        assert refusal(call, request, token) == ("PERMISSION_DENIED", "DRAWINGS_ADMIN_REQUIRED")
    create = pb.CreateDrawingRequest(
        drawing=pb.Drawing(area_id=area.id, number="A-102", discipline="Arch")
    )
    if who == "read_only":  # creating a drawing starts an upload: standard may
        assert refusal(drawing.CreateDrawing, create, token) == (
            "PERMISSION_DENIED",
            "DRAWINGS_STANDARD_REQUIRED",
        )
    else:
        drawing.CreateDrawing(create, metadata=bearer(token), timeout=10)
    unchanged = drawing.GetDrawing(
        pb.GetDrawingRequest(drawing_id=sheet.id), metadata=as_user(project, "admin"), timeout=10
    )
    assert unchanged.drawing.title == "Plan"


def test_an_outsider_cannot_tell_anything_exists(
    drawing: pb_grpc.DrawingServiceStub, project: Project
) -> None:
    area, _, sheet = make_area_set_drawing(drawing, project)
    outsider = project.tokens["outsider"]
    cases = [
        (drawing.GetDrawingArea, "drawing_area_id", area.id, "DRAWING_AREA_NOT_FOUND"),
        (drawing.GetDrawing, "drawing_id", sheet.id, "DRAWING_NOT_FOUND"),
    ]
    for call, field, real_id, reason in cases:
        request_type = (
            pb.GetDrawingAreaRequest if field == "drawing_area_id" else pb.GetDrawingRequest
        )
        seen = refusal(call, request_type(**{field: real_id}), outsider)
        missing = refusal(call, request_type(**{field: "no-such-id"}), outsider)
        assert seen == missing == ("NOT_FOUND", reason)
    assert (
        refusal(
            drawing.ListDrawingAreas, pb.ListDrawingAreasRequest(project_id=project.id), outsider
        )
        == refusal(
            drawing.ListDrawingAreas, pb.ListDrawingAreasRequest(project_id="no-such"), outsider
        )
        == ("NOT_FOUND", "PROJECT_NOT_FOUND")
    )


def test_bad_input_is_refused_and_changes_nothing(
    drawing: pb_grpc.DrawingServiceStub, project: Project, stack: Stack
) -> None:
    area, drawing_set, sheet = make_area_set_drawing(drawing, project)
    other = register_project(stack)
    other_area, _, _ = make_area_set_drawing(drawing, other)
    admin = project.tokens["admin"]
    cases = [
        (
            drawing.CreateDrawing,
            pb.CreateDrawingRequest(drawing=pb.Drawing(area_id=area.id, discipline="Arch")),
            ("INVALID_ARGUMENT", "MISSING_FIELD"),
        ),
        (
            drawing.CreateDrawing,
            pb.CreateDrawingRequest(drawing=pb.Drawing(area_id=area.id, number="A-9")),
            ("INVALID_ARGUMENT", "MISSING_FIELD"),
        ),
        (
            drawing.CreateDrawing,
            pb.CreateDrawingRequest(
                drawing=pb.Drawing(area_id=area.id, number="A-101", discipline="Arch")
            ),
            ("ALREADY_EXISTS", "DRAWING_NUMBER_TAKEN"),
        ),
        (  # an area of a project this admin has no access to
            drawing.CreateDrawing,
            pb.CreateDrawingRequest(
                drawing=pb.Drawing(area_id=other_area.id, number="X-1", discipline="Arch")
            ),
            ("NOT_FOUND", "DRAWING_AREA_NOT_FOUND"),
        ),
        (
            drawing.CreateDrawingSet,
            pb.CreateDrawingSetRequest(
                drawing_set=pb.DrawingSet(project_id=project.id, name="Bad", set_date="01/11/2026")
            ),
            ("INVALID_ARGUMENT", "INVALID_DATE"),
        ),
        (
            drawing.UpdateDrawingArea,
            pb.UpdateDrawingAreaRequest(
                drawing_area=pb.DrawingArea(id=area.id, project_id="elsewhere"),
                update_mask=FieldMask(paths=["project_id"]),
            ),
            ("INVALID_ARGUMENT", "INVALID_UPDATE_MASK"),
        ),
    ]
    for call, request, expected in cases:
        assert refusal(call, request, admin) == expected
    sheets = drawing.ListDrawings(
        pb.ListDrawingsRequest(area_id=area.id), metadata=bearer(admin), timeout=10
    )
    assert [d.number for d in sheets.drawings] == ["A-101"]
    sets = drawing.ListDrawingSets(
        pb.ListDrawingSetsRequest(project_id=project.id), metadata=bearer(admin), timeout=10
    )
    assert [s.id for s in sets.drawing_sets] == [drawing_set.id]
    assert sheet.id


def test_an_inactive_project_cannot_be_changed(
    drawing: pb_grpc.DrawingServiceStub, stack: Stack
) -> None:
    inactive = register_project(stack, active=False)
    request = pb.CreateDrawingAreaRequest(
        drawing_area=pb.DrawingArea(project_id=inactive.id, name="Architectural")
    )
    assert refusal(drawing.CreateDrawingArea, request, inactive.tokens["admin"]) == (
        "FAILED_PRECONDITION",
        "PROJECT_INACTIVE",
    )


def test_area_names_are_unique_within_a_project_ignoring_case(
    drawing: pb_grpc.DrawingServiceStub, project: Project, stack: Stack
) -> None:
    admin = project.tokens["admin"]

    def create(name: str) -> pb.CreateDrawingAreaRequest:
        return pb.CreateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(project_id=project.id, name=name)
        )

    def rename(area_id: str, name: str) -> pb.UpdateDrawingAreaRequest:
        return pb.UpdateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(id=area_id, name=name),
            update_mask=FieldMask(paths=["name"]),
        )

    first = drawing.CreateDrawingArea(create("Straße"), metadata=bearer(admin), timeout=10)
    second = drawing.CreateDrawingArea(create("Structural"), metadata=bearer(admin), timeout=10)
    taken = ("ALREADY_EXISTS", "AREA_NAME_TAKEN")
    assert refusal(drawing.CreateDrawingArea, create("STRASSE"), admin) == taken
    assert refusal(drawing.UpdateDrawingArea, rename(second.drawing_area.id, "straße"), admin) == (
        taken
    )
    # An area may change the case of its own name, and another project may use the name.
    drawing.UpdateDrawingArea(
        rename(first.drawing_area.id, "STRASSE"), metadata=bearer(admin), timeout=10
    )
    other = register_project(stack)
    drawing.CreateDrawingArea(
        pb.CreateDrawingAreaRequest(
            drawing_area=pb.DrawingArea(project_id=other.id, name="Straße")
        ),
        metadata=bearer(other.tokens["admin"]),
        timeout=10,
    )
    areas = drawing.ListDrawingAreas(
        pb.ListDrawingAreasRequest(project_id=project.id), metadata=bearer(admin), timeout=10
    ).drawing_areas
    assert sorted(area.name for area in areas) == ["STRASSE", "Structural"]
