"""The DrawingInternalService gRPC servicer: what the connection service (and the platform)
ask of the drawing service — the projects it serves, revision counts, feed heads, and the
sync engine's initial copy, applying changes and recording a disconnect."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from connectability.internal.v1 import drawing_internal_service_pb2 as ipb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as ipb_grpc
from services.drawing.api import internal_messages as messages
from services.drawing.domain import access_policy
from services.drawing.use_cases.connection_sync import ConnectionSync
from services.drawing.use_cases.feed_heads import FeedHeads
from services.drawing.use_cases.projects import Projects
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.runtime.project_facts_messages import facts_from_message, facts_to_message
from shared.runtime.request_checks import require_fields, required_id


class DrawingInternalServicer(ipb_grpc.DrawingInternalServiceServicer):
    def __init__(
        self,
        projects: Projects,
        sync: ConnectionSync,
        feed_heads: FeedHeads,
        idempotent_calls: IdempotentCalls,
    ) -> None:
        self._projects = projects
        self._sync = sync
        self._feed_heads = feed_heads
        self.idempotent_calls = idempotent_calls

    def RegisterProject(
        self,
        request: ipb.DrawingInternalServiceRegisterProjectRequest,
        context: grpc.ServicerContext,
    ) -> ipb.DrawingInternalServiceRegisterProjectResponse:
        access_policy.admit("RegisterProject")
        known = self._projects.register(facts_from_message(request.project))
        return ipb.DrawingInternalServiceRegisterProjectResponse(project=facts_to_message(known))

    def GetProject(
        self, request: ipb.DrawingInternalServiceGetProjectRequest, context: grpc.ServicerContext
    ) -> ipb.DrawingInternalServiceGetProjectResponse:
        access_policy.admit("GetProject")
        require_fields(request, "project_id")
        facts = self._projects.get(request.project_id)
        return ipb.DrawingInternalServiceGetProjectResponse(project=facts_to_message(facts))

    def CountProjectRevisions(
        self, request: ipb.CountProjectRevisionsRequest, context: grpc.ServicerContext
    ) -> ipb.CountProjectRevisionsResponse:
        access_policy.admit("CountProjectRevisions")
        count, published = self._projects.count_revisions(
            required_id(request.project_id, "project_id")
        )
        return ipb.CountProjectRevisionsResponse(
            revision_count=count, published_revision_count=published
        )

    def WatchFeedHeads(
        self, request: ipb.WatchFeedHeadsRequest, context: grpc.ServicerContext
    ) -> Iterator[ipb.WatchFeedHeadsResponse]:
        access_policy.admit("WatchFeedHeads")
        heads = self._feed_heads.watch(messages.watched_projects(request), context.is_active)
        for project_id, head in heads:
            yield ipb.WatchFeedHeadsResponse(project_id=project_id, last_sequence=head)

    @idempotent(ipb.CopyPublishedRevisionsResponse)
    def CopyPublishedRevisions(
        self, request: ipb.CopyPublishedRevisionsRequest, context: grpc.ServicerContext
    ) -> ipb.CopyPublishedRevisionsResponse:
        access_policy.admit("CopyPublishedRevisions")
        snapshot, copies = self._sync.copy_published_revisions(messages.sync_target(request))
        return ipb.CopyPublishedRevisionsResponse(snapshot_sequence=snapshot, copied_count=copies)

    def ApplyProjectChanges(
        self, request: ipb.ApplyProjectChangesRequest, context: grpc.ServicerContext
    ) -> ipb.ApplyProjectChangesResponse:
        access_policy.admit("ApplyProjectChanges")
        target = messages.sync_target(request)
        applied = self._sync.apply_project_changes(target, list(request.changes))
        return ipb.ApplyProjectChangesResponse(
            applied_through_sequence=applied.applied_through_sequence,
            applied_count=applied.applied_count,
        )

    def ApplyProjectChangesToConnections(
        self, request: ipb.ApplyProjectChangesToConnectionsRequest, context: grpc.ServicerContext
    ) -> ipb.ApplyProjectChangesToConnectionsResponse:
        access_policy.admit("ApplyProjectChangesToConnections")
        upstream_id = required_id(request.upstream_project_id, "upstream_project_id")
        targets = messages.sync_targets(upstream_id, request.connections)
        outcomes = self._sync.apply_to_connections(targets, list(request.changes))
        return ipb.ApplyProjectChangesToConnectionsResponse(
            results=[messages.apply_result(outcome) for outcome in outcomes]
        )

    def MarkConnectionDisconnected(
        self, request: ipb.MarkConnectionDisconnectedRequest, context: grpc.ServicerContext
    ) -> ipb.MarkConnectionDisconnectedResponse:
        access_policy.admit("MarkConnectionDisconnected")
        connection_id = required_id(request.connection_id, "connection_id")
        downstream_id = required_id(request.downstream_project_id, "downstream_project_id")
        marked = self._sync.mark_disconnected(connection_id, downstream_id)
        return ipb.MarkConnectionDisconnectedResponse(sets_marked=marked)
