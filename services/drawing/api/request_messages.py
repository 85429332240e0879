"""DrawingService requests and replies beyond the records themselves (drawing_messages):
the readers that check what a caller sends, and the replies about permissions, uploads,
markups and files.

The readers run inside the use cases, once the caller may act: a caller who may not see a
project learns nothing from how a request about it is refused (R27).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.dates import parse_date
from services.drawing.domain.revision_states import DrawingUploadStatus, RevisionStatus
from services.drawing.store.models import (
    DrawingsGrant,
    DrawingUpload,
    DrawingUploadImport,
    Markup,
)
from services.drawing.use_cases.annotations import MarkupFields
from services.drawing.use_cases.catalog import AreaFields, DrawingFields, SetFields
from services.drawing.use_cases.files import DownloadLink, UploadForm
from services.drawing.use_cases.revision_steps import MAX_IMPORTS, RevisionImport
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.runtime.permission_messages import level_to_message
from shared.runtime.request_checks import masked_changes
from shared.runtime.timestamps import timestamp_of

# Stricter than the contract's 255: the longest revision number we store.
REVISION_NUMBER_LENGTH = 64

MAX_TEXT_LENGTH = 255


def required_text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, f"{field} is required.")
    return bounded_text(text, field)


def bounded_text(value: str, field: str, limit: int = MAX_TEXT_LENGTH) -> str:
    if len(value) > limit:
        raise InvalidArgument(
            ErrorReason.FIELD_TOO_LONG, f"{field} is longer than {limit} characters."
        )
    return value


# Permissions


def permission_message(
    project_id: str, user_id: str, level: str, grant: DrawingsGrant | None
) -> pb.DrawingsPermission:
    message = pb.DrawingsPermission(
        project_id=project_id, user_id=user_id, level=level_to_message(level)
    )
    if grant is not None:
        message.update_time.CopyFrom(timestamp_of(grant.updated_at))
    return message


def grant_message(grant: DrawingsGrant) -> pb.DrawingsPermission:
    return permission_message(grant.project_id, grant.user_id, grant.level, grant)


# What callers send: checked once the caller may act (the use cases call these readers)


def area_fields(area: pb.DrawingArea) -> AreaFields:
    return AreaFields(required_text(area.name, "drawing_area.name"), area.description)


def area_changes(request: pb.UpdateDrawingAreaRequest) -> Mapping[str, object]:
    wanted = request.drawing_area
    return masked_changes(
        "drawing_area",
        request.update_mask.paths,
        {
            "name": lambda: required_text(wanted.name, "drawing_area.name"),
            "description": lambda: wanted.description,
        },
    )


def set_fields(drawing_set: pb.DrawingSet) -> SetFields:
    return SetFields(
        required_text(drawing_set.name, "drawing_set.name"),
        parse_date(drawing_set.set_date, "drawing_set.set_date"),
    )


def set_changes(request: pb.UpdateDrawingSetRequest) -> Mapping[str, object]:
    wanted = request.drawing_set
    return masked_changes(
        "drawing_set",
        request.update_mask.paths,
        {
            "name": lambda: required_text(wanted.name, "drawing_set.name"),
            "set_date": lambda: parse_date(wanted.set_date, "drawing_set.set_date"),
        },
    )


def drawing_fields(drawing: pb.Drawing) -> DrawingFields:
    return DrawingFields(
        number=required_text(drawing.number, "drawing.number"),
        title=drawing.title,
        discipline=required_text(drawing.discipline, "drawing.discipline"),
    )


def drawing_changes(request: pb.UpdateDrawingRequest) -> Mapping[str, object]:
    wanted = request.drawing
    return masked_changes(
        "drawing",
        request.update_mask.paths,
        {
            "number": lambda: required_text(wanted.number, "drawing.number"),
            "title": lambda: wanted.title,
            "discipline": lambda: required_text(wanted.discipline, "drawing.discipline"),
        },
    )


def revision_changes(request: pb.UpdateDrawingRevisionRequest) -> Mapping[str, object]:
    wanted = request.revision
    return masked_changes(
        "revision",
        request.update_mask.paths,
        {
            "revision_number": lambda: bounded_text(
                wanted.revision_number, "revision.revision_number", REVISION_NUMBER_LENGTH
            ),
            "drawing_date": lambda: parse_date(wanted.drawing_date, "revision.drawing_date", True),
            "received_date": lambda: parse_date(wanted.received_date, "revision.received_date"),
        },
    )


def markup_fields(markup: pb.Markup) -> MarkupFields:
    return MarkupFields(required_text(markup.kind, "markup.kind"), markup.data)


def revision_imports(request: pb.CreateDrawingUploadRequest) -> list[RevisionImport]:
    """The files of a drawing upload; the contract's rules (at least one, ids and dates
    present) were checked by the validation interceptor."""
    entries = list(request.drawing_log_imports)
    if len(entries) > MAX_IMPORTS:
        raise InvalidArgument(
            ErrorReason.TOO_MANY_IMPORTS, f"At most {MAX_IMPORTS} files can be imported at once."
        )
    uuids = [entry.upload_uuid for entry in entries]
    if len(set(uuids)) != len(uuids):
        raise InvalidArgument(
            ErrorReason.DUPLICATE_IMPORT,
            "The same upload_uuid appears twice in drawing_log_imports.",
        )
    checked = []
    for index, entry in enumerate(entries):
        where = f"drawing_log_imports[{index}]"
        drawing_date = parse_date(entry.drawing_date, f"{where}.drawing_date", True)
        assert drawing_date is not None
        checked.append(
            RevisionImport(
                upload_uuid=entry.upload_uuid,
                drawing_id=entry.drawing_id,
                drawing_date=drawing_date,
                received_date=parse_date(entry.received_date, f"{where}.received_date"),
                revision_number=bounded_text(
                    entry.revision_number, f"{where}.revision_number", REVISION_NUMBER_LENGTH
                ),
            )
        )
    return checked


# Replies


_REVISION_STATUSES: dict[int, str] = {
    pb.REVISION_STATUS_PUBLISHED: RevisionStatus.PUBLISHED,
    pb.REVISION_STATUS_UNPUBLISHED: RevisionStatus.UNPUBLISHED,
}
_UPLOAD_STATUSES: dict[str, pb.DrawingUploadStatus] = {
    DrawingUploadStatus.IN_QUEUE: pb.DRAWING_UPLOAD_STATUS_IN_QUEUE,
    DrawingUploadStatus.PROCESSING: pb.DRAWING_UPLOAD_STATUS_PROCESSING,
    DrawingUploadStatus.READY_FOR_REVIEW: pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW,
    DrawingUploadStatus.FAILED: pb.DRAWING_UPLOAD_STATUS_FAILED,
}


def revision_status_of(status: int) -> str:
    """The stored status a ListDrawingRevisions filter names ("" = any)."""
    return str(_REVISION_STATUSES.get(status, ""))


def upload_message(
    batch: DrawingUpload, imports: Sequence[DrawingUploadImport]
) -> pb.DrawingUpload:
    message = pb.DrawingUpload(
        id=batch.id,
        project_id=batch.project_id,
        drawing_area_id=batch.area_id,
        drawing_set_id=batch.set_id,
        status=_UPLOAD_STATUSES[batch.status],
        revision_ids=[wanted.revision_id for wanted in imports if wanted.revision_id],
        error_message=batch.error_message,
        import_failures=[
            pb.DrawingUploadImportFailure(
                import_index=wanted.position,
                upload_uuid=wanted.upload_uuid,
                reason=wanted.failure_reason,
                message=wanted.failure_message,
            )
            for wanted in imports
            if wanted.failure_reason
        ],
    )
    message.create_time.FromDatetime(batch.created_at)
    message.update_time.FromDatetime(batch.updated_at)
    return message


def markup_message(markup: Markup) -> pb.Markup:
    message = pb.Markup(
        id=markup.id,
        revision_id=markup.revision_id,
        author_user_id=markup.author_user_id,
        kind=markup.kind,
        data=markup.data,
    )
    message.create_time.FromDatetime(markup.created_at)
    return message


def upload_form_message(form: UploadForm) -> pb.CreateUploadResponse:
    response = pb.CreateUploadResponse(uuid=form.uuid, url=form.url, fields=form.fields)
    response.expire_time.FromDatetime(form.expires_at)
    return response


def download_message(link: DownloadLink) -> pb.GetRevisionDownloadResponse:
    response = pb.GetRevisionDownloadResponse(
        url=link.url, sha256=link.sha256, size_bytes=link.size_bytes
    )
    response.expire_time.FromDatetime(link.expires_at.replace(microsecond=0))
    return response
