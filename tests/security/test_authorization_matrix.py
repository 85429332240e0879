"""Authorization everywhere: every RPC of every service, with five callers, exact statuses.

The callers: an outsider (a person of another company with no grants), a read_only, a
standard and an admin person of the company that owns the resources (project-level
Drawings and Connection Manager levels; the admin is also the company admin), and a wrong
service (one of our services that has no business calling the RPC). Each RPC's request is
valid apart from its caller; where none of the five may call it, the platform's call proves
the request valid. An outsider's NOT_FOUND must equal the one a made-up id gets (R27).

The list of RPCs comes from the generated descriptors: an RPC without a row fails. Each
row's expectations are checked against the service's policy table (access_policy.CALLERS,
what the servicers check callers against), and the R33 cases (tool admins granting, reading
one's own levels, company admins) have their own tests at the end, on the same world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from connectability.internal.v1 import drawing_internal_service_pb2 as dipb
from connectability.internal.v1 import notification_internal_service_pb2 as npb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as dpb
from services.connection.domain import access_policy as connection_policy
from services.drawing.domain import access_policy as drawing_policy
from services.notification.domain import access_policy as notification_policy
from shared.facts.caller_policy import TOOL_LEVELS, Callers
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually, refusal
from tests.security.rpcs import OK, Rpc, all_rpcs, invoke
from tests.security.world import LEVELS, World, build_world, unique

Outcome = tuple[str, str]
CALLERS = ("outsider", "wrong_service", "read_only", "standard", "admin")
# The wrong service for each contract: calls go down only, so nothing calls the connection
# service, and only the connection service calls the other two.
WRONG_SERVICE = {
    "ConnectionService": "service:notification",
    "DrawingService": "service:notification",
    "DrawingInternalService": "service:notification",
    "NotificationInternalService": "service:drawing",
}

DENIED = ("PERMISSION_DENIED", "PERMISSION_DENIED")
PERSON = ("PERMISSION_DENIED", "PERSON_REQUIRED")
COMPANY_ADMIN = ("PERMISSION_DENIED", "COMPANY_ADMIN_REQUIRED")
CM_ADMIN = ("PERMISSION_DENIED", "CONNECTION_MANAGER_ADMIN_REQUIRED")
DRAWINGS_ADMIN = ("PERMISSION_DENIED", "DRAWINGS_ADMIN_REQUIRED")
DRAWINGS_STANDARD = ("PERMISSION_DENIED", "DRAWINGS_STANDARD_REQUIRED")


def hidden(kind: str) -> Outcome:
    return ("NOT_FOUND", f"{kind}_NOT_FOUND")


Build = Callable[[World], Message]


@dataclass(frozen=True)
class Case:
    build: Build
    expect: dict[str, Outcome]
    # The id an outsider must not learn exists: replaced by a made-up one, same answer.
    hides: Callable[[World], str] | None = None
    # What the platform gets, when none of the five callers may call the RPC.
    proof: Outcome | None = None
    notes: list[str] = field(default_factory=list)


def callers(
    outsider: Outcome, wrong: Outcome, read_only: Outcome, standard: Outcome, admin: Outcome
) -> dict[str, Outcome]:
    return dict(zip(CALLERS, (outsider, wrong, read_only, standard, admin), strict=True))


def systems_only(build: Build, proof: Outcome | None = OK) -> Case:
    """Only the platform (and for service RPCs the connection service) may call."""
    return Case(build, callers(DENIED, DENIED, DENIED, DENIED, DENIED), proof=proof)


def readable(build: Build, kind: str, hides: Callable[[World], str], wrong: Outcome = OK) -> Case:
    """Read at read_only and up; an outsider sees nothing."""
    return Case(build, callers(hidden(kind), wrong, OK, OK, OK), hides)


def changed_by(
    build: Build,
    kind: str,
    hides: Callable[[World], str],
    read_only: Outcome,
    standard: Outcome,
    wrong: Outcome,
) -> Case:
    return Case(build, callers(hidden(kind), wrong, read_only, standard, OK), hides)


def mask(*paths: str) -> FieldMask:
    return FieldMask(paths=list(paths))


def _company(w: World) -> str:
    return w.company_id


def _upstream(w: World) -> str:
    return w.upstream_id


def _connection(key: str) -> Callable[[World], str]:
    return lambda w: w.connections[key]


def _revision(key: str) -> Callable[[World], str]:
    return lambda w: w.revisions[key]


# Client applications of the world's company, registered once per world by the platform:
# one to read and revoke, one whose credentials are exchanged for tokens.
_CLIENTS: dict[tuple[str, str], pb.CreateIntegratorClientResponse] = {}


def _registered_client(w: World, purpose: str) -> pb.CreateIntegratorClientResponse:
    key = (w.company_id, purpose)
    if key not in _CLIENTS:
        client = pb.IntegratorClient(
            company_id=w.company_id,
            display_name=f"Matrix {purpose}",
            mode=pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER,
            user_id=w.user_ids["read_only"],
        )
        _CLIENTS[key] = w.platform.connection.CreateIntegratorClient(
            pb.CreateIntegratorClientRequest(integrator_client=client),
            metadata=w.auth("platform"),
            timeout=10,
        )
    return _CLIENTS[key]


def _client(w: World) -> str:
    return _registered_client(w, "managed").integrator_client.id


def _facts(w: World, process: str) -> common_pb2.ProjectFacts:
    auth = w.auth("platform")
    if process == "drawing":
        request = dipb.DrawingInternalServiceGetProjectRequest(project_id=w.upstream_id)
        return w.platform.drawing_internal.GetProject(request, metadata=auth, timeout=10).project
    request_n = npb.NotificationInternalServiceGetProjectRequest(project_id=w.upstream_id)
    return w.platform.notification.GetProject(request_n, metadata=auth, timeout=10).project


WRONG = "service:notification"
NO_DELIVERY = "<no-such-delivery@connectability.local>"
CONNECTION_CASES: dict[str, Case] = {
    "CreateCompany": systems_only(
        lambda w: pb.CreateCompanyRequest(
            company=pb.Company(name="New Co", file_storage_location="us"),
            company_id=unique("co"),
        )
    ),
    "GetCompany": readable(
        lambda w: pb.GetCompanyRequest(company_id=w.company_id), "COMPANY", _company
    ),
    "ListCompanies": Case(lambda w: pb.ListCompaniesRequest(), callers(OK, OK, OK, OK, OK)),
    "UpdateCompany": changed_by(
        lambda w: pb.UpdateCompanyRequest(
            company=pb.Company(
                id=w.company_id, approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED
            ),
            update_mask=mask("approval_preference"),
        ),
        "COMPANY",
        _company,
        read_only=COMPANY_ADMIN,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    "CreateProject": systems_only(
        lambda w: pb.CreateProjectRequest(
            project=pb.Project(company_id=w.outsider_company_id, name="Spare")
        )
    ),
    "GetProject": readable(
        lambda w: pb.GetProjectRequest(project_id=w.upstream_id), "PROJECT", _upstream
    ),
    "ListProjects": readable(
        lambda w: pb.ListProjectsRequest(company_id=w.company_id), "COMPANY", _company
    ),
    # R33: the company admin of the owning company renames its projects.
    "UpdateProject": changed_by(
        lambda w: pb.UpdateProjectRequest(
            project=pb.Project(id=w.upstream_id, name="Upstream tower"), update_mask=mask("name")
        ),
        "PROJECT",
        _upstream,
        read_only=COMPANY_ADMIN,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    "CreateUser": systems_only(
        lambda w: pb.CreateUserRequest(
            user=pb.User(
                company_id=w.outsider_company_id,
                email=f"{unique('new')}@example.com",
                display_name="New Person",
                company_role=pb.COMPANY_ROLE_MEMBER,
            )
        )
    ),
    "GetUser": readable(
        lambda w: pb.GetUserRequest(user_id=w.user_ids["read_only"]),
        "USER",
        lambda w: w.user_ids["read_only"],
    ),
    "ListUsers": readable(
        lambda w: pb.ListUsersRequest(company_id=w.company_id), "COMPANY", _company
    ),
    # The read_only person's own display name: theirs to change, and their company admin's.
    "UpdateUser": changed_by(
        lambda w: pb.UpdateUserRequest(
            user=pb.User(id=w.user_ids["read_only"], display_name="Pat Builder"),
            update_mask=mask("display_name"),
        ),
        "USER",
        lambda w: w.user_ids["read_only"],
        read_only=OK,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    # R33: the project's Connection Manager admin grants that tool's levels on it.
    "SetConnectionManagerPermission": changed_by(
        lambda w: pb.SetConnectionManagerPermissionRequest(
            project_id=w.upstream_id,
            user_id=w.user_ids["read_only"],
            level=common_pb2.PERMISSION_LEVEL_READ_ONLY,
        ),
        "PROJECT",
        _upstream,
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=DENIED,
    ),
    # Below admin, a person reads their own grant only (R33).
    "ListConnectionManagerPermissions": readable(
        lambda w: pb.ListConnectionManagerPermissionsRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
    ),
    "ListConnectableProjects": changed_by(
        lambda w: pb.ListConnectableProjectsRequest(
            downstream_project_id=w.downstream_ids["to_request"]
        ),
        "PROJECT",
        lambda w: w.downstream_ids["to_request"],
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "RequestConnection": changed_by(
        lambda w: pb.RequestConnectionRequest(
            downstream_project_id=w.downstream_ids["to_request"], upstream_project_id=w.upstream_id
        ),
        "PROJECT",
        _upstream,
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "CreateIntegratorClient": changed_by(
        lambda w: pb.CreateIntegratorClientRequest(
            integrator_client=pb.IntegratorClient(
                company_id=w.company_id,
                display_name="Importer",
                mode=pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER,
                user_id=w.user_ids["admin"],  # a company admin registers for themselves
            )
        ),
        "COMPANY",
        _company,
        read_only=COMPANY_ADMIN,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    "GetIntegratorClient": changed_by(
        lambda w: pb.GetIntegratorClientRequest(client_id=_client(w)),
        "INTEGRATOR_CLIENT",
        _client,
        read_only=COMPANY_ADMIN,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    "DeleteIntegratorClient": changed_by(
        lambda w: pb.DeleteIntegratorClientRequest(client_id=_client(w)),
        "INTEGRATOR_CLIENT",
        _client,
        read_only=COMPANY_ADMIN,
        standard=COMPANY_ADMIN,
        wrong=DENIED,
    ),
    # Public: the client's id and secret authenticate it; any bearer token is ignored.
    "CreateIntegratorToken": Case(
        lambda w: pb.CreateIntegratorTokenRequest(
            client_id=_registered_client(w, "exchanging").integrator_client.id,
            client_secret=_registered_client(w, "exchanging").client_secret,
        ),
        callers(OK, OK, OK, OK, OK),
    ),
    "GetConnection": readable(
        lambda w: pb.GetConnectionRequest(connection_id=w.connections["active"]),
        "CONNECTION",
        _connection("active"),
    ),
    "ListConnections": readable(
        lambda w: pb.ListConnectionsRequest(project_id=w.upstream_id), "PROJECT", _upstream
    ),
    "ApproveConnection": changed_by(
        lambda w: pb.ApproveConnectionRequest(connection_id=w.connections["to_approve"]),
        "CONNECTION",
        _connection("to_approve"),
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "RejectConnection": changed_by(
        lambda w: pb.RejectConnectionRequest(
            connection_id=w.connections["to_reject"], reason="Not now"
        ),
        "CONNECTION",
        _connection("to_reject"),
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "WithdrawConnection": changed_by(
        lambda w: pb.WithdrawConnectionRequest(connection_id=w.connections["to_withdraw"]),
        "CONNECTION",
        _connection("to_withdraw"),
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "DisconnectConnection": changed_by(
        lambda w: pb.DisconnectConnectionRequest(
            connection_id=w.connections["to_disconnect"], reason="Done"
        ),
        "CONNECTION",
        _connection("to_disconnect"),
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=PERSON,
    ),
    "ListConnectionEvents": readable(
        lambda w: pb.ListConnectionEventsRequest(connection_id=w.connections["active"]),
        "CONNECTION",
        _connection("active"),
    ),
    "GetSyncState": readable(
        lambda w: pb.GetSyncStateRequest(connection_id=w.connections["active"]),
        "CONNECTION",
        _connection("active"),
    ),
    "WatchInitialCopyProgress": readable(
        lambda w: pb.WatchInitialCopyProgressRequest(connection_id=w.connections["active"]),
        "CONNECTION",
        _connection("active"),
    ),
    "GetDistributionList": readable(
        lambda w: pb.GetDistributionListRequest(project_id=w.upstream_id), "PROJECT", _upstream
    ),
    "UpdateDistributionList": changed_by(
        lambda w: pb.UpdateDistributionListRequest(
            project_id=w.upstream_id, emails=["team@example.com"]
        ),
        "PROJECT",
        _upstream,
        read_only=CM_ADMIN,
        standard=CM_ADMIN,
        wrong=DENIED,
    ),
    "ListNotificationDeliveries": readable(
        lambda w: pb.ListNotificationDeliveriesRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=DENIED,
    ),
    # The admin passes the permission check and then learns the delivery does not exist:
    # resending a real one is proven in tests/integration/test_notification_deliveries.py.
    "ResendNotificationDelivery": Case(
        lambda w: pb.ResendNotificationDeliveryRequest(
            project_id=w.upstream_id, message_id=NO_DELIVERY
        ),
        callers(hidden("PROJECT"), DENIED, CM_ADMIN, CM_ADMIN, hidden("DELIVERY")),
        _upstream,
    ),
}

NO_SERVICE = DENIED  # a service other than the connection service, on a people's RPC
DRAWING_CASES: dict[str, Case] = {
    # R33: the project's Drawings admin grants Drawings levels on it.
    "SetDrawingsPermission": changed_by(
        lambda w: dpb.SetDrawingsPermissionRequest(
            project_id=w.upstream_id,
            user_id=w.user_ids["read_only"],
            level=common_pb2.PERMISSION_LEVEL_READ_ONLY,
        ),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    # The read_only person's level: theirs to read, and the Drawings admin's.
    "GetDrawingsPermission": changed_by(
        lambda w: dpb.GetDrawingsPermissionRequest(
            project_id=w.upstream_id, user_id=w.user_ids["read_only"]
        ),
        "PROJECT",
        _upstream,
        read_only=OK,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    # Below admin, a person lists their own grant (an outsider: none, so an empty list).
    "ListDrawingsPermissions": Case(
        lambda w: dpb.ListDrawingsPermissionsRequest(project_id=w.upstream_id),
        callers(OK, NO_SERVICE, OK, OK, OK),
    ),
    "CreateDrawingArea": changed_by(
        lambda w: dpb.CreateDrawingAreaRequest(
            drawing_area=dpb.DrawingArea(project_id=w.upstream_id, name=unique("Area"))
        ),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "GetDrawingArea": readable(
        lambda w: dpb.GetDrawingAreaRequest(drawing_area_id=w.area_id),
        "DRAWING_AREA",
        lambda w: w.area_id,
        wrong=NO_SERVICE,
    ),
    "ListDrawingAreas": readable(
        lambda w: dpb.ListDrawingAreasRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=NO_SERVICE,
    ),
    "UpdateDrawingArea": changed_by(
        lambda w: dpb.UpdateDrawingAreaRequest(
            drawing_area=dpb.DrawingArea(id=w.area_id, name="Architectural"),
            update_mask=mask("name"),
        ),
        "DRAWING_AREA",
        lambda w: w.area_id,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "CreateDrawingSet": changed_by(
        lambda w: dpb.CreateDrawingSetRequest(
            drawing_set=dpb.DrawingSet(
                project_id=w.upstream_id, name=unique("Set"), set_date="2026-11-02"
            )
        ),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "ListDrawingSets": readable(
        lambda w: dpb.ListDrawingSetsRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=NO_SERVICE,
    ),
    "UpdateDrawingSet": changed_by(
        lambda w: dpb.UpdateDrawingSetRequest(
            drawing_set=dpb.DrawingSet(id=w.set_id, name="IFC"), update_mask=mask("name")
        ),
        "DRAWING_SET",
        lambda w: w.set_id,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "CreateDrawing": changed_by(
        lambda w: dpb.CreateDrawingRequest(
            drawing=dpb.Drawing(area_id=w.area_id, number=unique("A"), discipline="Arch")
        ),
        "DRAWING_AREA",
        lambda w: w.area_id,
        read_only=DRAWINGS_STANDARD,
        standard=OK,
        wrong=NO_SERVICE,
    ),
    "GetDrawing": readable(
        lambda w: dpb.GetDrawingRequest(drawing_id=w.drawing_id),
        "DRAWING",
        lambda w: w.drawing_id,
        wrong=NO_SERVICE,
    ),
    "ListDrawings": readable(
        lambda w: dpb.ListDrawingsRequest(area_id=w.area_id),
        "DRAWING_AREA",
        lambda w: w.area_id,
        wrong=NO_SERVICE,
    ),
    "UpdateDrawing": changed_by(
        lambda w: dpb.UpdateDrawingRequest(
            drawing=dpb.Drawing(id=w.drawing_id, title="Plan"), update_mask=mask("title")
        ),
        "DRAWING",
        lambda w: w.drawing_id,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "GetDrawingRevision": readable(
        lambda w: dpb.GetDrawingRevisionRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        wrong=NO_SERVICE,
    ),
    "ListDrawingRevisions": readable(
        lambda w: dpb.ListDrawingRevisionsRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=NO_SERVICE,
    ),
    "UpdateDrawingRevision": changed_by(
        lambda w: dpb.UpdateDrawingRevisionRequest(
            revision=dpb.DrawingRevision(id=w.revisions["published"], revision_number="1"),
            update_mask=mask("revision_number"),
        ),
        "REVISION",
        _revision("published"),
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "ConfirmDrawingRevisions": changed_by(
        lambda w: dpb.ConfirmDrawingRevisionsRequest(
            project_id=w.upstream_id, revision_ids=[w.revisions["to_confirm"]]
        ),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "PublishDrawingRevisions": changed_by(
        lambda w: dpb.PublishDrawingRevisionsRequest(
            set_id=w.set_id, revision_ids=[w.revisions["to_publish"]]
        ),
        "DRAWING_SET",
        lambda w: w.set_id,
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "SetCurrentDrawingRevision": changed_by(
        lambda w: dpb.SetCurrentDrawingRevisionRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "WithdrawDrawingRevision": changed_by(
        lambda w: dpb.WithdrawDrawingRevisionRequest(revision_id=w.revisions["to_withdraw"]),
        "REVISION",
        _revision("to_withdraw"),
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    # Unpublished: a read_only person cannot see it at all (R26), so NOT_FOUND.
    "DeleteDrawingRevision": changed_by(
        lambda w: dpb.DeleteDrawingRevisionRequest(revision_id=w.revisions["to_delete"]),
        "REVISION",
        _revision("to_delete"),
        read_only=hidden("REVISION"),
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "CreateUpload": changed_by(
        lambda w: dpb.CreateUploadRequest(project_id=w.upstream_id, response_filename="A-1.pdf"),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_STANDARD,
        standard=OK,
        wrong=NO_SERVICE,
    ),
    "CreateDrawingUpload": changed_by(
        lambda w: w.import_request(),
        "PROJECT",
        _upstream,
        read_only=DRAWINGS_STANDARD,
        standard=OK,
        wrong=NO_SERVICE,
    ),
    "GetDrawingUpload": changed_by(
        lambda w: dpb.GetDrawingUploadRequest(drawing_upload_id=w.drawing_upload_id),
        "DRAWING_UPLOAD",
        lambda w: w.drawing_upload_id,
        read_only=DRAWINGS_STANDARD,
        standard=OK,
        wrong=NO_SERVICE,
    ),
    "CreateMarkup": changed_by(
        lambda w: dpb.CreateMarkupRequest(
            markup=dpb.Markup(revision_id=w.revisions["published"], kind="cloud", data="{}")
        ),
        "REVISION",
        _revision("published"),
        read_only=DRAWINGS_STANDARD,
        standard=OK,
        wrong=NO_SERVICE,
    ),
    "ListMarkups": readable(
        lambda w: dpb.ListMarkupsRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        wrong=NO_SERVICE,
    ),
    "SetCustomField": changed_by(
        lambda w: dpb.SetCustomFieldRequest(
            revision_id=w.revisions["published"],
            custom_field=dpb.CustomField(name="Phase", value="2"),
        ),
        "REVISION",
        _revision("published"),
        read_only=DRAWINGS_ADMIN,
        standard=DRAWINGS_ADMIN,
        wrong=NO_SERVICE,
    ),
    "ListCustomFields": readable(
        lambda w: dpb.ListCustomFieldsRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        wrong=NO_SERVICE,
    ),
    # The change feed is public (an integrator's incremental sync): read_only and up.
    "ListProjectChanges": readable(
        lambda w: dpb.ListProjectChangesRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=DENIED,
    ),
    "WatchProjectChanges": readable(
        lambda w: dpb.WatchProjectChangesRequest(project_id=w.upstream_id),
        "PROJECT",
        _upstream,
        wrong=DENIED,
    ),
    "GetRevisionDownload": readable(
        lambda w: dpb.GetRevisionDownloadRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        wrong=NO_SERVICE,
    ),
    "DownloadRevisionFile": readable(
        lambda w: dpb.DownloadRevisionFileRequest(revision_id=w.revisions["published"]),
        "REVISION",
        _revision("published"),
        wrong=NO_SERVICE,
    ),
    # The sync engine's RPCs: the sync tests prove the connection service's calls; here the
    # platform is not asked to copy or mark anything behind the sync's back.
}

DRAWING_INTERNAL_CASES: dict[str, Case] = {
    "RegisterProject": systems_only(
        lambda w: dipb.DrawingInternalServiceRegisterProjectRequest(project=_facts(w, "drawing"))
    ),
    "GetProject": systems_only(
        lambda w: dipb.DrawingInternalServiceGetProjectRequest(project_id=w.upstream_id)
    ),
    "CountProjectRevisions": systems_only(
        lambda w: dipb.CountProjectRevisionsRequest(project_id=w.upstream_id)
    ),
    "WatchFeedHeads": systems_only(
        lambda w: dipb.WatchFeedHeadsRequest(project_ids=[w.upstream_id])
    ),
    "CopyPublishedRevisions": systems_only(
        lambda w: dipb.CopyPublishedRevisionsRequest(
            connection_id=w.connections["active"],
            upstream_project_id=w.upstream_id,
            downstream_project_id=w.downstream_ids["active"],
        ),
        proof=None,
    ),
    "ApplyProjectChanges": systems_only(
        lambda w: dipb.ApplyProjectChangesRequest(
            connection_id=w.connections["active"],
            upstream_project_id=w.upstream_id,
            downstream_project_id=w.downstream_ids["active"],
        ),
        proof=None,
    ),
    "ApplyProjectChangesToConnections": systems_only(
        lambda w: dipb.ApplyProjectChangesToConnectionsRequest(
            upstream_project_id=w.upstream_id,
            connections=[
                dipb.ConnectionTarget(
                    connection_id=w.connections["active"],
                    downstream_project_id=w.downstream_ids["active"],
                )
            ],
        ),
        proof=None,
    ),
    "MarkConnectionDisconnected": systems_only(
        lambda w: dipb.MarkConnectionDisconnectedRequest(
            connection_id=w.connections["active"],
            downstream_project_id=w.downstream_ids["active"],
        ),
        proof=None,
    ),
}


NOTIFICATION_CASES: dict[str, Case] = {
    "RegisterProject": systems_only(
        lambda w: npb.NotificationInternalServiceRegisterProjectRequest(
            project=_facts(w, "notification")
        )
    ),
    "GetProject": systems_only(
        lambda w: npb.NotificationInternalServiceGetProjectRequest(project_id=w.upstream_id)
    ),
    "GetDistributionList": systems_only(
        lambda w: npb.GetDistributionListRequest(
            project_id=w.upstream_id, tool=common_pb2.TOOL_CONNECTION_MANAGER
        )
    ),
    "UpdateDistributionList": systems_only(
        lambda w: npb.UpdateDistributionListRequest(
            project_id=w.upstream_id,
            tool=common_pb2.TOOL_CONNECTION_MANAGER,
            emails=["team@example.com"],
        )
    ),
    "Notify": systems_only(
        lambda w: npb.NotifyRequest(
            event=npb.NotificationEvent(
                kind=npb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED,
                project_id=w.upstream_id,
                connection_id=w.connections["to_approve"],
            ),
            idempotency_key=unique("matrix"),
        )
    ),
    "ListDeliveries": systems_only(lambda w: npb.ListDeliveriesRequest(project_id=w.upstream_id)),
    "ResendDelivery": systems_only(
        lambda w: npb.ResendDeliveryRequest(project_id=w.upstream_id, message_id=NO_DELIVERY),
        proof=hidden("DELIVERY"),
    ),
}

TABLE: dict[str, Case] = {
    **{f"ConnectionService/{name}": case for name, case in CONNECTION_CASES.items()},
    **{f"DrawingService/{name}": case for name, case in DRAWING_CASES.items()},
    **{f"DrawingInternalService/{name}": case for name, case in DRAWING_INTERNAL_CASES.items()},
    **{f"NotificationInternalService/{name}": case for name, case in NOTIFICATION_CASES.items()},
}
RPCS = all_rpcs()


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    yield build_world(stack)


def with_made_up_id(request: Message, real_id: str) -> Message:
    """The same request with every occurrence of ``real_id`` replaced by a made-up id."""
    made_up = type(request)()
    made_up.CopyFrom(request)
    fake = unique("made-up")

    def replace(message: Message) -> None:
        for descriptor, value in message.ListFields():
            if descriptor.message_type is not None:
                items = value if descriptor.is_repeated else [value]
                for item in items:
                    replace(item)
            elif descriptor.type == descriptor.TYPE_STRING:
                if descriptor.is_repeated:
                    value[:] = [fake if v == real_id else v for v in value]
                elif value == real_id:
                    setattr(message, descriptor.name, fake)

    replace(made_up)
    return made_up


def test_every_table_row_names_a_real_rpc() -> None:
    assert sorted(set(TABLE) - {rpc.key for rpc in RPCS}) == []


@pytest.mark.parametrize("rpc", RPCS, ids=lambda rpc: rpc.key)
def test_each_caller_gets_exactly_its_status(world: World, rpc: Rpc) -> None:
    case = TABLE.get(rpc.key)
    assert case is not None, f"{rpc.key} has no row in the authorization matrix: add one"
    tokens = {**world.tokens, "wrong_service": world.tokens[WRONG_SERVICE[rpc.service.name]]}
    got: dict[str, Outcome] = {}
    for caller in CALLERS:  # the admin last: the only caller whose call may consume the world
        got[caller] = invoke(world.stack, rpc, case.build(world), tokens[caller])
    if case.hides is not None:
        made_up = with_made_up_id(case.build(world), case.hides(world))
        got["outsider, made-up id"] = invoke(world.stack, rpc, made_up, tokens["outsider"])
    expected: dict[str, Outcome] = dict(case.expect)
    if case.hides is not None:
        assert case.expect["outsider"][0] == "NOT_FOUND", "an outsider must learn nothing"
        expected["outsider, made-up id"] = case.expect["outsider"]
    if case.proof is not None:
        got["platform"] = invoke(world.stack, rpc, case.build(world), tokens["platform"])
        expected["platform"] = case.proof
    wrong = {who: (got[who], want) for who, want in expected.items() if got[who] != want}
    assert not wrong, f"{rpc.key}: (got, expected) per caller: {wrong}"


# The policy tables the servicers check callers against (services/*/access_policy.py).
POLICIES: dict[str, dict[str, Callers]] = {
    "connection": connection_policy.CALLERS,
    "drawing": drawing_policy.CALLERS,
    "notification": notification_policy.CALLERS,
}
PEOPLE = ("outsider", "read_only", "standard", "admin")


@pytest.mark.parametrize("rpc", RPCS, ids=lambda rpc: rpc.key)
def test_each_row_agrees_with_the_policy_table(rpc: Rpc) -> None:
    """What the matrix expects is what the policy row admits: the wrong service succeeds
    exactly when the row names it; people succeed only where the row admits people, and
    below a row's lowest tool level only through its company or self alternatives."""
    case, row = TABLE[rpc.key], POLICIES[rpc.process][rpc.method.name]
    wrong_service = WRONG_SERVICE[rpc.service.name].removeprefix("service:")
    assert (case.expect["wrong_service"] == OK) == (row.anyone or wrong_service in row.services), (
        f"{rpc.key}: the wrong service's outcome disagrees with {row.sentence()}"
    )
    if not (row.anyone or row.admits_people):
        assert all(case.expect[who] != OK for who in PEOPLE), f"{rpc.key}: {row.sentence()}"
    if row.anyone or row.company_admin or row.company_users or row.self_:
        return
    lowest = min((TOOL_LEVELS.index(level.level) for level in row.levels), default=None)
    for who in ("read_only", "standard"):
        if case.expect[who] == OK:
            assert lowest is not None and TOOL_LEVELS.index(who) >= lowest, rpc.key


def _person(w: World, company_id: str, admin: bool = False) -> tuple[str, str]:
    """A new user of ``company_id`` with no grants: (id, token)."""
    user = w.platform.user(company_id, admin=admin)
    return user.id, w.stack.keys.user_token(user.id, company_id)


def _cm_grant(w: World, auth: list[tuple[str, str]], project_id: str, user_id: str, level: int):
    request = pb.SetConnectionManagerPermissionRequest(
        project_id=project_id, user_id=user_id, level=level
    )
    return w.platform.connection.SetConnectionManagerPermission(request, metadata=auth, timeout=10)


def _drawings_grant(
    w: World, auth: list[tuple[str, str]], project_id: str, user_id: str, level: int
):
    request = dpb.SetDrawingsPermissionRequest(project_id=project_id, user_id=user_id, level=level)
    return w.platform.drawing.SetDrawingsPermission(request, metadata=auth, timeout=10)


def test_tool_admins_grant_their_tool_to_collaborators_and_nothing_more(world: World) -> None:
    w, admin = world, world.auth("admin")
    collaborator, as_collaborator = _person(w, w.outsider_company_id)
    other, _ = _person(w, w.outsider_company_id)
    get_project = pb.GetProjectRequest(project_id=w.upstream_id)
    assert refusal(w.platform.connection.GetProject, get_project, as_collaborator) == (
        hidden("PROJECT")
    )

    # The home company's admins let a person of another company in, tool by tool (R33).
    _cm_grant(w, admin, w.upstream_id, collaborator, common_pb2.PERMISSION_LEVEL_ADMIN)
    seen = w.platform.connection.GetProject(
        get_project, metadata=bearer(as_collaborator), timeout=10
    )
    assert seen.project.id == w.upstream_id
    _drawings_grant(w, admin, w.upstream_id, collaborator, common_pb2.PERMISSION_LEVEL_READ_ONLY)

    # As the upstream's Connection Manager admin they grant that tool there, to anyone...
    granted = _cm_grant(
        w, bearer(as_collaborator), w.upstream_id, other, common_pb2.PERMISSION_LEVEL_READ_ONLY
    )
    assert granted.permission.level == common_pb2.PERMISSION_LEVEL_READ_ONLY
    # ...but not Drawings levels, not even their own, nor on a project they do not manage.
    grab = dpb.SetDrawingsPermissionRequest(
        project_id=w.upstream_id, user_id=collaborator, level=common_pb2.PERMISSION_LEVEL_ADMIN
    )
    assert refusal(w.platform.drawing.SetDrawingsPermission, grab, as_collaborator) == (
        DRAWINGS_ADMIN
    )
    elsewhere = pb.SetConnectionManagerPermissionRequest(
        project_id=w.downstream_ids["active"],
        user_id=collaborator,
        level=common_pb2.PERMISSION_LEVEL_ADMIN,
    )
    assert refusal(
        w.platform.connection.SetConnectionManagerPermission, elsewhere, as_collaborator
    ) == hidden("PROJECT")
    drawings_level = dpb.GetDrawingsPermissionRequest(
        project_id=w.upstream_id, user_id=collaborator
    )
    assert (
        w.platform.drawing.GetDrawingsPermission(
            drawings_level, metadata=bearer(as_collaborator), timeout=10
        ).permission.level
        == common_pb2.PERMISSION_LEVEL_READ_ONLY
    )

    # Revoking is granting NONE: the collaborator sees nothing again.
    _cm_grant(w, admin, w.upstream_id, collaborator, common_pb2.PERMISSION_LEVEL_NONE)
    assert refusal(w.platform.connection.GetProject, get_project, as_collaborator) == (
        hidden("PROJECT")
    )


def test_everyone_reads_their_own_levels_and_only_admins_read_all(world: World) -> None:
    w = world
    mine = w.platform.connection.ListConnectionManagerPermissions(
        pb.ListConnectionManagerPermissionsRequest(project_id=w.upstream_id),
        metadata=w.auth("standard"),
        timeout=10,
    ).permissions
    assert [(p.user_id, p.level) for p in mine] == [
        (w.user_ids["standard"], common_pb2.PERMISSION_LEVEL_STANDARD)
    ]
    everyone = w.platform.connection.ListConnectionManagerPermissions(
        pb.ListConnectionManagerPermissionsRequest(project_id=w.upstream_id),
        metadata=w.auth("admin"),
        timeout=10,
    ).permissions
    assert {w.user_ids[who] for who in LEVELS} <= {p.user_id for p in everyone}

    own_drawings = w.platform.drawing.ListDrawingsPermissions(
        dpb.ListDrawingsPermissionsRequest(user_id=w.user_ids["read_only"]),
        metadata=w.auth("read_only"),
        timeout=10,
    ).permissions
    assert {p.project_id for p in own_drawings} == set(w.all_project_ids)
    someone_elses = dpb.ListDrawingsPermissionsRequest(user_id=w.user_ids["admin"])
    assert (
        refusal(w.platform.drawing.ListDrawingsPermissions, someone_elses, w.tokens["read_only"])
        == DENIED
    )
    # An outsider asking their own level anywhere learns NONE, as for a made-up project.
    for project_id in (w.upstream_id, unique("made-up")):
        asked = dpb.GetDrawingsPermissionRequest(
            project_id=project_id, user_id=w.user_ids["outsider"]
        )
        level = w.platform.drawing.GetDrawingsPermission(
            asked, metadata=w.auth("outsider"), timeout=10
        ).permission.level
        assert level == common_pb2.PERMISSION_LEVEL_NONE


def test_company_admins_manage_projects_and_see_connections_without_grants(
    world: World,
) -> None:
    w = world
    _, as_company_admin = _person(w, w.company_id, admin=True)
    _, as_member = _person(w, w.company_id)
    project = w.platform.project(w.company_id, "Annex")

    # R33: the company admin renames and deactivates their company's project, and the
    # services below learn it; a member of the company may not.
    change = pb.UpdateProjectRequest(
        project=pb.Project(id=project.id, name="Annex B", state=pb.PROJECT_STATE_INACTIVE),
        update_mask=mask("name", "state"),
    )
    assert refusal(w.platform.connection.UpdateProject, change, as_member) == (COMPANY_ADMIN)
    changed = w.platform.connection.UpdateProject(
        change, metadata=bearer(as_company_admin), timeout=10
    ).project
    assert (changed.name, changed.state) == ("Annex B", pb.PROJECT_STATE_INACTIVE)
    eventually(lambda: _assert_inactive_below(w, project.id))

    # R33: the company admin sees the company's connections without a Connection Manager
    # grant; a member without one does not.
    connection_id = w.connections["active"]
    for read, request in (
        (w.platform.connection.GetConnection, pb.GetConnectionRequest(connection_id=connection_id)),
        (
            w.platform.connection.ListConnectionEvents,
            pb.ListConnectionEventsRequest(connection_id=connection_id),
        ),
        (w.platform.connection.GetSyncState, pb.GetSyncStateRequest(connection_id=connection_id)),
    ):
        read(request, metadata=bearer(as_company_admin), timeout=10)
        assert refusal(read, request, as_member) == hidden("CONNECTION")
    listed = w.platform.connection.ListConnections(
        pb.ListConnectionsRequest(project_id=w.upstream_id),
        metadata=bearer(as_company_admin),
        timeout=10,
    ).connections
    assert connection_id in {c.id for c in listed}
    assert refusal(
        w.platform.connection.ListConnections,
        pb.ListConnectionsRequest(project_id=w.upstream_id),
        as_member,
    ) == hidden("PROJECT")


def test_people_change_display_names_and_only_the_platform_emails_and_roles(
    world: World,
) -> None:
    w = world
    me = w.user_ids["standard"]
    rename = pb.UpdateUserRequest(
        user=pb.User(id=me, display_name="Sam Site"), update_mask=mask("display_name")
    )
    renamed = w.platform.connection.UpdateUser(rename, metadata=w.auth("standard"), timeout=10)
    assert renamed.user.display_name == "Sam Site"
    own_email = pb.UpdateUserRequest(
        user=pb.User(id=me, email=f"{unique('sam')}@example.com"), update_mask=mask("email")
    )
    promote = pb.UpdateUserRequest(
        user=pb.User(id=me, company_role=pb.COMPANY_ROLE_COMPANY_ADMIN),
        update_mask=mask("company_role"),
    )
    only_platform = ("PERMISSION_DENIED", "PLATFORM_ONLY_FIELD")
    assert refusal(w.platform.connection.UpdateUser, own_email, w.tokens["standard"]) == (
        only_platform
    )
    assert refusal(w.platform.connection.UpdateUser, promote, w.tokens["admin"]) == only_platform


def _assert_inactive_below(w: World, project_id: str) -> None:
    facts = w.platform.drawing_internal.GetProject(
        dipb.DrawingInternalServiceGetProjectRequest(project_id=project_id),
        metadata=w.auth("platform"),
        timeout=10,
    ).project
    assert not facts.active
