import datetime

from buf.validate import validate_pb2 as _validate_pb2
from connectability.v1 import common_pb2 as _common_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DrawingSetConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAWING_SET_CONNECTION_STATE_UNSPECIFIED: _ClassVar[DrawingSetConnectionState]
    DRAWING_SET_CONNECTION_STATE_NOT_CONNECTED: _ClassVar[DrawingSetConnectionState]
    DRAWING_SET_CONNECTION_STATE_CONNECTED: _ClassVar[DrawingSetConnectionState]
    DRAWING_SET_CONNECTION_STATE_DISCONNECTED: _ClassVar[DrawingSetConnectionState]

class RevisionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVISION_STATUS_UNSPECIFIED: _ClassVar[RevisionStatus]
    REVISION_STATUS_UNPUBLISHED: _ClassVar[RevisionStatus]
    REVISION_STATUS_PUBLISHED: _ClassVar[RevisionStatus]

class RevisionCurrency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVISION_CURRENCY_UNSPECIFIED: _ClassVar[RevisionCurrency]
    REVISION_CURRENCY_CURRENT: _ClassVar[RevisionCurrency]
    REVISION_CURRENCY_OBSOLETE: _ClassVar[RevisionCurrency]
    REVISION_CURRENCY_OUTDATED: _ClassVar[RevisionCurrency]

class DrawingUploadStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAWING_UPLOAD_STATUS_UNSPECIFIED: _ClassVar[DrawingUploadStatus]
    DRAWING_UPLOAD_STATUS_IN_QUEUE: _ClassVar[DrawingUploadStatus]
    DRAWING_UPLOAD_STATUS_PROCESSING: _ClassVar[DrawingUploadStatus]
    DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW: _ClassVar[DrawingUploadStatus]
    DRAWING_UPLOAD_STATUS_FAILED: _ClassVar[DrawingUploadStatus]

class ProjectChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_CHANGE_KIND_UNSPECIFIED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_REVISION_PUBLISHED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_DRAWING_EDITED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_SET_EDITED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_AREA_EDITED: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_REVISION_WITHDRAWN: _ClassVar[ProjectChangeKind]
    PROJECT_CHANGE_KIND_REVISION_DELETED: _ClassVar[ProjectChangeKind]
DRAWING_SET_CONNECTION_STATE_UNSPECIFIED: DrawingSetConnectionState
DRAWING_SET_CONNECTION_STATE_NOT_CONNECTED: DrawingSetConnectionState
DRAWING_SET_CONNECTION_STATE_CONNECTED: DrawingSetConnectionState
DRAWING_SET_CONNECTION_STATE_DISCONNECTED: DrawingSetConnectionState
REVISION_STATUS_UNSPECIFIED: RevisionStatus
REVISION_STATUS_UNPUBLISHED: RevisionStatus
REVISION_STATUS_PUBLISHED: RevisionStatus
REVISION_CURRENCY_UNSPECIFIED: RevisionCurrency
REVISION_CURRENCY_CURRENT: RevisionCurrency
REVISION_CURRENCY_OBSOLETE: RevisionCurrency
REVISION_CURRENCY_OUTDATED: RevisionCurrency
DRAWING_UPLOAD_STATUS_UNSPECIFIED: DrawingUploadStatus
DRAWING_UPLOAD_STATUS_IN_QUEUE: DrawingUploadStatus
DRAWING_UPLOAD_STATUS_PROCESSING: DrawingUploadStatus
DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW: DrawingUploadStatus
DRAWING_UPLOAD_STATUS_FAILED: DrawingUploadStatus
PROJECT_CHANGE_KIND_UNSPECIFIED: ProjectChangeKind
PROJECT_CHANGE_KIND_REVISION_PUBLISHED: ProjectChangeKind
PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED: ProjectChangeKind
PROJECT_CHANGE_KIND_DRAWING_EDITED: ProjectChangeKind
PROJECT_CHANGE_KIND_SET_EDITED: ProjectChangeKind
PROJECT_CHANGE_KIND_AREA_EDITED: ProjectChangeKind
PROJECT_CHANGE_KIND_REVISION_WITHDRAWN: ProjectChangeKind
PROJECT_CHANGE_KIND_REVISION_DELETED: ProjectChangeKind

class DrawingsPermission(_message.Message):
    __slots__ = ("project_id", "user_id", "level", "update_time")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    level: _common_pb2.PermissionLevel
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.PermissionLevel, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DrawingArea(_message.Message):
    __slots__ = ("id", "project_id", "name", "description", "connected", "connection_id", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    name: str
    description: str
    connected: bool
    connection_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., connected: _Optional[bool] = ..., connection_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class DrawingSet(_message.Message):
    __slots__ = ("id", "project_id", "name", "set_date", "connected", "connection_state", "connection_id", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SET_DATE_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_STATE_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    name: str
    set_date: str
    connected: bool
    connection_state: DrawingSetConnectionState
    connection_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., name: _Optional[str] = ..., set_date: _Optional[str] = ..., connected: _Optional[bool] = ..., connection_state: _Optional[_Union[DrawingSetConnectionState, str]] = ..., connection_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Drawing(_message.Message):
    __slots__ = ("id", "project_id", "area_id", "number", "title", "discipline", "connected", "connection_id", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    AREA_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DISCIPLINE_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    area_id: str
    number: str
    title: str
    discipline: str
    connected: bool
    connection_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., area_id: _Optional[str] = ..., number: _Optional[str] = ..., title: _Optional[str] = ..., discipline: _Optional[str] = ..., connected: _Optional[bool] = ..., connection_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class DrawingRevision(_message.Message):
    __slots__ = ("id", "project_id", "drawing_id", "area_id", "set_id", "revision_number", "drawing_date", "received_date", "status", "reviewed", "currency", "withdrawn", "file_sha256", "file_size_bytes", "file_name", "upstream_revision_id", "connection_id", "create_time", "update_time", "etag", "drawing_sequence")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    AREA_ID_FIELD_NUMBER: _ClassVar[int]
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DRAWING_DATE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    DRAWING_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    drawing_id: str
    area_id: str
    set_id: str
    revision_number: str
    drawing_date: str
    received_date: str
    status: RevisionStatus
    reviewed: bool
    currency: RevisionCurrency
    withdrawn: bool
    file_sha256: str
    file_size_bytes: int
    file_name: str
    upstream_revision_id: str
    connection_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    drawing_sequence: int
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., drawing_id: _Optional[str] = ..., area_id: _Optional[str] = ..., set_id: _Optional[str] = ..., revision_number: _Optional[str] = ..., drawing_date: _Optional[str] = ..., received_date: _Optional[str] = ..., status: _Optional[_Union[RevisionStatus, str]] = ..., reviewed: _Optional[bool] = ..., currency: _Optional[_Union[RevisionCurrency, str]] = ..., withdrawn: _Optional[bool] = ..., file_sha256: _Optional[str] = ..., file_size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ..., upstream_revision_id: _Optional[str] = ..., connection_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., drawing_sequence: _Optional[int] = ...) -> None: ...

class DrawingLogImport(_message.Message):
    __slots__ = ("drawing_date", "upload_uuid", "received_date", "revision_number", "drawing_id")
    DRAWING_DATE_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_UUID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_DATE_FIELD_NUMBER: _ClassVar[int]
    REVISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_date: str
    upload_uuid: str
    received_date: str
    revision_number: str
    drawing_id: str
    def __init__(self, drawing_date: _Optional[str] = ..., upload_uuid: _Optional[str] = ..., received_date: _Optional[str] = ..., revision_number: _Optional[str] = ..., drawing_id: _Optional[str] = ...) -> None: ...

class DrawingUpload(_message.Message):
    __slots__ = ("id", "project_id", "drawing_area_id", "drawing_set_id", "status", "revision_ids", "error_message", "create_time", "update_time", "import_failures")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_SET_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_IDS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FAILURES_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    drawing_area_id: str
    drawing_set_id: str
    status: DrawingUploadStatus
    revision_ids: _containers.RepeatedScalarFieldContainer[str]
    error_message: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    import_failures: _containers.RepeatedCompositeFieldContainer[DrawingUploadImportFailure]
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., drawing_area_id: _Optional[str] = ..., drawing_set_id: _Optional[str] = ..., status: _Optional[_Union[DrawingUploadStatus, str]] = ..., revision_ids: _Optional[_Iterable[str]] = ..., error_message: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., import_failures: _Optional[_Iterable[_Union[DrawingUploadImportFailure, _Mapping]]] = ...) -> None: ...

class DrawingUploadImportFailure(_message.Message):
    __slots__ = ("import_index", "upload_uuid", "reason", "message")
    IMPORT_INDEX_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_UUID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    import_index: int
    upload_uuid: str
    reason: str
    message: str
    def __init__(self, import_index: _Optional[int] = ..., upload_uuid: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Markup(_message.Message):
    __slots__ = ("id", "revision_id", "author_user_id", "kind", "data", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    revision_id: str
    author_user_id: str
    kind: str
    data: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., revision_id: _Optional[str] = ..., author_user_id: _Optional[str] = ..., kind: _Optional[str] = ..., data: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustomField(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ProjectChange(_message.Message):
    __slots__ = ("sequence", "kind", "revision", "drawing", "drawing_set", "drawing_area", "create_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    DRAWING_SET_FIELD_NUMBER: _ClassVar[int]
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: ProjectChangeKind
    revision: DrawingRevision
    drawing: Drawing
    drawing_set: DrawingSet
    drawing_area: DrawingArea
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[ProjectChangeKind, str]] = ..., revision: _Optional[_Union[DrawingRevision, _Mapping]] = ..., drawing: _Optional[_Union[Drawing, _Mapping]] = ..., drawing_set: _Optional[_Union[DrawingSet, _Mapping]] = ..., drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetDrawingsPermissionRequest(_message.Message):
    __slots__ = ("project_id", "user_id", "level", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    level: _common_pb2.PermissionLevel
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.PermissionLevel, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetDrawingsPermissionResponse(_message.Message):
    __slots__ = ("permission",)
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    permission: DrawingsPermission
    def __init__(self, permission: _Optional[_Union[DrawingsPermission, _Mapping]] = ...) -> None: ...

class GetDrawingsPermissionRequest(_message.Message):
    __slots__ = ("project_id", "user_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class GetDrawingsPermissionResponse(_message.Message):
    __slots__ = ("permission",)
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    permission: DrawingsPermission
    def __init__(self, permission: _Optional[_Union[DrawingsPermission, _Mapping]] = ...) -> None: ...

class ListDrawingsPermissionsRequest(_message.Message):
    __slots__ = ("project_id", "user_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDrawingsPermissionsResponse(_message.Message):
    __slots__ = ("permissions", "next_page_token")
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[DrawingsPermission]
    next_page_token: str
    def __init__(self, permissions: _Optional[_Iterable[_Union[DrawingsPermission, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateDrawingAreaRequest(_message.Message):
    __slots__ = ("drawing_area", "request_id")
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_area: DrawingArea
    request_id: str
    def __init__(self, drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDrawingAreaResponse(_message.Message):
    __slots__ = ("drawing_area",)
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    drawing_area: DrawingArea
    def __init__(self, drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ...) -> None: ...

class GetDrawingAreaRequest(_message.Message):
    __slots__ = ("drawing_area_id",)
    DRAWING_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_area_id: str
    def __init__(self, drawing_area_id: _Optional[str] = ...) -> None: ...

class GetDrawingAreaResponse(_message.Message):
    __slots__ = ("drawing_area",)
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    drawing_area: DrawingArea
    def __init__(self, drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ...) -> None: ...

class ListDrawingAreasRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDrawingAreasResponse(_message.Message):
    __slots__ = ("drawing_areas", "next_page_token")
    DRAWING_AREAS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    drawing_areas: _containers.RepeatedCompositeFieldContainer[DrawingArea]
    next_page_token: str
    def __init__(self, drawing_areas: _Optional[_Iterable[_Union[DrawingArea, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDrawingAreaRequest(_message.Message):
    __slots__ = ("drawing_area", "update_mask", "request_id")
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_area: DrawingArea
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateDrawingAreaResponse(_message.Message):
    __slots__ = ("drawing_area",)
    DRAWING_AREA_FIELD_NUMBER: _ClassVar[int]
    drawing_area: DrawingArea
    def __init__(self, drawing_area: _Optional[_Union[DrawingArea, _Mapping]] = ...) -> None: ...

class CreateDrawingSetRequest(_message.Message):
    __slots__ = ("drawing_set", "request_id")
    DRAWING_SET_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_set: DrawingSet
    request_id: str
    def __init__(self, drawing_set: _Optional[_Union[DrawingSet, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDrawingSetResponse(_message.Message):
    __slots__ = ("drawing_set",)
    DRAWING_SET_FIELD_NUMBER: _ClassVar[int]
    drawing_set: DrawingSet
    def __init__(self, drawing_set: _Optional[_Union[DrawingSet, _Mapping]] = ...) -> None: ...

class ListDrawingSetsRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDrawingSetsResponse(_message.Message):
    __slots__ = ("drawing_sets", "next_page_token")
    DRAWING_SETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    drawing_sets: _containers.RepeatedCompositeFieldContainer[DrawingSet]
    next_page_token: str
    def __init__(self, drawing_sets: _Optional[_Iterable[_Union[DrawingSet, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDrawingSetRequest(_message.Message):
    __slots__ = ("drawing_set", "update_mask", "request_id")
    DRAWING_SET_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_set: DrawingSet
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, drawing_set: _Optional[_Union[DrawingSet, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateDrawingSetResponse(_message.Message):
    __slots__ = ("drawing_set",)
    DRAWING_SET_FIELD_NUMBER: _ClassVar[int]
    drawing_set: DrawingSet
    def __init__(self, drawing_set: _Optional[_Union[DrawingSet, _Mapping]] = ...) -> None: ...

class CreateDrawingRequest(_message.Message):
    __slots__ = ("drawing", "request_id")
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing: Drawing
    request_id: str
    def __init__(self, drawing: _Optional[_Union[Drawing, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDrawingResponse(_message.Message):
    __slots__ = ("drawing",)
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    drawing: Drawing
    def __init__(self, drawing: _Optional[_Union[Drawing, _Mapping]] = ...) -> None: ...

class GetDrawingRequest(_message.Message):
    __slots__ = ("drawing_id",)
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_id: str
    def __init__(self, drawing_id: _Optional[str] = ...) -> None: ...

class GetDrawingResponse(_message.Message):
    __slots__ = ("drawing",)
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    drawing: Drawing
    def __init__(self, drawing: _Optional[_Union[Drawing, _Mapping]] = ...) -> None: ...

class ListDrawingsRequest(_message.Message):
    __slots__ = ("area_id", "page_size", "page_token")
    AREA_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    area_id: str
    page_size: int
    page_token: str
    def __init__(self, area_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDrawingsResponse(_message.Message):
    __slots__ = ("drawings", "next_page_token")
    DRAWINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    drawings: _containers.RepeatedCompositeFieldContainer[Drawing]
    next_page_token: str
    def __init__(self, drawings: _Optional[_Iterable[_Union[Drawing, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDrawingRequest(_message.Message):
    __slots__ = ("drawing", "update_mask", "request_id")
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    drawing: Drawing
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, drawing: _Optional[_Union[Drawing, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateDrawingResponse(_message.Message):
    __slots__ = ("drawing",)
    DRAWING_FIELD_NUMBER: _ClassVar[int]
    drawing: Drawing
    def __init__(self, drawing: _Optional[_Union[Drawing, _Mapping]] = ...) -> None: ...

class GetDrawingRevisionRequest(_message.Message):
    __slots__ = ("revision_id",)
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    def __init__(self, revision_id: _Optional[str] = ...) -> None: ...

class GetDrawingRevisionResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: DrawingRevision
    def __init__(self, revision: _Optional[_Union[DrawingRevision, _Mapping]] = ...) -> None: ...

class ListDrawingRevisionsRequest(_message.Message):
    __slots__ = ("project_id", "area_id", "set_id", "drawing_id", "status", "page_size", "page_token", "connection_id", "upstream_revision_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    AREA_ID_FIELD_NUMBER: _ClassVar[int]
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    area_id: str
    set_id: str
    drawing_id: str
    status: RevisionStatus
    page_size: int
    page_token: str
    connection_id: str
    upstream_revision_id: str
    def __init__(self, project_id: _Optional[str] = ..., area_id: _Optional[str] = ..., set_id: _Optional[str] = ..., drawing_id: _Optional[str] = ..., status: _Optional[_Union[RevisionStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., connection_id: _Optional[str] = ..., upstream_revision_id: _Optional[str] = ...) -> None: ...

class ListDrawingRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "next_page_token")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[DrawingRevision]
    next_page_token: str
    def __init__(self, revisions: _Optional[_Iterable[_Union[DrawingRevision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDrawingRevisionRequest(_message.Message):
    __slots__ = ("revision", "update_mask", "request_id")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    revision: DrawingRevision
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, revision: _Optional[_Union[DrawingRevision, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateDrawingRevisionResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: DrawingRevision
    def __init__(self, revision: _Optional[_Union[DrawingRevision, _Mapping]] = ...) -> None: ...

class ConfirmDrawingRevisionsRequest(_message.Message):
    __slots__ = ("project_id", "revision_ids", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    revision_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., revision_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ConfirmDrawingRevisionsResponse(_message.Message):
    __slots__ = ("revisions",)
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[DrawingRevision]
    def __init__(self, revisions: _Optional[_Iterable[_Union[DrawingRevision, _Mapping]]] = ...) -> None: ...

class PublishDrawingRevisionsRequest(_message.Message):
    __slots__ = ("set_id", "revision_ids", "request_id")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    revision_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, set_id: _Optional[str] = ..., revision_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class PublishDrawingRevisionsResponse(_message.Message):
    __slots__ = ("revisions",)
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[DrawingRevision]
    def __init__(self, revisions: _Optional[_Iterable[_Union[DrawingRevision, _Mapping]]] = ...) -> None: ...

class SetCurrentDrawingRevisionRequest(_message.Message):
    __slots__ = ("revision_id", "request_id")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    request_id: str
    def __init__(self, revision_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetCurrentDrawingRevisionResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: DrawingRevision
    def __init__(self, revision: _Optional[_Union[DrawingRevision, _Mapping]] = ...) -> None: ...

class WithdrawDrawingRevisionRequest(_message.Message):
    __slots__ = ("revision_id", "request_id")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    request_id: str
    def __init__(self, revision_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class WithdrawDrawingRevisionResponse(_message.Message):
    __slots__ = ("revision",)
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: DrawingRevision
    def __init__(self, revision: _Optional[_Union[DrawingRevision, _Mapping]] = ...) -> None: ...

class DeleteDrawingRevisionRequest(_message.Message):
    __slots__ = ("revision_id", "request_id")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    request_id: str
    def __init__(self, revision_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteDrawingRevisionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateUploadRequest(_message.Message):
    __slots__ = ("project_id", "response_filename", "response_content_type")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FILENAME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    response_filename: str
    response_content_type: str
    def __init__(self, project_id: _Optional[str] = ..., response_filename: _Optional[str] = ..., response_content_type: _Optional[str] = ...) -> None: ...

class CreateUploadResponse(_message.Message):
    __slots__ = ("uuid", "url", "fields", "expire_time")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    UUID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    uuid: str
    url: str
    fields: _containers.ScalarMap[str, str]
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, uuid: _Optional[str] = ..., url: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateDrawingUploadRequest(_message.Message):
    __slots__ = ("project_id", "drawing_area_id", "drawing_set_id", "drawing_log_imports", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_SET_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_LOG_IMPORTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    drawing_area_id: str
    drawing_set_id: str
    drawing_log_imports: _containers.RepeatedCompositeFieldContainer[DrawingLogImport]
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., drawing_area_id: _Optional[str] = ..., drawing_set_id: _Optional[str] = ..., drawing_log_imports: _Optional[_Iterable[_Union[DrawingLogImport, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDrawingUploadResponse(_message.Message):
    __slots__ = ("drawing_upload",)
    DRAWING_UPLOAD_FIELD_NUMBER: _ClassVar[int]
    drawing_upload: DrawingUpload
    def __init__(self, drawing_upload: _Optional[_Union[DrawingUpload, _Mapping]] = ...) -> None: ...

class GetDrawingUploadRequest(_message.Message):
    __slots__ = ("drawing_upload_id",)
    DRAWING_UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    drawing_upload_id: str
    def __init__(self, drawing_upload_id: _Optional[str] = ...) -> None: ...

class GetDrawingUploadResponse(_message.Message):
    __slots__ = ("drawing_upload",)
    DRAWING_UPLOAD_FIELD_NUMBER: _ClassVar[int]
    drawing_upload: DrawingUpload
    def __init__(self, drawing_upload: _Optional[_Union[DrawingUpload, _Mapping]] = ...) -> None: ...

class CreateMarkupRequest(_message.Message):
    __slots__ = ("markup", "request_id")
    MARKUP_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    markup: Markup
    request_id: str
    def __init__(self, markup: _Optional[_Union[Markup, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateMarkupResponse(_message.Message):
    __slots__ = ("markup",)
    MARKUP_FIELD_NUMBER: _ClassVar[int]
    markup: Markup
    def __init__(self, markup: _Optional[_Union[Markup, _Mapping]] = ...) -> None: ...

class ListMarkupsRequest(_message.Message):
    __slots__ = ("revision_id", "page_size", "page_token")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    page_size: int
    page_token: str
    def __init__(self, revision_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMarkupsResponse(_message.Message):
    __slots__ = ("markups", "next_page_token")
    MARKUPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    markups: _containers.RepeatedCompositeFieldContainer[Markup]
    next_page_token: str
    def __init__(self, markups: _Optional[_Iterable[_Union[Markup, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetCustomFieldRequest(_message.Message):
    __slots__ = ("revision_id", "custom_field", "request_id")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    custom_field: CustomField
    request_id: str
    def __init__(self, revision_id: _Optional[str] = ..., custom_field: _Optional[_Union[CustomField, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetCustomFieldResponse(_message.Message):
    __slots__ = ("custom_field",)
    CUSTOM_FIELD_FIELD_NUMBER: _ClassVar[int]
    custom_field: CustomField
    def __init__(self, custom_field: _Optional[_Union[CustomField, _Mapping]] = ...) -> None: ...

class ListCustomFieldsRequest(_message.Message):
    __slots__ = ("revision_id", "page_size", "page_token")
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    page_size: int
    page_token: str
    def __init__(self, revision_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCustomFieldsResponse(_message.Message):
    __slots__ = ("custom_fields", "next_page_token")
    CUSTOM_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    custom_fields: _containers.RepeatedCompositeFieldContainer[CustomField]
    next_page_token: str
    def __init__(self, custom_fields: _Optional[_Iterable[_Union[CustomField, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListProjectChangesRequest(_message.Message):
    __slots__ = ("project_id", "after_sequence", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    after_sequence: int
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProjectChangesResponse(_message.Message):
    __slots__ = ("changes", "next_page_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ProjectChange]
    next_page_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[ProjectChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchProjectChangesRequest(_message.Message):
    __slots__ = ("project_id", "after_sequence")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    after_sequence: int
    def __init__(self, project_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class WatchProjectChangesResponse(_message.Message):
    __slots__ = ("change",)
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    change: ProjectChange
    def __init__(self, change: _Optional[_Union[ProjectChange, _Mapping]] = ...) -> None: ...

class GetRevisionDownloadRequest(_message.Message):
    __slots__ = ("revision_id",)
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    def __init__(self, revision_id: _Optional[str] = ...) -> None: ...

class GetRevisionDownloadResponse(_message.Message):
    __slots__ = ("url", "sha256", "size_bytes", "expire_time")
    URL_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    url: str
    sha256: str
    size_bytes: int
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DownloadRevisionFileRequest(_message.Message):
    __slots__ = ("revision_id",)
    REVISION_ID_FIELD_NUMBER: _ClassVar[int]
    revision_id: str
    def __init__(self, revision_id: _Optional[str] = ...) -> None: ...

class DownloadRevisionFileResponse(_message.Message):
    __slots__ = ("data", "sha256", "size_bytes")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    sha256: str
    size_bytes: int
    def __init__(self, data: _Optional[bytes] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...
