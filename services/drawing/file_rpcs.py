"""DrawingService RPCs about files: direct uploads (seed 002) and revision downloads.

The bytes never pass through gRPC on the way in: ``CreateUpload`` hands out a signed,
expiring policy and the client POSTs the file to the storage endpoint. On the way out a
revision's file can be fetched through a signed link or streamed over gRPC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import grpc

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.annotation_rpcs import AnnotationRpcs
from services.drawing.domain.file_names import InvalidFileName, check_file_name
from services.drawing.drawings_access import STANDARD
from services.drawing.store.files.download_links import download_url
from services.drawing.store.files.http_endpoint import UPLOADS_PATH
from services.drawing.store.files.policy import issue_upload_fields, media_type, new_upload_policy
from services.drawing.store.models import StoredFile, Upload
from shared.facts.errors import ErrorReason, InvalidArgument, NotFound
from shared.facts.identity import current_principal
from shared.persistence.db import new_id, utcnow
from shared.runtime.request_checks import required_id

DOWNLOAD_CHUNK_BYTES = 256 * 1024
DEFAULT_CONTENT_TYPE = "application/pdf"


class FileRpcs(AnnotationRpcs):
    def CreateUpload(
        self, request: pb.CreateUploadRequest, context: grpc.ServicerContext
    ) -> pb.CreateUploadResponse:
        caller = current_principal()
        project_id = required_id(request.project_id, "project_id")
        self._access.require_to_change(caller, project_id, STANDARD)
        try:
            check_file_name(request.response_filename)
        except InvalidFileName as refused:
            raise InvalidArgument(refused.reason_value, refused.message) from refused
        content_type = media_type(request.response_content_type or DEFAULT_CONTENT_TYPE)
        if "/" not in content_type:
            raise InvalidArgument(
                ErrorReason.INVALID_CONTENT_TYPE, "response_content_type must be a media type."
            )
        files = self._files
        policy = new_upload_policy(
            new_id(),
            project_id,
            content_type,
            files.upload_max_bytes,
            utcnow(),
            files.upload_policy_ttl_seconds,
        )
        with self._sessions.begin() as session:
            session.add(
                Upload(
                    uuid=policy.upload_uuid,
                    project_id=project_id,
                    response_filename=request.response_filename,
                    content_type=content_type,
                    max_bytes=policy.max_bytes,
                    expires_at=policy.expires_at,
                    created_by=caller.describe(),
                )
            )
        response = pb.CreateUploadResponse(
            uuid=policy.upload_uuid,
            url=files.public_url + UPLOADS_PATH,
            fields=issue_upload_fields(policy, files.secret),
        )
        response.expire_time.FromDatetime(policy.expires_at)
        return response

    def GetRevisionDownload(
        self, request: pb.GetRevisionDownloadRequest, context: grpc.ServicerContext
    ) -> pb.GetRevisionDownloadResponse:
        revision = self._revision_for(request.revision_id)
        stored = self._stored_file(revision.file_sha256)
        files = self._files
        expires_at = utcnow() + timedelta(seconds=files.download_url_ttl_seconds)
        response = pb.GetRevisionDownloadResponse(
            url=download_url(
                files.public_url,
                revision.id,
                stored.sha256,
                revision.file_name,
                expires_at,
                files.secret,
            ),
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
        )
        response.expire_time.FromDatetime(expires_at.replace(microsecond=0))
        return response

    def DownloadRevisionFile(
        self, request: pb.DownloadRevisionFileRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.DownloadRevisionFileResponse]:
        revision = self._revision_for(request.revision_id)
        stored = self._stored_file(revision.file_sha256)
        files = self._files
        first = True
        with files.file_store.open(stored.sha256) as handle:
            while chunk := handle.read(DOWNLOAD_CHUNK_BYTES):
                if first:
                    yield pb.DownloadRevisionFileResponse(
                        data=chunk, sha256=stored.sha256, size_bytes=stored.size_bytes
                    )
                    first = False
                else:
                    yield pb.DownloadRevisionFileResponse(data=chunk)

    def _stored_file(self, sha256: str) -> StoredFile:
        with self._sessions() as session:
            stored = session.get(StoredFile, sha256)
        if stored is None:  # a revision always points at a stored file (foreign key)
            raise NotFound(
                ErrorReason.FILE_NOT_FOUND, "The revision's file is missing from the store."
            )
        return stored
