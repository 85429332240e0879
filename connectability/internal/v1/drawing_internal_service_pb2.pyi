from connectability.v1 import common_pb2 as _common_pb2
from connectability.v1 import drawing_service_pb2 as _drawing_service_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DrawingInternalServiceRegisterProjectRequest(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class DrawingInternalServiceRegisterProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class DrawingInternalServiceGetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class DrawingInternalServiceGetProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class CountProjectRevisionsRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class CountProjectRevisionsResponse(_message.Message):
    __slots__ = ("revision_count", "published_revision_count")
    REVISION_COUNT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_REVISION_COUNT_FIELD_NUMBER: _ClassVar[int]
    revision_count: int
    published_revision_count: int
    def __init__(self, revision_count: _Optional[int] = ..., published_revision_count: _Optional[int] = ...) -> None: ...

class WatchFeedHeadsRequest(_message.Message):
    __slots__ = ("project_ids",)
    PROJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    project_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, project_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchFeedHeadsResponse(_message.Message):
    __slots__ = ("project_id", "last_sequence")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    last_sequence: int
    def __init__(self, project_id: _Optional[str] = ..., last_sequence: _Optional[int] = ...) -> None: ...

class CopyPublishedRevisionsRequest(_message.Message):
    __slots__ = ("connection_id", "upstream_project_id", "downstream_project_id", "request_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    upstream_project_id: str
    downstream_project_id: str
    request_id: str
    def __init__(self, connection_id: _Optional[str] = ..., upstream_project_id: _Optional[str] = ..., downstream_project_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CopyPublishedRevisionsResponse(_message.Message):
    __slots__ = ("snapshot_sequence", "copied_count")
    SNAPSHOT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    COPIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    snapshot_sequence: int
    copied_count: int
    def __init__(self, snapshot_sequence: _Optional[int] = ..., copied_count: _Optional[int] = ...) -> None: ...

class ApplyProjectChangesRequest(_message.Message):
    __slots__ = ("connection_id", "upstream_project_id", "downstream_project_id", "changes")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    upstream_project_id: str
    downstream_project_id: str
    changes: _containers.RepeatedCompositeFieldContainer[_drawing_service_pb2.ProjectChange]
    def __init__(self, connection_id: _Optional[str] = ..., upstream_project_id: _Optional[str] = ..., downstream_project_id: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[_drawing_service_pb2.ProjectChange, _Mapping]]] = ...) -> None: ...

class ApplyProjectChangesResponse(_message.Message):
    __slots__ = ("applied_through_sequence", "applied_count")
    APPLIED_THROUGH_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    applied_through_sequence: int
    applied_count: int
    def __init__(self, applied_through_sequence: _Optional[int] = ..., applied_count: _Optional[int] = ...) -> None: ...

class ApplyProjectChangesToConnectionsRequest(_message.Message):
    __slots__ = ("upstream_project_id", "connections", "changes")
    UPSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    upstream_project_id: str
    connections: _containers.RepeatedCompositeFieldContainer[ConnectionTarget]
    changes: _containers.RepeatedCompositeFieldContainer[_drawing_service_pb2.ProjectChange]
    def __init__(self, upstream_project_id: _Optional[str] = ..., connections: _Optional[_Iterable[_Union[ConnectionTarget, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[_drawing_service_pb2.ProjectChange, _Mapping]]] = ...) -> None: ...

class ConnectionTarget(_message.Message):
    __slots__ = ("connection_id", "downstream_project_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    downstream_project_id: str
    def __init__(self, connection_id: _Optional[str] = ..., downstream_project_id: _Optional[str] = ...) -> None: ...

class ApplyProjectChangesToConnectionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ConnectionApplyResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ConnectionApplyResult, _Mapping]]] = ...) -> None: ...

class ConnectionApplyResult(_message.Message):
    __slots__ = ("connection_id", "applied_through_sequence", "applied_count", "error_code", "error_reason", "error_message")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    APPLIED_THROUGH_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    applied_through_sequence: int
    applied_count: int
    error_code: int
    error_reason: str
    error_message: str
    def __init__(self, connection_id: _Optional[str] = ..., applied_through_sequence: _Optional[int] = ..., applied_count: _Optional[int] = ..., error_code: _Optional[int] = ..., error_reason: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class MarkConnectionDisconnectedRequest(_message.Message):
    __slots__ = ("connection_id", "downstream_project_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    downstream_project_id: str
    def __init__(self, connection_id: _Optional[str] = ..., downstream_project_id: _Optional[str] = ...) -> None: ...

class MarkConnectionDisconnectedResponse(_message.Message):
    __slots__ = ("sets_marked",)
    SETS_MARKED_FIELD_NUMBER: _ClassVar[int]
    sets_marked: int
    def __init__(self, sets_marked: _Optional[int] = ...) -> None: ...
