import datetime

from buf.validate import validate_pb2 as _validate_pb2
from connectability.v1 import common_pb2 as _common_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApprovalPreference(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_PREFERENCE_UNSPECIFIED: _ClassVar[ApprovalPreference]
    APPROVAL_PREFERENCE_AUTO_APPROVE: _ClassVar[ApprovalPreference]
    APPROVAL_PREFERENCE_REVIEW_REQUIRED: _ClassVar[ApprovalPreference]

class ProjectState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_STATE_UNSPECIFIED: _ClassVar[ProjectState]
    PROJECT_STATE_ACTIVE: _ClassVar[ProjectState]
    PROJECT_STATE_INACTIVE: _ClassVar[ProjectState]

class CompanyRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPANY_ROLE_UNSPECIFIED: _ClassVar[CompanyRole]
    COMPANY_ROLE_MEMBER: _ClassVar[CompanyRole]
    COMPANY_ROLE_COMPANY_ADMIN: _ClassVar[CompanyRole]

class IntegratorMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEGRATOR_MODE_UNSPECIFIED: _ClassVar[IntegratorMode]
    INTEGRATOR_MODE_ON_BEHALF_OF_USER: _ClassVar[IntegratorMode]
    INTEGRATOR_MODE_SERVICE_ACCOUNT: _ClassVar[IntegratorMode]

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATE_UNSPECIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_PENDING: _ClassVar[ConnectionState]
    CONNECTION_STATE_ACTIVE: _ClassVar[ConnectionState]
    CONNECTION_STATE_REJECTED: _ClassVar[ConnectionState]
    CONNECTION_STATE_WITHDRAWN: _ClassVar[ConnectionState]
    CONNECTION_STATE_DISCONNECTED: _ClassVar[ConnectionState]

class ConnectionRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_ROLE_UNSPECIFIED: _ClassVar[ConnectionRole]
    CONNECTION_ROLE_UPSTREAM: _ClassVar[ConnectionRole]
    CONNECTION_ROLE_DOWNSTREAM: _ClassVar[ConnectionRole]

class InitialCopyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INITIAL_COPY_STATE_UNSPECIFIED: _ClassVar[InitialCopyState]
    INITIAL_COPY_STATE_NOT_STARTED: _ClassVar[InitialCopyState]
    INITIAL_COPY_STATE_RUNNING: _ClassVar[InitialCopyState]
    INITIAL_COPY_STATE_COMPLETE: _ClassVar[InitialCopyState]
    INITIAL_COPY_STATE_FAILED: _ClassVar[InitialCopyState]

class NotificationDeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED: _ClassVar[NotificationDeliveryStatus]
    NOTIFICATION_DELIVERY_STATUS_QUEUED: _ClassVar[NotificationDeliveryStatus]
    NOTIFICATION_DELIVERY_STATUS_SENDING: _ClassVar[NotificationDeliveryStatus]
    NOTIFICATION_DELIVERY_STATUS_SENT: _ClassVar[NotificationDeliveryStatus]
    NOTIFICATION_DELIVERY_STATUS_FAILED: _ClassVar[NotificationDeliveryStatus]
APPROVAL_PREFERENCE_UNSPECIFIED: ApprovalPreference
APPROVAL_PREFERENCE_AUTO_APPROVE: ApprovalPreference
APPROVAL_PREFERENCE_REVIEW_REQUIRED: ApprovalPreference
PROJECT_STATE_UNSPECIFIED: ProjectState
PROJECT_STATE_ACTIVE: ProjectState
PROJECT_STATE_INACTIVE: ProjectState
COMPANY_ROLE_UNSPECIFIED: CompanyRole
COMPANY_ROLE_MEMBER: CompanyRole
COMPANY_ROLE_COMPANY_ADMIN: CompanyRole
INTEGRATOR_MODE_UNSPECIFIED: IntegratorMode
INTEGRATOR_MODE_ON_BEHALF_OF_USER: IntegratorMode
INTEGRATOR_MODE_SERVICE_ACCOUNT: IntegratorMode
CONNECTION_STATE_UNSPECIFIED: ConnectionState
CONNECTION_STATE_PENDING: ConnectionState
CONNECTION_STATE_ACTIVE: ConnectionState
CONNECTION_STATE_REJECTED: ConnectionState
CONNECTION_STATE_WITHDRAWN: ConnectionState
CONNECTION_STATE_DISCONNECTED: ConnectionState
CONNECTION_ROLE_UNSPECIFIED: ConnectionRole
CONNECTION_ROLE_UPSTREAM: ConnectionRole
CONNECTION_ROLE_DOWNSTREAM: ConnectionRole
INITIAL_COPY_STATE_UNSPECIFIED: InitialCopyState
INITIAL_COPY_STATE_NOT_STARTED: InitialCopyState
INITIAL_COPY_STATE_RUNNING: InitialCopyState
INITIAL_COPY_STATE_COMPLETE: InitialCopyState
INITIAL_COPY_STATE_FAILED: InitialCopyState
NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED: NotificationDeliveryStatus
NOTIFICATION_DELIVERY_STATUS_QUEUED: NotificationDeliveryStatus
NOTIFICATION_DELIVERY_STATUS_SENDING: NotificationDeliveryStatus
NOTIFICATION_DELIVERY_STATUS_SENT: NotificationDeliveryStatus
NOTIFICATION_DELIVERY_STATUS_FAILED: NotificationDeliveryStatus

class Company(_message.Message):
    __slots__ = ("id", "name", "file_storage_location", "govcloud", "approval_preference", "outside_applications_allowed", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FILE_STORAGE_LOCATION_FIELD_NUMBER: _ClassVar[int]
    GOVCLOUD_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_APPLICATIONS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    file_storage_location: str
    govcloud: bool
    approval_preference: ApprovalPreference
    outside_applications_allowed: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., file_storage_location: _Optional[str] = ..., govcloud: _Optional[bool] = ..., approval_preference: _Optional[_Union[ApprovalPreference, str]] = ..., outside_applications_allowed: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("id", "company_id", "name", "state", "create_time", "update_time", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    company_id: str
    name: str
    state: ProjectState
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, id: _Optional[str] = ..., company_id: _Optional[str] = ..., name: _Optional[str] = ..., state: _Optional[_Union[ProjectState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("id", "company_id", "email", "display_name", "company_role", "create_time", "update_time", "service_account", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    company_id: str
    email: str
    display_name: str
    company_role: CompanyRole
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    service_account: bool
    etag: str
    def __init__(self, id: _Optional[str] = ..., company_id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ..., company_role: _Optional[_Union[CompanyRole, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_account: _Optional[bool] = ..., etag: _Optional[str] = ...) -> None: ...

class IntegratorClient(_message.Message):
    __slots__ = ("id", "company_id", "display_name", "mode", "user_id", "rate_limit_per_hour", "created_by", "create_time", "revoke_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    company_id: str
    display_name: str
    mode: IntegratorMode
    user_id: str
    rate_limit_per_hour: int
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., company_id: _Optional[str] = ..., display_name: _Optional[str] = ..., mode: _Optional[_Union[IntegratorMode, str]] = ..., user_id: _Optional[str] = ..., rate_limit_per_hour: _Optional[int] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConnectionManagerPermission(_message.Message):
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

class ConnectableProject(_message.Message):
    __slots__ = ("project_id", "project_name", "company_id", "company_name", "same_company")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    SAME_COMPANY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    project_name: str
    company_id: str
    company_name: str
    same_company: bool
    def __init__(self, project_id: _Optional[str] = ..., project_name: _Optional[str] = ..., company_id: _Optional[str] = ..., company_name: _Optional[str] = ..., same_company: _Optional[bool] = ...) -> None: ...

class Connection(_message.Message):
    __slots__ = ("id", "upstream_project_id", "upstream_company_id", "downstream_project_id", "downstream_company_id", "state", "requested_by_user_id", "state_reason", "state_changed_by_user_id", "create_time", "update_time", "state_change_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNSTREAM_COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    upstream_project_id: str
    upstream_company_id: str
    downstream_project_id: str
    downstream_company_id: str
    state: ConnectionState
    requested_by_user_id: str
    state_reason: str
    state_changed_by_user_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    state_change_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., upstream_project_id: _Optional[str] = ..., upstream_company_id: _Optional[str] = ..., downstream_project_id: _Optional[str] = ..., downstream_company_id: _Optional[str] = ..., state: _Optional[_Union[ConnectionState, str]] = ..., requested_by_user_id: _Optional[str] = ..., state_reason: _Optional[str] = ..., state_changed_by_user_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RuleVerdict(_message.Message):
    __slots__ = ("rule", "reason", "passed", "message")
    RULE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    rule: str
    reason: str
    passed: bool
    message: str
    def __init__(self, rule: _Optional[str] = ..., reason: _Optional[str] = ..., passed: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class ConnectionEvent(_message.Message):
    __slots__ = ("id", "connection_id", "from_state", "to_state", "actor_user_id", "actor_company_id", "reason", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    connection_id: str
    from_state: ConnectionState
    to_state: ConnectionState
    actor_user_id: str
    actor_company_id: str
    reason: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., connection_id: _Optional[str] = ..., from_state: _Optional[_Union[ConnectionState, str]] = ..., to_state: _Optional[_Union[ConnectionState, str]] = ..., actor_user_id: _Optional[str] = ..., actor_company_id: _Optional[str] = ..., reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SyncState(_message.Message):
    __slots__ = ("connection_id", "revisions_copied", "revisions_pending", "last_applied_sequence", "last_synced_time", "lag", "last_error", "initial_copy_state")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_COPIED_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_PENDING_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNCED_TIME_FIELD_NUMBER: _ClassVar[int]
    LAG_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    INITIAL_COPY_STATE_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    revisions_copied: int
    revisions_pending: int
    last_applied_sequence: int
    last_synced_time: _timestamp_pb2.Timestamp
    lag: _duration_pb2.Duration
    last_error: str
    initial_copy_state: InitialCopyState
    def __init__(self, connection_id: _Optional[str] = ..., revisions_copied: _Optional[int] = ..., revisions_pending: _Optional[int] = ..., last_applied_sequence: _Optional[int] = ..., last_synced_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., last_error: _Optional[str] = ..., initial_copy_state: _Optional[_Union[InitialCopyState, str]] = ...) -> None: ...

class CreateCompanyRequest(_message.Message):
    __slots__ = ("company", "company_id", "request_id")
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    company: Company
    company_id: str
    request_id: str
    def __init__(self, company: _Optional[_Union[Company, _Mapping]] = ..., company_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCompanyResponse(_message.Message):
    __slots__ = ("company",)
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    company: Company
    def __init__(self, company: _Optional[_Union[Company, _Mapping]] = ...) -> None: ...

class GetCompanyRequest(_message.Message):
    __slots__ = ("company_id",)
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    def __init__(self, company_id: _Optional[str] = ...) -> None: ...

class GetCompanyResponse(_message.Message):
    __slots__ = ("company",)
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    company: Company
    def __init__(self, company: _Optional[_Union[Company, _Mapping]] = ...) -> None: ...

class ListCompaniesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCompaniesResponse(_message.Message):
    __slots__ = ("companies", "next_page_token")
    COMPANIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    companies: _containers.RepeatedCompositeFieldContainer[Company]
    next_page_token: str
    def __init__(self, companies: _Optional[_Iterable[_Union[Company, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCompanyRequest(_message.Message):
    __slots__ = ("company", "update_mask", "request_id")
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    company: Company
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, company: _Optional[_Union[Company, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateCompanyResponse(_message.Message):
    __slots__ = ("company",)
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    company: Company
    def __init__(self, company: _Optional[_Union[Company, _Mapping]] = ...) -> None: ...

class CreateProjectRequest(_message.Message):
    __slots__ = ("project", "project_id", "request_id")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project: Project
    project_id: str
    request_id: str
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ..., project_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class ListProjectsRequest(_message.Message):
    __slots__ = ("company_id", "page_size", "page_token")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    page_size: int
    page_token: str
    def __init__(self, company_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects", "next_page_token")
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    next_page_token: str
    def __init__(self, projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateProjectRequest(_message.Message):
    __slots__ = ("project", "update_mask", "request_id")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project: Project
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class CreateUserRequest(_message.Message):
    __slots__ = ("user", "user_id", "request_id")
    USER_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    user: User
    user_id: str
    request_id: str
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., user_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ("company_id", "page_size", "page_token")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    page_size: int
    page_token: str
    def __init__(self, company_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users", "next_page_token")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    next_page_token: str
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateUserRequest(_message.Message):
    __slots__ = ("user", "update_mask", "request_id")
    USER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    user: User
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class SetConnectionManagerPermissionRequest(_message.Message):
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

class SetConnectionManagerPermissionResponse(_message.Message):
    __slots__ = ("permission",)
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    permission: ConnectionManagerPermission
    def __init__(self, permission: _Optional[_Union[ConnectionManagerPermission, _Mapping]] = ...) -> None: ...

class ListConnectionManagerPermissionsRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectionManagerPermissionsResponse(_message.Message):
    __slots__ = ("permissions", "next_page_token")
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[ConnectionManagerPermission]
    next_page_token: str
    def __init__(self, permissions: _Optional[_Iterable[_Union[ConnectionManagerPermission, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListConnectableProjectsRequest(_message.Message):
    __slots__ = ("downstream_project_id", "page_size", "page_token")
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    downstream_project_id: str
    page_size: int
    page_token: str
    def __init__(self, downstream_project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectableProjectsResponse(_message.Message):
    __slots__ = ("projects", "next_page_token")
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[ConnectableProject]
    next_page_token: str
    def __init__(self, projects: _Optional[_Iterable[_Union[ConnectableProject, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RequestConnectionRequest(_message.Message):
    __slots__ = ("downstream_project_id", "upstream_project_id", "validate_only", "request_id")
    DOWNSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    downstream_project_id: str
    upstream_project_id: str
    validate_only: bool
    request_id: str
    def __init__(self, downstream_project_id: _Optional[str] = ..., upstream_project_id: _Optional[str] = ..., validate_only: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class RequestConnectionResponse(_message.Message):
    __slots__ = ("connection", "verdicts")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    verdicts: _containers.RepeatedCompositeFieldContainer[RuleVerdict]
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., verdicts: _Optional[_Iterable[_Union[RuleVerdict, _Mapping]]] = ...) -> None: ...

class GetConnectionRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    def __init__(self, connection_id: _Optional[str] = ...) -> None: ...

class GetConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class ListConnectionsRequest(_message.Message):
    __slots__ = ("project_id", "role", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    role: ConnectionRole
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., role: _Optional[_Union[ConnectionRole, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectionsResponse(_message.Message):
    __slots__ = ("connections", "next_page_token")
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connections: _containers.RepeatedCompositeFieldContainer[Connection]
    next_page_token: str
    def __init__(self, connections: _Optional[_Iterable[_Union[Connection, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ApproveConnectionRequest(_message.Message):
    __slots__ = ("connection_id", "request_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    request_id: str
    def __init__(self, connection_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ApproveConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class RejectConnectionRequest(_message.Message):
    __slots__ = ("connection_id", "reason", "request_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    reason: str
    request_id: str
    def __init__(self, connection_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RejectConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class WithdrawConnectionRequest(_message.Message):
    __slots__ = ("connection_id", "request_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    request_id: str
    def __init__(self, connection_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class WithdrawConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class DisconnectConnectionRequest(_message.Message):
    __slots__ = ("connection_id", "reason", "request_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    reason: str
    request_id: str
    def __init__(self, connection_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DisconnectConnectionResponse(_message.Message):
    __slots__ = ("connection",)
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ...) -> None: ...

class ListConnectionEventsRequest(_message.Message):
    __slots__ = ("connection_id", "page_size", "page_token")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    page_size: int
    page_token: str
    def __init__(self, connection_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectionEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ConnectionEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[ConnectionEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSyncStateRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    def __init__(self, connection_id: _Optional[str] = ...) -> None: ...

class GetSyncStateResponse(_message.Message):
    __slots__ = ("sync_state",)
    SYNC_STATE_FIELD_NUMBER: _ClassVar[int]
    sync_state: SyncState
    def __init__(self, sync_state: _Optional[_Union[SyncState, _Mapping]] = ...) -> None: ...

class WatchInitialCopyProgressRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    def __init__(self, connection_id: _Optional[str] = ...) -> None: ...

class WatchInitialCopyProgressResponse(_message.Message):
    __slots__ = ("copied", "total", "state")
    COPIED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    copied: int
    total: int
    state: InitialCopyState
    def __init__(self, copied: _Optional[int] = ..., total: _Optional[int] = ..., state: _Optional[_Union[InitialCopyState, str]] = ...) -> None: ...

class GetDistributionListRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetDistributionListResponse(_message.Message):
    __slots__ = ("distribution_list",)
    DISTRIBUTION_LIST_FIELD_NUMBER: _ClassVar[int]
    distribution_list: _common_pb2.DistributionList
    def __init__(self, distribution_list: _Optional[_Union[_common_pb2.DistributionList, _Mapping]] = ...) -> None: ...

class UpdateDistributionListRequest(_message.Message):
    __slots__ = ("project_id", "emails", "request_id", "etag")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    emails: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    etag: str
    def __init__(self, project_id: _Optional[str] = ..., emails: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UpdateDistributionListResponse(_message.Message):
    __slots__ = ("distribution_list",)
    DISTRIBUTION_LIST_FIELD_NUMBER: _ClassVar[int]
    distribution_list: _common_pb2.DistributionList
    def __init__(self, distribution_list: _Optional[_Union[_common_pb2.DistributionList, _Mapping]] = ...) -> None: ...

class CreateIntegratorClientRequest(_message.Message):
    __slots__ = ("integrator_client", "request_id")
    INTEGRATOR_CLIENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    integrator_client: IntegratorClient
    request_id: str
    def __init__(self, integrator_client: _Optional[_Union[IntegratorClient, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateIntegratorClientResponse(_message.Message):
    __slots__ = ("integrator_client", "client_secret")
    INTEGRATOR_CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    integrator_client: IntegratorClient
    client_secret: str
    def __init__(self, integrator_client: _Optional[_Union[IntegratorClient, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class GetIntegratorClientRequest(_message.Message):
    __slots__ = ("client_id",)
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    def __init__(self, client_id: _Optional[str] = ...) -> None: ...

class GetIntegratorClientResponse(_message.Message):
    __slots__ = ("integrator_client",)
    INTEGRATOR_CLIENT_FIELD_NUMBER: _ClassVar[int]
    integrator_client: IntegratorClient
    def __init__(self, integrator_client: _Optional[_Union[IntegratorClient, _Mapping]] = ...) -> None: ...

class DeleteIntegratorClientRequest(_message.Message):
    __slots__ = ("client_id", "request_id")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    request_id: str
    def __init__(self, client_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteIntegratorClientResponse(_message.Message):
    __slots__ = ("integrator_client",)
    INTEGRATOR_CLIENT_FIELD_NUMBER: _ClassVar[int]
    integrator_client: IntegratorClient
    def __init__(self, integrator_client: _Optional[_Union[IntegratorClient, _Mapping]] = ...) -> None: ...

class CreateIntegratorTokenRequest(_message.Message):
    __slots__ = ("client_id", "client_secret")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    client_secret: str
    def __init__(self, client_id: _Optional[str] = ..., client_secret: _Optional[str] = ...) -> None: ...

class CreateIntegratorTokenResponse(_message.Message):
    __slots__ = ("access_token", "token_type", "expire_time")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token_type: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, access_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NotificationDelivery(_message.Message):
    __slots__ = ("message_id", "event_id", "recipient", "status", "attempts", "last_error", "create_time", "update_time", "sent_time")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    event_id: str
    recipient: str
    status: NotificationDeliveryStatus
    attempts: int
    last_error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    sent_time: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., event_id: _Optional[str] = ..., recipient: _Optional[str] = ..., status: _Optional[_Union[NotificationDeliveryStatus, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNotificationDeliveriesRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNotificationDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[NotificationDelivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[NotificationDelivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResendNotificationDeliveryRequest(_message.Message):
    __slots__ = ("project_id", "message_id", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    message_id: str
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., message_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResendNotificationDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: NotificationDelivery
    def __init__(self, delivery: _Optional[_Union[NotificationDelivery, _Mapping]] = ...) -> None: ...
