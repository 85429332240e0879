"""Companies, projects, people and connections, made through the ConnectionService as the
platform and the people would make them (the test suite's Platform helper does the calls)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import cycle

from bench.measure import wait_until
from bench.stack import addresses_of
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.test_connections import grant
from tests.integration.test_directory import Platform

CALL_TIMEOUT_SECONDS = 30.0
INITIAL_COPY_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class Person:
    id: str
    token: str

    @property
    def auth(self) -> list[tuple[str, str]]:
        return bearer(self.token)


class Directory:
    """One upstream company (auto-approve) with an admin, one downstream company with an
    admin who manages every downstream project and may see the upstream's drawings (R13)."""

    def __init__(self, stack: Stack):
        self.platform = Platform(stack)
        keys = stack.keys
        self.upstream_company = self.platform.company(
            approval_preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE
        )
        self.downstream_company = self.platform.company()
        up_user = self.platform.user(self.upstream_company.id)
        down_user = self.platform.user(self.downstream_company.id)
        self.upstream_admin = Person(
            up_user.id, keys.user_token(up_user.id, self.upstream_company.id)
        )
        self.downstream_admin = Person(
            down_user.id, keys.user_token(down_user.id, self.downstream_company.id)
        )
        self.service_auth = bearer(keys.service_token("connection"))
        self.drawing = drawing_grpc.DrawingServiceStub(stack.channel("drawing"))
        # Publications go through the drawing replicas in turn: the first through the stack's
        # own channel (which the fault trials set up to reconnect quickly), others' their own.
        others = addresses_of(stack, "drawing")[1:]
        self.publishers = cycle(
            [self.drawing]
            + [drawing_grpc.DrawingServiceStub(stack.channel_to(address)) for address in others]
        )

    def upstream_project(self) -> str:
        project = self.platform.project(self.upstream_company.id, name="Upstream")
        grant(self.platform, project.id, self.upstream_admin.id, cm=True, drawings=False)
        self.grant_drawings_admin(project.id, self.upstream_admin.id)
        # The downstream admin must see the upstream's drawings to connect to it (R13).
        grant(self.platform, project.id, self.downstream_admin.id, cm=False, drawings=True)
        return project.id

    def downstream_project(self, name: str = "Downstream") -> str:
        project = self.platform.project(self.downstream_company.id, name=name)
        grant(self.platform, project.id, self.downstream_admin.id, cm=True, drawings=False)
        # Copies arrive unpublished: only Drawings standard and up see them.
        self.grant_drawings_admin(project.id, self.downstream_admin.id)
        return project.id

    def grant_drawings_admin(self, project_id: str, user_id: str) -> None:
        request = drawing_pb.SetDrawingsPermissionRequest(
            project_id=project_id, user_id=user_id, level=common_pb2.PERMISSION_LEVEL_ADMIN
        )
        # Eventually: the project's facts reach the drawing service just after it is created.
        eventually(
            lambda: self.platform.drawing.SetDrawingsPermission(
                request, metadata=self.platform.auth, timeout=CALL_TIMEOUT_SECONDS
            )
        )

    def request_connection(self, downstream_id: str, upstream_id: str) -> pb.Connection:
        """The downstream admin asks; the upstream company auto-approves at once."""
        answer = self.platform.connection.RequestConnection(
            pb.RequestConnectionRequest(
                downstream_project_id=downstream_id, upstream_project_id=upstream_id
            ),
            metadata=self.downstream_admin.auth,
            timeout=CALL_TIMEOUT_SECONDS,
        )
        if answer.connection.state != pb.CONNECTION_STATE_ACTIVE:
            raise RuntimeError(f"connection not auto-approved: {answer.connection}")
        return answer.connection

    def sync_state(self, connection_id: str) -> pb.SyncState:
        return self.platform.connection.GetSyncState(
            pb.GetSyncStateRequest(connection_id=connection_id),
            metadata=self.downstream_admin.auth,
            timeout=CALL_TIMEOUT_SECONDS,
        ).sync_state

    def initial_copy_complete(self, connection_id: str) -> bool:
        state = self.sync_state(connection_id).initial_copy_state
        return bool(state == pb.INITIAL_COPY_STATE_COMPLETE)

    def connect_downstreams(self, upstream_id: str, count: int) -> dict[str, str]:
        """``count`` new downstream projects connected, their initial copies complete:
        each downstream's id and its connection's id."""
        downstreams = [self.downstream_project(f"Downstream {n}") for n in range(count)]
        connections = {down: self.request_connection(down, upstream_id).id for down in downstreams}
        for connection_id in connections.values():
            complete = partial(self.initial_copy_complete, connection_id)
            wait_until(complete, INITIAL_COPY_TIMEOUT_SECONDS)
        return connections

    def publish(self, set_id: str, revision_ids: Sequence[str] = ()) -> None:
        """Publish as the upstream admin (no ids: every reviewed revision of the set), through
        the next drawing replica."""
        next(self.publishers).PublishDrawingRevisions(
            drawing_pb.PublishDrawingRevisionsRequest(set_id=set_id, revision_ids=revision_ids),
            metadata=self.upstream_admin.auth,
            timeout=CALL_TIMEOUT_SECONDS,
        )
