"""What the connection service asks the drawing service: Drawings levels and revision counts.

The drawing service owns Drawings permissions and revisions; this is the one place that
asks it, so a drawing service that cannot be reached is one clear error here.
"""

from __future__ import annotations

import grpc

from connectability.internal.v1 import drawing_internal_service_pb2 as internal_pb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as internal_grpc
from connectability.v1 import common_pb2
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from shared.facts.errors import ErrorReason, Unavailable

_LEVELS = {
    common_pb2.PERMISSION_LEVEL_NONE: "none",
    common_pb2.PERMISSION_LEVEL_READ_ONLY: "read_only",
    common_pb2.PERMISSION_LEVEL_STANDARD: "standard",
    common_pb2.PERMISSION_LEVEL_ADMIN: "admin",
}


def _unavailable(error: grpc.RpcError) -> Unavailable:
    return Unavailable(
        ErrorReason.DRAWING_SERVICE_UNAVAILABLE,
        "The drawing service could not be asked; try again shortly.",
        {"code": error.code().name},  # type: ignore[attr-defined]
    )


class DrawingFacts:
    def __init__(
        self,
        drawing: drawing_grpc.DrawingServiceStub,
        drawing_internal: internal_grpc.DrawingInternalServiceStub,
    ):
        self._drawing = drawing
        self._internal = drawing_internal

    def drawings_level(self, project_id: str, user_id: str) -> str:
        try:
            answer = self._drawing.GetDrawingsPermission(
                drawing_pb.GetDrawingsPermissionRequest(project_id=project_id, user_id=user_id)
            )
        except grpc.RpcError as error:
            raise _unavailable(error) from error
        return _LEVELS.get(answer.permission.level, "none")

    def revision_count(self, project_id: str) -> int:
        return int(self._counts(project_id).revision_count)

    def published_revision_count(self, project_id: str) -> int:
        """What an initial copy of the project would copy now (R14)."""
        return int(self._counts(project_id).published_revision_count)

    def _counts(self, project_id: str) -> internal_pb.CountProjectRevisionsResponse:
        try:
            return self._internal.CountProjectRevisions(  # type: ignore[no-any-return]
                internal_pb.CountProjectRevisionsRequest(project_id=project_id)
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                # Not told about the project yet: it holds nothing there.
                return internal_pb.CountProjectRevisionsResponse()
            raise _unavailable(error) from error

    def projects_readable_by(self, user_id: str) -> list[str]:
        """Every project where the user holds Drawings read_only or higher."""
        found: list[str] = []
        token = ""
        while True:
            try:
                page = self._drawing.ListDrawingsPermissions(
                    drawing_pb.ListDrawingsPermissionsRequest(
                        user_id=user_id, page_size=500, page_token=token
                    )
                )
            except grpc.RpcError as error:
                raise _unavailable(error) from error
            found += [p.project_id for p in page.permissions if _LEVELS.get(p.level) != "none"]
            token = page.next_page_token
            if not token:
                return found
