"""A connected pair for the sync tests: an upstream with Drawings content made through the
real upload flow, a downstream, both with admins, auto-approved on request."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.field_mask_pb2 import FieldMask

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from tests.integration.calls import bearer, eventually
from tests.integration.test_connections import Pair, make_pair
from tests.integration.test_direct_uploads import a_pdf, import_files, import_request, upload_file
from tests.integration.test_directory import Platform
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing


@dataclass
class Upstream:
    """The upstream's catalog: one area, one set, one drawing, and its revisions."""

    project: Project
    area_id: str
    set_id: str
    drawing_id: str
    revisions: list[str] = field(default_factory=list)


@dataclass
class SyncPair:
    platform: Platform
    pair: Pair
    upstream: Upstream
    connection_id: str = ""

    @property
    def drawing(self) -> drawing_grpc.DrawingServiceStub:
        return self.platform.drawing

    def connect(self, via: pb_grpc.ConnectionServiceStub | None = None) -> pb.Connection:
        """Requests the connection (of ``via``, a replica, if given); it is auto-approved."""
        request = pb.RequestConnectionRequest(
            downstream_project_id=self.pair.downstream.id,
            upstream_project_id=self.pair.upstream.id,
        )
        connection = (
            (via or self.platform.connection)
            .RequestConnection(request, metadata=bearer(self.pair.down_admin), timeout=15)
            .connection
        )
        assert connection.state == pb.CONNECTION_STATE_ACTIVE  # auto-approved
        self.connection_id = connection.id
        return connection

    def publish(
        self, revision_number: str, drawing_date: str = "2026-11-20", drawing_id: str = ""
    ) -> str:
        """Uploads, confirms and publishes one revision upstream; returns its id."""
        return self.upload(revision_number, drawing_date, drawing_id, publish=True)

    def upload(
        self,
        revision_number: str,
        drawing_date: str = "2026-11-20",
        drawing_id: str = "",
        publish: bool = False,
    ) -> str:
        """Uploads and confirms one revision upstream (published if asked); returns its id."""
        up = self.upstream
        project = up.project
        uuid = upload_file(self.drawing, project, a_pdf(f"{revision_number}-{drawing_date}"))
        request = import_request(project, up.area_id, up.set_id, drawing_id or up.drawing_id, uuid)
        request.drawing_log_imports[0].revision_number = revision_number
        request.drawing_log_imports[0].drawing_date = drawing_date
        admin = bearer(project.tokens["admin"])
        revision_ids = list(import_files(self.drawing, request, admin).revision_ids)
        self.drawing.ConfirmDrawingRevisions(
            drawing_pb.ConfirmDrawingRevisionsRequest(
                project_id=project.id, revision_ids=revision_ids
            ),
            metadata=admin,
            timeout=10,
        )
        if publish:
            self.drawing.PublishDrawingRevisions(
                drawing_pb.PublishDrawingRevisionsRequest(
                    set_id=up.set_id, revision_ids=revision_ids
                ),
                metadata=admin,
                timeout=10,
            )
            up.revisions += revision_ids
        return revision_ids[0]

    def copies(self) -> list[drawing_pb.DrawingRevision]:
        """The downstream's connected revisions, as its admin sees them."""
        revisions = self.drawing.ListDrawingRevisions(
            drawing_pb.ListDrawingRevisionsRequest(
                project_id=self.pair.downstream.id, page_size=500
            ),
            metadata=bearer(self.pair.down_admin),
            timeout=10,
        ).revisions
        return [r for r in revisions if r.connection_id]

    def copies_of(self, expected: int) -> list[drawing_pb.DrawingRevision]:
        def counted() -> list[drawing_pb.DrawingRevision]:
            found = self.copies()
            assert len(found) == expected, [c.upstream_revision_id for c in found]
            return found

        return eventually(counted, timeout_seconds=20)

    def sync_state(self) -> pb.SyncState:
        return self.platform.connection.GetSyncState(
            pb.GetSyncStateRequest(connection_id=self.connection_id),
            metadata=bearer(self.pair.down_admin),
            timeout=10,
        ).sync_state

    def set_active(self, project_id: str, active: bool) -> None:
        self.platform.connection.UpdateProject(
            pb.UpdateProjectRequest(
                project=pb.Project(
                    id=project_id,
                    state=pb.PROJECT_STATE_ACTIVE if active else pb.PROJECT_STATE_INACTIVE,
                ),
                update_mask=FieldMask(paths=["state"]),
            ),
            metadata=self.platform.auth,
            timeout=10,
        )


def make_sync_pair(platform: Platform) -> SyncPair:
    pair = make_pair(platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    keys = platform.stack.keys
    up_admin_id = _user_of(platform, pair.upstream.company_id)
    for project_id, user_id in (
        (pair.upstream.id, up_admin_id),
        (pair.downstream.id, pair.down_admin_id),
    ):
        platform.drawing.SetDrawingsPermission(
            drawing_pb.SetDrawingsPermissionRequest(
                project_id=project_id, user_id=user_id, level=common_pb2.PERMISSION_LEVEL_ADMIN
            ),
            metadata=platform.auth,
            timeout=10,
        )
    up_token = keys.user_token(up_admin_id, pair.upstream.company_id)
    project = Project(
        pair.upstream.id,
        pair.upstream.company_id,
        {"admin": up_token, "standard": up_token, "service": keys.service_token("connection")},
    )
    area, drawing_set, sheet = make_area_set_drawing(platform.drawing, project)
    return SyncPair(platform, pair, Upstream(project, area.id, drawing_set.id, sheet.id))


def _user_of(platform: Platform, company_id: str) -> str:
    """A fresh Drawings admin of the upstream company (kept apart from the pair's users)."""
    return platform.user(company_id).id
