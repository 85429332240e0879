"""A small world in the running stack for the security tests, built once per backend.

One company ("home") with an upstream project holding an area, a set, a drawing and
revisions in every state the RPCs need, and downstream projects connected to it in every
state the connection RPCs need; three of its people at read_only, standard and admin on
every project (Drawings and Connection Manager; the admin is also the company admin); and
an outsider, a person of another company with no grants at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import grpc

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.test_direct_uploads import a_pdf, import_files, post_form
from tests.integration.test_directory import Platform

LEVELS = {
    "read_only": common_pb2.PERMISSION_LEVEL_READ_ONLY,
    "standard": common_pb2.PERMISSION_LEVEL_STANDARD,
    "admin": common_pb2.PERMISSION_LEVEL_ADMIN,
}
# Downstream projects, each for the connection RPCs that use one up: what state it is in.
DOWNSTREAMS = ("active", "to_approve", "to_reject", "to_withdraw", "to_disconnect", "to_request")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class World:
    stack: Stack
    platform: Platform
    company_id: str
    outsider_company_id: str
    upstream_id: str
    downstream_ids: dict[str, str]
    user_ids: dict[str, str]  # read_only, standard, admin, outsider
    tokens: dict[str, str] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)  # by downstream key
    area_id: str = ""
    set_id: str = ""
    drawing_id: str = ""
    revisions: dict[str, str] = field(default_factory=dict)  # by purpose
    drawing_upload_id: str = ""

    def auth(self, who: str) -> list[tuple[str, str]]:
        return bearer(self.tokens[who])

    @property
    def all_project_ids(self) -> list[str]:
        return [self.upstream_id, *self.downstream_ids.values()]

    def posted_upload(self) -> str:
        """A file posted to the storage endpoint through a fresh upload; its uuid."""
        upload = self.platform.drawing.CreateUpload(
            drawing_pb.CreateUploadRequest(
                project_id=self.upstream_id, response_filename="A-101.pdf"
            ),
            metadata=self.auth("admin"),
            timeout=10,
        )
        posted = post_form(upload.url, dict(upload.fields), a_pdf(unique("sheet")))
        assert posted.status == 204, posted.body
        return upload.uuid

    def import_request(self, count: int = 1) -> drawing_pb.CreateDrawingUploadRequest:
        """A valid drawing upload of ``count`` freshly posted files into the world's set."""
        return drawing_pb.CreateDrawingUploadRequest(
            project_id=self.upstream_id,
            drawing_area_id=self.area_id,
            drawing_set_id=self.set_id,
            drawing_log_imports=[
                drawing_pb.DrawingLogImport(
                    drawing_date="2026-11-20",
                    received_date="2026-11-21",
                    revision_number=str(index + 1),
                    upload_uuid=self.posted_upload(),
                    drawing_id=self.drawing_id,
                )
                for index in range(count)
            ],
        )


def build_world(stack: Stack) -> World:
    platform = Platform(stack)
    keys = stack.keys
    home = platform.company(approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED)
    elsewhere = platform.company()
    upstream = platform.project(home.id, "Upstream tower")
    downstreams = {key: platform.project(home.id, f"Downstream {key}").id for key in DOWNSTREAMS}
    people = {
        "read_only": platform.user(home.id),
        "standard": platform.user(home.id),
        "admin": platform.user(home.id, admin=True),
        "outsider": platform.user(elsewhere.id),
    }
    world = World(
        stack=stack,
        platform=platform,
        company_id=home.id,
        outsider_company_id=elsewhere.id,
        upstream_id=upstream.id,
        downstream_ids=downstreams,
        user_ids={who: person.id for who, person in people.items()},
    )
    for who, person in people.items():
        world.tokens[who] = keys.user_token(person.id, person.company_id)
    world.tokens["platform"] = keys.platform_token()
    for name in ("connection", "drawing", "notification"):
        world.tokens[f"service:{name}"] = keys.service_token(name)
    _grant_everyone(world)
    _fill_upstream(world)
    _connect(world)
    return world


def _grant_everyone(world: World) -> None:
    platform = world.platform
    for project_id in world.all_project_ids:
        for who, level in LEVELS.items():
            user_id = world.user_ids[who]
            platform.connection.SetConnectionManagerPermission(
                pb.SetConnectionManagerPermissionRequest(
                    project_id=project_id, user_id=user_id, level=level
                ),
                metadata=platform.auth,
                timeout=10,
            )
            request = drawing_pb.SetDrawingsPermissionRequest(
                project_id=project_id, user_id=user_id, level=level
            )
            # The project's facts reach the drawing service just after it is created.
            eventually(
                lambda request=request: platform.drawing.SetDrawingsPermission(  # type: ignore[misc]
                    request, metadata=platform.auth, timeout=10
                )
            )


def _fill_upstream(world: World) -> None:
    drawing = world.platform.drawing
    admin = world.auth("admin")
    world.area_id = drawing.CreateDrawingArea(
        drawing_pb.CreateDrawingAreaRequest(
            drawing_area=drawing_pb.DrawingArea(project_id=world.upstream_id, name="Architectural")
        ),
        metadata=admin,
        timeout=10,
    ).drawing_area.id
    world.set_id = drawing.CreateDrawingSet(
        drawing_pb.CreateDrawingSetRequest(
            drawing_set=drawing_pb.DrawingSet(
                project_id=world.upstream_id, name="IFC", set_date="2026-11-01"
            )
        ),
        metadata=admin,
        timeout=10,
    ).drawing_set.id
    world.drawing_id = drawing.CreateDrawing(
        drawing_pb.CreateDrawingRequest(
            drawing=drawing_pb.Drawing(
                area_id=world.area_id, number="A-101", title="Plan", discipline="Arch"
            )
        ),
        metadata=admin,
        timeout=10,
    ).drawing.id
    purposes = ("published", "to_withdraw", "to_publish", "to_confirm", "to_delete")
    batch = import_files(drawing, world.import_request(len(purposes)), admin)
    world.drawing_upload_id = batch.id
    world.revisions = dict(zip(purposes, batch.revision_ids, strict=True))
    reviewed = [world.revisions[p] for p in ("published", "to_withdraw", "to_publish")]
    drawing.ConfirmDrawingRevisions(
        drawing_pb.ConfirmDrawingRevisionsRequest(
            project_id=world.upstream_id, revision_ids=reviewed
        ),
        metadata=admin,
        timeout=10,
    )
    drawing.PublishDrawingRevisions(
        drawing_pb.PublishDrawingRevisionsRequest(set_id=world.set_id, revision_ids=reviewed[:2]),
        metadata=admin,
        timeout=10,
    )


def _connect(world: World) -> None:
    connection = world.platform.connection
    admin = world.auth("admin")
    for key in ("active", "to_approve", "to_reject", "to_withdraw", "to_disconnect"):
        requested = connection.RequestConnection(
            pb.RequestConnectionRequest(
                downstream_project_id=world.downstream_ids[key],
                upstream_project_id=world.upstream_id,
            ),
            metadata=admin,
            timeout=15,
        ).connection
        world.connections[key] = requested.id
        if key in ("active", "to_disconnect"):
            connection.ApproveConnection(
                pb.ApproveConnectionRequest(connection_id=requested.id),
                metadata=admin,
                timeout=15,
            )


def status_of(error: grpc.RpcError) -> tuple[str, str]:
    """(status code name, ErrorInfo reason) of a failed call."""
    info = error_info_of(error)
    return error.code().name, info.reason if info else ""
