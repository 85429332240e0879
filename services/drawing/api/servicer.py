"""The DrawingService gRPC servicer: each method admits the caller, reads the request, calls
one use case and builds the reply. The rules live in the use cases and the domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc

from connectability.v1 import drawing_service_pb2 as pb
from connectability.v1 import drawing_service_pb2_grpc as pb_grpc
from services.drawing.api import request_messages
from services.drawing.domain import access_policy
from services.drawing.store import resource_messages as messages
from services.drawing.store.repositories import RevisionFilter
from services.drawing.use_cases.annotations import AnnotationUseCases
from services.drawing.use_cases.catalog import CatalogUseCases, Edit
from services.drawing.use_cases.files import FileUseCases
from services.drawing.use_cases.permissions import DrawingsPermissionsUseCases
from services.drawing.use_cases.project_changes import (
    ProjectChangesUseCases,
)
from services.drawing.use_cases.revisions import RevisionUseCases
from services.drawing.use_cases.uploads import DrawingUploadRequest, DrawingUploadUseCases
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.permission_messages import level_from_message
from shared.runtime.request_checks import require_fields, required_id


@dataclass(frozen=True)
class DrawingUseCases:
    """The use cases the public API calls, one object per part of the Drawings tool."""

    permissions: DrawingsPermissionsUseCases
    catalog: CatalogUseCases
    revisions: RevisionUseCases
    uploads: DrawingUploadUseCases
    annotations: AnnotationUseCases
    files: FileUseCases
    changes: ProjectChangesUseCases


class DrawingServicer(pb_grpc.DrawingServiceServicer):
    def __init__(
        self,
        use_cases: DrawingUseCases,
        idempotent_calls: IdempotentCalls,
    ) -> None:
        self.idempotent_calls = idempotent_calls
        self._permissions = use_cases.permissions
        self._catalog = use_cases.catalog
        self._revisions = use_cases.revisions
        self._uploads = use_cases.uploads
        self._annotations = use_cases.annotations
        self._files = use_cases.files
        self._changes = use_cases.changes

    # Drawings permissions (R33)

    @idempotent(pb.SetDrawingsPermissionResponse)
    def SetDrawingsPermission(
        self, request: pb.SetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.SetDrawingsPermissionResponse:
        caller = access_policy.admit("SetDrawingsPermission")
        level = level_from_message(request.level)
        grant = self._permissions.set_level(caller, request.project_id, request.user_id, level)
        return pb.SetDrawingsPermissionResponse(
            permission=request_messages.permission_message(
                request.project_id, request.user_id, level, grant
            )
        )

    def GetDrawingsPermission(
        self, request: pb.GetDrawingsPermissionRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingsPermissionResponse:
        caller = access_policy.admit("GetDrawingsPermission")
        level = self._permissions.level_of(caller, request.project_id, request.user_id)
        return pb.GetDrawingsPermissionResponse(
            permission=request_messages.permission_message(
                request.project_id, request.user_id, level, None
            )
        )

    def ListDrawingsPermissions(
        self, request: pb.ListDrawingsPermissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingsPermissionsResponse:
        caller = access_policy.admit("ListDrawingsPermissions")
        grants, token = self._permissions.list_grants(
            caller, request.project_id, request.user_id, request.page_size, request.page_token
        )
        return pb.ListDrawingsPermissionsResponse(
            permissions=[request_messages.grant_message(grant) for grant in grants],
            next_page_token=token,
        )

    # Areas

    @idempotent(pb.CreateDrawingAreaResponse)
    def CreateDrawingArea(
        self, request: pb.CreateDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingAreaResponse:
        caller = access_policy.admit("CreateDrawingArea")
        wanted = request.drawing_area
        require_fields(wanted, "project_id")
        area = self._catalog.create_area(
            caller, wanted.project_id, lambda: request_messages.area_fields(wanted)
        )
        return pb.CreateDrawingAreaResponse(drawing_area=messages.area_message(area))

    def GetDrawingArea(
        self, request: pb.GetDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingAreaResponse:
        caller = access_policy.admit("GetDrawingArea")
        area = self._catalog.get_area(caller, request.drawing_area_id)
        return pb.GetDrawingAreaResponse(drawing_area=messages.area_message(area))

    def ListDrawingAreas(
        self, request: pb.ListDrawingAreasRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingAreasResponse:
        caller = access_policy.admit("ListDrawingAreas")
        areas, token = self._catalog.list_areas(
            caller, request.project_id, request.page_size, request.page_token
        )
        return pb.ListDrawingAreasResponse(
            drawing_areas=[messages.area_message(area) for area in areas], next_page_token=token
        )

    @idempotent(pb.UpdateDrawingAreaResponse)
    def UpdateDrawingArea(
        self, request: pb.UpdateDrawingAreaRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingAreaResponse:
        caller = access_policy.admit("UpdateDrawingArea")
        wanted = request.drawing_area
        edit = Edit(wanted.id, wanted.etag, lambda: request_messages.area_changes(request))
        area = self._catalog.update_area(caller, edit)
        return pb.UpdateDrawingAreaResponse(drawing_area=messages.area_message(area))

    # Sets

    @idempotent(pb.CreateDrawingSetResponse)
    def CreateDrawingSet(
        self, request: pb.CreateDrawingSetRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingSetResponse:
        caller = access_policy.admit("CreateDrawingSet")
        wanted = request.drawing_set
        require_fields(wanted, "project_id")
        drawing_set = self._catalog.create_set(
            caller, wanted.project_id, lambda: request_messages.set_fields(wanted)
        )
        return pb.CreateDrawingSetResponse(drawing_set=messages.set_message(drawing_set))

    def ListDrawingSets(
        self, request: pb.ListDrawingSetsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingSetsResponse:
        caller = access_policy.admit("ListDrawingSets")
        sets, token = self._catalog.list_sets(
            caller, request.project_id, request.page_size, request.page_token
        )
        return pb.ListDrawingSetsResponse(
            drawing_sets=[messages.set_message(drawing_set) for drawing_set in sets],
            next_page_token=token,
        )

    @idempotent(pb.UpdateDrawingSetResponse)
    def UpdateDrawingSet(
        self, request: pb.UpdateDrawingSetRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingSetResponse:
        caller = access_policy.admit("UpdateDrawingSet")
        wanted = request.drawing_set
        edit = Edit(wanted.id, wanted.etag, lambda: request_messages.set_changes(request))
        drawing_set = self._catalog.update_set(caller, edit)
        return pb.UpdateDrawingSetResponse(drawing_set=messages.set_message(drawing_set))

    # Drawings

    @idempotent(pb.CreateDrawingResponse)
    def CreateDrawing(
        self, request: pb.CreateDrawingRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingResponse:
        caller = access_policy.admit("CreateDrawing")
        wanted = request.drawing
        drawing = self._catalog.create_drawing(
            caller,
            wanted.area_id,
            wanted.project_id,
            lambda: request_messages.drawing_fields(wanted),
        )
        return pb.CreateDrawingResponse(drawing=messages.drawing_message(drawing))

    def GetDrawing(
        self, request: pb.GetDrawingRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingResponse:
        caller = access_policy.admit("GetDrawing")
        drawing = self._catalog.get_drawing(caller, request.drawing_id)
        return pb.GetDrawingResponse(drawing=messages.drawing_message(drawing))

    def ListDrawings(
        self, request: pb.ListDrawingsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingsResponse:
        caller = access_policy.admit("ListDrawings")
        drawings, token = self._catalog.list_drawings(
            caller, request.area_id, request.page_size, request.page_token
        )
        return pb.ListDrawingsResponse(
            drawings=[messages.drawing_message(drawing) for drawing in drawings],
            next_page_token=token,
        )

    @idempotent(pb.UpdateDrawingResponse)
    def UpdateDrawing(
        self, request: pb.UpdateDrawingRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingResponse:
        caller = access_policy.admit("UpdateDrawing")
        wanted = request.drawing
        edit = Edit(wanted.id, wanted.etag, lambda: request_messages.drawing_changes(request))
        drawing = self._catalog.update_drawing(caller, edit)
        return pb.UpdateDrawingResponse(drawing=messages.drawing_message(drawing))

    # Revisions

    def GetDrawingRevision(
        self, request: pb.GetDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingRevisionResponse:
        caller = access_policy.admit("GetDrawingRevision")
        revision = self._revisions.get(caller, request.revision_id)
        return pb.GetDrawingRevisionResponse(revision=revision)

    def ListDrawingRevisions(
        self, request: pb.ListDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingRevisionsResponse:
        caller = access_policy.admit("ListDrawingRevisions")
        wanted = RevisionFilter(
            project_id=request.project_id,
            area_id=request.area_id,
            set_id=request.set_id,
            drawing_id=request.drawing_id,
            connection_id=request.connection_id,
            upstream_revision_id=request.upstream_revision_id,
            status=request_messages.revision_status_of(request.status),
        )
        revisions, token = self._revisions.page(
            caller, wanted, request.page_size, request.page_token
        )
        return pb.ListDrawingRevisionsResponse(revisions=revisions, next_page_token=token)

    @idempotent(pb.ConfirmDrawingRevisionsResponse)
    def ConfirmDrawingRevisions(
        self, request: pb.ConfirmDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.ConfirmDrawingRevisionsResponse:
        caller = access_policy.admit("ConfirmDrawingRevisions")
        revisions = self._revisions.confirm(caller, request.project_id, list(request.revision_ids))
        return pb.ConfirmDrawingRevisionsResponse(revisions=revisions)

    @idempotent(pb.PublishDrawingRevisionsResponse)
    def PublishDrawingRevisions(
        self, request: pb.PublishDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.PublishDrawingRevisionsResponse:
        caller = access_policy.admit("PublishDrawingRevisions")
        revisions = self._revisions.publish(caller, request.set_id, list(request.revision_ids))
        return pb.PublishDrawingRevisionsResponse(revisions=revisions)

    @idempotent(pb.SetCurrentDrawingRevisionResponse)
    def SetCurrentDrawingRevision(
        self, request: pb.SetCurrentDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.SetCurrentDrawingRevisionResponse:
        caller = access_policy.admit("SetCurrentDrawingRevision")
        revision = self._revisions.make_current(caller, request.revision_id)
        return pb.SetCurrentDrawingRevisionResponse(revision=revision)

    @idempotent(pb.UpdateDrawingRevisionResponse)
    def UpdateDrawingRevision(
        self, request: pb.UpdateDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingRevisionResponse:
        caller = access_policy.admit("UpdateDrawingRevision")
        wanted = request.revision
        edit = Edit(wanted.id, wanted.etag, lambda: request_messages.revision_changes(request))
        return pb.UpdateDrawingRevisionResponse(revision=self._revisions.update(caller, edit))

    @idempotent(pb.WithdrawDrawingRevisionResponse)
    def WithdrawDrawingRevision(
        self, request: pb.WithdrawDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.WithdrawDrawingRevisionResponse:
        caller = access_policy.admit("WithdrawDrawingRevision")
        revision = self._revisions.withdraw(caller, request.revision_id)
        return pb.WithdrawDrawingRevisionResponse(revision=revision)

    @idempotent(pb.DeleteDrawingRevisionResponse)
    def DeleteDrawingRevision(
        self, request: pb.DeleteDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.DeleteDrawingRevisionResponse:
        caller = access_policy.admit("DeleteDrawingRevision")
        self._revisions.delete(caller, request.revision_id)
        return pb.DeleteDrawingRevisionResponse()

    # Drawing uploads (R28)

    @idempotent(pb.CreateDrawingUploadResponse)
    def CreateDrawingUpload(
        self, request: pb.CreateDrawingUploadRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingUploadResponse:
        caller = access_policy.admit("CreateDrawingUpload")
        wanted = DrawingUploadRequest(
            project_id=request.project_id,
            area_id=request.drawing_area_id,
            set_id=request.drawing_set_id,
            checked_imports=lambda: request_messages.revision_imports(request),
        )
        queued = self._uploads.queue(caller, wanted)
        return pb.CreateDrawingUploadResponse(
            drawing_upload=request_messages.upload_message(queued.batch, queued.imports)
        )

    def GetDrawingUpload(
        self, request: pb.GetDrawingUploadRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingUploadResponse:
        caller = access_policy.admit("GetDrawingUpload")
        found = self._uploads.get(caller, request.drawing_upload_id)
        return pb.GetDrawingUploadResponse(
            drawing_upload=request_messages.upload_message(found.batch, found.imports)
        )

    # Markups and custom fields (never copied downstream, R16)

    @idempotent(pb.CreateMarkupResponse)
    def CreateMarkup(
        self, request: pb.CreateMarkupRequest, context: grpc.ServicerContext
    ) -> pb.CreateMarkupResponse:
        caller = access_policy.admit("CreateMarkup")
        wanted = request.markup
        revision_id = required_id(wanted.revision_id, "markup.revision_id")
        markup = self._annotations.add_markup(
            caller, revision_id, lambda: request_messages.markup_fields(wanted)
        )
        return pb.CreateMarkupResponse(markup=request_messages.markup_message(markup))

    def ListMarkups(
        self, request: pb.ListMarkupsRequest, context: grpc.ServicerContext
    ) -> pb.ListMarkupsResponse:
        caller = access_policy.admit("ListMarkups")
        markups, token = self._annotations.markups(
            caller, request.revision_id, request.page_size, request.page_token
        )
        return pb.ListMarkupsResponse(
            markups=[request_messages.markup_message(markup) for markup in markups],
            next_page_token=token,
        )

    @idempotent(pb.SetCustomFieldResponse)
    def SetCustomField(
        self, request: pb.SetCustomFieldRequest, context: grpc.ServicerContext
    ) -> pb.SetCustomFieldResponse:
        caller = access_policy.admit("SetCustomField")
        wanted = request.custom_field  # its value's limit (1,000 characters) is the contract's
        name = self._annotations.set_custom_field(
            caller,
            request.revision_id,
            lambda: request_messages.required_text(wanted.name, "custom_field.name"),
            wanted.value,
        )
        return pb.SetCustomFieldResponse(custom_field=pb.CustomField(name=name, value=wanted.value))

    def ListCustomFields(
        self, request: pb.ListCustomFieldsRequest, context: grpc.ServicerContext
    ) -> pb.ListCustomFieldsResponse:
        caller = access_policy.admit("ListCustomFields")
        fields, token = self._annotations.custom_fields(
            caller, request.revision_id, request.page_size, request.page_token
        )
        return pb.ListCustomFieldsResponse(
            custom_fields=[pb.CustomField(name=f.name, value=f.value) for f in fields],
            next_page_token=token,
        )

    # Files: direct uploads and downloads

    def CreateUpload(
        self, request: pb.CreateUploadRequest, context: grpc.ServicerContext
    ) -> pb.CreateUploadResponse:
        # No request_id in the contract: each call hands out a new upload.
        caller = access_policy.admit("CreateUpload")
        form = self._files.create_upload(
            caller, request.project_id, request.response_filename, request.response_content_type
        )
        return request_messages.upload_form_message(form)

    def GetRevisionDownload(
        self, request: pb.GetRevisionDownloadRequest, context: grpc.ServicerContext
    ) -> pb.GetRevisionDownloadResponse:
        caller = access_policy.admit("GetRevisionDownload")
        return request_messages.download_message(
            self._files.download_link(caller, request.revision_id)
        )

    def DownloadRevisionFile(
        self, request: pb.DownloadRevisionFileRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.DownloadRevisionFileResponse]:
        caller = access_policy.admit("DownloadRevisionFile")
        for chunk in self._files.file_chunks(caller, request.revision_id):
            yield pb.DownloadRevisionFileResponse(
                data=chunk.data, sha256=chunk.sha256, size_bytes=chunk.size_bytes
            )

    # The change feed (public: an integrator's incremental sync reads it like ours)

    def ListProjectChanges(
        self, request: pb.ListProjectChangesRequest, context: grpc.ServicerContext
    ) -> pb.ListProjectChangesResponse:
        caller = access_policy.admit("ListProjectChanges")
        changes, token = self._changes.page(
            caller,
            request.project_id,
            request.after_sequence,
            request.page_size,
            request.page_token,
        )
        return pb.ListProjectChangesResponse(changes=changes, next_page_token=token)

    def WatchProjectChanges(
        self, request: pb.WatchProjectChangesRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchProjectChangesResponse]:
        caller = access_policy.admit("WatchProjectChanges")
        changes = self._changes.watch(
            caller, request.project_id, request.after_sequence, context.is_active
        )
        for change in changes:
            yield pb.WatchProjectChangesResponse(change=change)
