import datetime

from connectability.v1 import common_pb2 as _common_pb2
from connectability.v1 import connection_service_pb2 as _connection_service_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_EVENT_KIND_UNSPECIFIED: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_CONNECTION_CREATED: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE: _ClassVar[NotificationEventKind]
    NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY: _ClassVar[NotificationEventKind]
NOTIFICATION_EVENT_KIND_UNSPECIFIED: NotificationEventKind
NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED: NotificationEventKind
NOTIFICATION_EVENT_KIND_CONNECTION_CREATED: NotificationEventKind
NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED: NotificationEventKind
NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED: NotificationEventKind
NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE: NotificationEventKind
NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY: NotificationEventKind

class NotificationEvent(_message.Message):
    __slots__ = ("kind", "project_id", "connection_id", "other_company_id", "other_company_name", "other_project_id", "other_project_name", "project_name", "company_name", "actor_user_id", "actor_name", "reason", "count", "items", "event_time")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    OTHER_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    kind: NotificationEventKind
    project_id: str
    connection_id: str
    other_company_id: str
    other_company_name: str
    other_project_id: str
    other_project_name: str
    project_name: str
    company_name: str
    actor_user_id: str
    actor_name: str
    reason: str
    count: int
    items: _containers.RepeatedCompositeFieldContainer[NotificationItem]
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[NotificationEventKind, str]] = ..., project_id: _Optional[str] = ..., connection_id: _Optional[str] = ..., other_company_id: _Optional[str] = ..., other_company_name: _Optional[str] = ..., other_project_id: _Optional[str] = ..., other_project_name: _Optional[str] = ..., project_name: _Optional[str] = ..., company_name: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., actor_name: _Optional[str] = ..., reason: _Optional[str] = ..., count: _Optional[int] = ..., items: _Optional[_Iterable[_Union[NotificationItem, _Mapping]]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NotificationItem(_message.Message):
    __slots__ = ("drawing_number", "title", "revision_number", "discipline")
    DRAWING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    REVISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DISCIPLINE_FIELD_NUMBER: _ClassVar[int]
    drawing_number: str
    title: str
    revision_number: str
    discipline: str
    def __init__(self, drawing_number: _Optional[str] = ..., title: _Optional[str] = ..., revision_number: _Optional[str] = ..., discipline: _Optional[str] = ...) -> None: ...

class NotificationInternalServiceRegisterProjectRequest(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class NotificationInternalServiceRegisterProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class NotificationInternalServiceGetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class NotificationInternalServiceGetProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectFacts
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectFacts, _Mapping]] = ...) -> None: ...

class GetDistributionListRequest(_message.Message):
    __slots__ = ("project_id", "tool")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    tool: _common_pb2.Tool
    def __init__(self, project_id: _Optional[str] = ..., tool: _Optional[_Union[_common_pb2.Tool, str]] = ...) -> None: ...

class GetDistributionListResponse(_message.Message):
    __slots__ = ("distribution_list",)
    DISTRIBUTION_LIST_FIELD_NUMBER: _ClassVar[int]
    distribution_list: _common_pb2.DistributionList
    def __init__(self, distribution_list: _Optional[_Union[_common_pb2.DistributionList, _Mapping]] = ...) -> None: ...

class UpdateDistributionListRequest(_message.Message):
    __slots__ = ("project_id", "tool", "emails", "request_id", "etag")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    tool: _common_pb2.Tool
    emails: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    etag: str
    def __init__(self, project_id: _Optional[str] = ..., tool: _Optional[_Union[_common_pb2.Tool, str]] = ..., emails: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UpdateDistributionListResponse(_message.Message):
    __slots__ = ("distribution_list",)
    DISTRIBUTION_LIST_FIELD_NUMBER: _ClassVar[int]
    distribution_list: _common_pb2.DistributionList
    def __init__(self, distribution_list: _Optional[_Union[_common_pb2.DistributionList, _Mapping]] = ...) -> None: ...

class NotifyRequest(_message.Message):
    __slots__ = ("event", "idempotency_key")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    event: NotificationEvent
    idempotency_key: str
    def __init__(self, event: _Optional[_Union[NotificationEvent, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class NotifyResponse(_message.Message):
    __slots__ = ("event_id", "queued_messages", "duplicate")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUEUED_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    queued_messages: int
    duplicate: bool
    def __init__(self, event_id: _Optional[str] = ..., queued_messages: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("project_id", "event_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    event_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., event_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[_connection_service_pb2.NotificationDelivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[_connection_service_pb2.NotificationDelivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResendDeliveryRequest(_message.Message):
    __slots__ = ("project_id", "message_id", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    message_id: str
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., message_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResendDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: _connection_service_pb2.NotificationDelivery
    def __init__(self, delivery: _Optional[_Union[_connection_service_pb2.NotificationDelivery, _Mapping]] = ...) -> None: ...
