import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PermissionLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERMISSION_LEVEL_UNSPECIFIED: _ClassVar[PermissionLevel]
    PERMISSION_LEVEL_NONE: _ClassVar[PermissionLevel]
    PERMISSION_LEVEL_READ_ONLY: _ClassVar[PermissionLevel]
    PERMISSION_LEVEL_STANDARD: _ClassVar[PermissionLevel]
    PERMISSION_LEVEL_ADMIN: _ClassVar[PermissionLevel]

class Tool(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_UNSPECIFIED: _ClassVar[Tool]
    TOOL_DRAWINGS: _ClassVar[Tool]
    TOOL_CONNECTION_MANAGER: _ClassVar[Tool]
PERMISSION_LEVEL_UNSPECIFIED: PermissionLevel
PERMISSION_LEVEL_NONE: PermissionLevel
PERMISSION_LEVEL_READ_ONLY: PermissionLevel
PERMISSION_LEVEL_STANDARD: PermissionLevel
PERMISSION_LEVEL_ADMIN: PermissionLevel
TOOL_UNSPECIFIED: Tool
TOOL_DRAWINGS: Tool
TOOL_CONNECTION_MANAGER: Tool

class ProjectFacts(_message.Message):
    __slots__ = ("project_id", "company_id", "name", "active", "outside_applications_allowed", "update_time")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_APPLICATIONS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    company_id: str
    name: str
    active: bool
    outside_applications_allowed: bool
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, project_id: _Optional[str] = ..., company_id: _Optional[str] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., outside_applications_allowed: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DistributionList(_message.Message):
    __slots__ = ("project_id", "tool", "emails", "update_time", "etag")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    tool: Tool
    emails: _containers.RepeatedScalarFieldContainer[str]
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, project_id: _Optional[str] = ..., tool: _Optional[_Union[Tool, str]] = ..., emails: _Optional[_Iterable[str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...
