"""The DrawingService and DrawingInternalService gRPC servicer: translation between the wire
and the drawing domain (one object serves both, on one port).

Built so far: the projects it serves (told from above), Drawings permissions, drawing
areas, sets and drawings, the change feed, and (in their own modules) revisions, files and
the sync engine's copy and apply. Every other RPC of the contract answers
UNIMPLEMENTED (inherited) until its issue lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from services.drawing.api import drawing_messages as messages
from services.drawing.api.servicer_state import DrawingServicerState
from services.drawing.catalog import existing
from services.drawing.domain import access_policy
from services.drawing.drawings_access import ADMIN, READ_ONLY, STANDARD, hidden
from services.drawing.file_rpcs import FileRpcs
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingSet,
    DrawingsGrant,
)
from shared.facts.errors import ErrorReason, InvalidArgument, PermissionDenied
from shared.facts.identity import Principal, current_principal
from shared.persistence.etags import locked_at_etag
from shared.runtime.permission_messages import level_from_message, level_to_message
from shared.runtime.request_checks import masked_changes, require_fields, required_id
from shared.runtime.timestamps import timestamp_of


def _permission_message(
    project_id: str, user_id: str, level: str, grant: Any
) -> pb.DrawingsPermission:
    message = pb.DrawingsPermission(
        project_id=project_id, user_id=user_id, level=level_to_message(level)
    )
    if grant is not None:
        message.update_time.CopyFrom(timestamp_of(grant.updated_at))
    return message


def _grant_message(grant: DrawingsGrant) -> pb.DrawingsPermission:
    return _permission_message(grant.project_id, grant.user_id, grant.level, grant)


class DrawingServicer(
    FileRpcs,
    DrawingServicerState,
    pb_grpc.DrawingServiceServicer,
):
    def SetDrawingsPermission(
        self, request: pb.SetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.SetDrawingsPermissionResponse:
        caller = access_policy.admit("SetDrawingsPermission")
        require_fields(request, "project_id", "user_id")
        level = level_from_message(request.level)
        # R33: a Drawings admin grants Drawings levels on their project, to anyone; never
        # another tool's levels nor another project's, so a grant cannot escalate further.
        # Access is managed on inactive projects too: it is not the project's content.
        self._access.require(caller, request.project_id, ADMIN)

        def grant(session: Any) -> pb.SetDrawingsPermissionResponse:
            self._permissions.set_level(request.project_id, request.user_id, level, session)
            stored = session.get(DrawingsGrant, (request.project_id, request.user_id))
            return pb.SetDrawingsPermissionResponse(
                permission=_permission_message(request.project_id, request.user_id, level, stored)
            )

        return self._idempotent.run(
            "SetDrawingsPermission", request, pb.SetDrawingsPermissionResponse, grant
        )

    def GetDrawingsPermission(
        self, request: pb.GetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingsPermissionResponse:
        caller = access_policy.admit("GetDrawingsPermission")
        require_fields(request, "project_id", "user_id")
        # Anyone reads their own level (NONE for a project they cannot see, as for one that
        # does not exist); another user's level needs the Drawings admin level (R33).
        if caller.user_id and request.user_id != caller.user_id:  # systems read any level
            self._access.require(caller, request.project_id, ADMIN)
        level = self._permissions.level_of(request.project_id, request.user_id)
        return pb.GetDrawingsPermissionResponse(
            permission=_permission_message(request.project_id, request.user_id, level, None)
        )

    def ListDrawingsPermissions(
        self, request: pb.ListDrawingsPermissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingsPermissionsResponse:
        caller = access_policy.admit("ListDrawingsPermissions")
        if not request.project_id and not request.user_id:
            raise InvalidArgument(ErrorReason.FILTER_REQUIRED, "project_id or user_id is required.")
        user_id = self._listable_user(caller, request.project_id, request.user_id)
        if request.project_id and user_id:
            grant = self._permissions.grant_of(request.project_id, user_id)
            grants, next_token = ([grant] if grant is not None else []), ""
        elif request.project_id:
            grants, next_token = self._permissions.list_levels(
                request.project_id, request.page_size, request.page_token
            )
        else:
            grants, next_token = self._permissions.list_levels_of_user(
                user_id, request.page_size, request.page_token
            )
        return pb.ListDrawingsPermissionsResponse(
            permissions=[_grant_message(grant) for grant in grants], next_page_token=next_token
        )

    def _listable_user(self, caller: Principal, project_id: str, user_id: str) -> str:
        """The user whose grants the caller may list ("" = everyone's on the project).

        Systems list anything. A person lists their own grants anywhere; on a project whose
        Drawings tool they administer, anyone's; elsewhere they see their own row only.
        """
        if not caller.user_id or user_id == caller.user_id:
            return user_id
        if not project_id:
            raise PermissionDenied(
                ErrorReason.PERMISSION_DENIED, "Only the platform lists another user's grants."
            )
        if self._access.level_of(caller, project_id) == ADMIN:
            self._access.require(caller, project_id, ADMIN)  # R31 for integrators
            return user_id
        if user_id:  # someone else's grant on a project the caller does not administer
            self._access.require(caller, project_id, ADMIN)
        return caller.user_id

    # Areas

    def CreateDrawingArea(
        self, request: pb.CreateDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingAreaResponse:
        area = request.drawing_area
        require_fields(area, "project_id")
        self._access.require_to_change(current_principal(), area.project_id, ADMIN)
        name = messages.required_text(area.name, "drawing_area.name")
        description = messages.bounded_text(area.description, "drawing_area.description", 4000)

        def create(session: Session) -> pb.CreateDrawingAreaResponse:
            created = self._catalog.create_area(session, area.project_id, name, description)
            return pb.CreateDrawingAreaResponse(drawing_area=messages.area_message(created))

        return self._idempotent.run(
            "CreateDrawingArea", request, pb.CreateDrawingAreaResponse, create
        )

    def GetDrawingArea(
        self, request: pb.GetDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingAreaResponse:
        area = self._visible(DrawingArea, "drawing_area", request.drawing_area_id)
        return pb.GetDrawingAreaResponse(drawing_area=messages.area_message(area))

    def ListDrawingAreas(
        self, request: pb.ListDrawingAreasRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingAreasResponse:
        self._access.require(current_principal(), request.project_id, READ_ONLY)
        with self._sessions() as session:
            areas, token = self._catalog.list_areas(
                session, request.project_id, request.page_size, request.page_token
            )
            return pb.ListDrawingAreasResponse(
                drawing_areas=[messages.area_message(area) for area in areas],
                next_page_token=token,
            )

    def UpdateDrawingArea(
        self, request: pb.UpdateDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingAreaResponse:
        wanted = request.drawing_area
        known = self._visible(DrawingArea, "drawing_area", wanted.id)
        self._access.require_to_change(
            current_principal(), known.project_id, ADMIN, ("drawing_area", wanted.id)
        )
        changes = masked_changes(
            "drawing_area",
            request.update_mask.paths,
            {
                "name": lambda: messages.required_text(wanted.name, "drawing_area.name"),
                "description": lambda: messages.bounded_text(
                    wanted.description, "drawing_area.description", 4000
                ),
            },
        )

        def update(session: Session) -> pb.UpdateDrawingAreaResponse:
            area = locked_at_etag(session, DrawingArea, "drawing_area", wanted.id, wanted.etag)
            updated = self._catalog.update_area(session, area, changes)
            return pb.UpdateDrawingAreaResponse(drawing_area=messages.area_message(updated))

        return self._idempotent.run(
            "UpdateDrawingArea", request, pb.UpdateDrawingAreaResponse, update
        )

    # Sets

    def CreateDrawingSet(
        self, request: pb.CreateDrawingSetRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingSetResponse:
        wanted = request.drawing_set
        require_fields(wanted, "project_id")
        self._access.require_to_change(current_principal(), wanted.project_id, ADMIN)
        name = messages.required_text(wanted.name, "drawing_set.name")
        set_date = messages.parse_date(wanted.set_date, "drawing_set.set_date")

        def create(session: Session) -> pb.CreateDrawingSetResponse:
            created = self._catalog.create_set(session, wanted.project_id, name, set_date)
            return pb.CreateDrawingSetResponse(drawing_set=messages.set_message(created))

        return self._idempotent.run(
            "CreateDrawingSet", request, pb.CreateDrawingSetResponse, create
        )

    def ListDrawingSets(
        self, request: pb.ListDrawingSetsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingSetsResponse:
        self._access.require(current_principal(), request.project_id, READ_ONLY)
        with self._sessions() as session:
            sets, token = self._catalog.list_sets(
                session, request.project_id, request.page_size, request.page_token
            )
            return pb.ListDrawingSetsResponse(
                drawing_sets=[messages.set_message(drawing_set) for drawing_set in sets],
                next_page_token=token,
            )

    def UpdateDrawingSet(
        self, request: pb.UpdateDrawingSetRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingSetResponse:
        wanted = request.drawing_set
        known = self._visible(DrawingSet, "drawing_set", wanted.id)
        self._access.require_to_change(
            current_principal(), known.project_id, ADMIN, ("drawing_set", wanted.id)
        )
        changes = masked_changes(
            "drawing_set",
            request.update_mask.paths,
            {
                "name": lambda: messages.required_text(wanted.name, "drawing_set.name"),
                "set_date": lambda: messages.parse_date(wanted.set_date, "drawing_set.set_date"),
            },
        )

        def update(session: Session) -> pb.UpdateDrawingSetResponse:
            drawing_set = locked_at_etag(session, DrawingSet, "drawing_set", wanted.id, wanted.etag)
            updated = self._catalog.update_set(session, drawing_set, changes)
            return pb.UpdateDrawingSetResponse(drawing_set=messages.set_message(updated))

        return self._idempotent.run(
            "UpdateDrawingSet", request, pb.UpdateDrawingSetResponse, update
        )

    # Drawings

    def CreateDrawing(
        self, request: pb.CreateDrawingRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingResponse:
        wanted = request.drawing
        area = self._visible(DrawingArea, "drawing_area", wanted.area_id)
        if wanted.project_id and wanted.project_id != area.project_id:
            raise hidden("drawing_area", wanted.area_id)  # an area of another project
        # Creating a drawing is the first step of uploading one (seed 002): standard may.
        self._access.require_to_change(
            current_principal(), area.project_id, STANDARD, ("drawing_area", area.id)
        )
        number = messages.required_text(wanted.number, "drawing.number")
        discipline = messages.required_text(wanted.discipline, "drawing.discipline")
        title = messages.bounded_text(wanted.title, "drawing.title")

        def create(session: Session) -> pb.CreateDrawingResponse:
            in_session = existing(session, DrawingArea, "drawing_area", area.id)
            created = self._catalog.create_drawing(session, in_session, number, title, discipline)
            return pb.CreateDrawingResponse(drawing=messages.drawing_message(created))

        return self._idempotent.run("CreateDrawing", request, pb.CreateDrawingResponse, create)

    def GetDrawing(
        self, request: pb.GetDrawingRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingResponse:
        drawing = self._visible(Drawing, "drawing", request.drawing_id)
        return pb.GetDrawingResponse(drawing=messages.drawing_message(drawing))

    def ListDrawings(
        self, request: pb.ListDrawingsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingsResponse:
        area = self._visible(DrawingArea, "drawing_area", request.area_id)
        with self._sessions() as session:
            drawings, token = self._catalog.list_drawings(
                session, area.id, request.page_size, request.page_token
            )
            return pb.ListDrawingsResponse(
                drawings=[messages.drawing_message(drawing) for drawing in drawings],
                next_page_token=token,
            )

    def UpdateDrawing(
        self, request: pb.UpdateDrawingRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingResponse:
        wanted = request.drawing
        known = self._visible(Drawing, "drawing", wanted.id)
        self._access.require_to_change(
            current_principal(), known.project_id, ADMIN, ("drawing", wanted.id)
        )
        changes = masked_changes(
            "drawing",
            request.update_mask.paths,
            {
                "number": lambda: messages.required_text(wanted.number, "drawing.number"),
                "title": lambda: messages.bounded_text(wanted.title, "drawing.title"),
                "discipline": lambda: messages.required_text(
                    wanted.discipline, "drawing.discipline"
                ),
            },
        )

        def update(session: Session) -> pb.UpdateDrawingResponse:
            drawing = locked_at_etag(session, Drawing, "drawing", wanted.id, wanted.etag)
            updated = self._catalog.update_drawing(session, drawing, changes)
            return pb.UpdateDrawingResponse(drawing=messages.drawing_message(updated))

        return self._idempotent.run("UpdateDrawing", request, pb.UpdateDrawingResponse, update)

    # The change feed

    def ListProjectChanges(
        self, request: pb.ListProjectChangesRequest, context: grpc.ServicerContext
    ) -> pb.ListProjectChangesResponse:
        caller = access_policy.admit("ListProjectChanges")
        self._access.require(caller, required_id(request.project_id, "project_id"), READ_ONLY)
        changes, token = self._feed.page(
            request.project_id, request.after_sequence, request.page_size, request.page_token
        )
        return pb.ListProjectChangesResponse(changes=changes, next_page_token=token)

    def WatchProjectChanges(
        self, request: pb.WatchProjectChangesRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchProjectChangesResponse]:
        caller = access_policy.admit("WatchProjectChanges")
        self._access.require(caller, required_id(request.project_id, "project_id"), READ_ONLY)
        last = request.after_sequence
        while context.is_active():
            generation = self._feed.generation
            batch = self._feed.changes_after(request.project_id, last, WATCH_BATCH)
            for change in batch:
                yield pb.WatchProjectChangesResponse(change=change)
                last = change.sequence
            if len(batch) < WATCH_BATCH:
                # Woken by a commit in this process; the timeout catches other processes'.
                self._feed.wait_for_news(generation, WATCH_FALLBACK_SECONDS)


WATCH_BATCH = 500
WATCH_FALLBACK_SECONDS = 1.0
