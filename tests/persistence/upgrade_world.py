"""The world the v1 snapshot was taken from (scripts/snapshot_databases.py --build-world).

The security tests' world (companies, projects, people with grants, a drawing with revisions
in several states, connections), then distribution lists on the upstream and the active
downstream, and the pending connections decided, so the databases also hold rejected,
withdrawn and disconnected connections with their audit trail and mail deliveries. It
returns once the initial copies and the deliveries have settled.
"""

from __future__ import annotations

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.fixtures.stack import Stack
from tests.integration.calls import eventually
from tests.security.world import World, build_world

FINISHED = (pb.NOTIFICATION_DELIVERY_STATUS_SENT, pb.NOTIFICATION_DELIVERY_STATUS_FAILED)


def fill_world(stack: Stack) -> World:
    world = build_world(stack)
    connection = world.platform.connection
    admin = world.auth("admin")
    for project_id, address in (
        (world.upstream_id, "drawings-office@example.com"),
        (world.downstream_ids["active"], "site-team@example.com"),
        (world.downstream_ids["to_disconnect"], "closeout@example.com"),
    ):
        connection.UpdateDistributionList(
            pb.UpdateDistributionListRequest(project_id=project_id, emails=[address]),
            metadata=admin,
            timeout=15,
        )
    _annotate(world)
    connection.CreateIntegratorClient(
        pb.CreateIntegratorClientRequest(
            integrator_client=pb.IntegratorClient(
                company_id=world.company_id,
                user_id=world.user_ids["standard"],
                display_name="Scheduling app",
                mode=pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER,
            ),
            request_id="snapshot-integrator-1",
        ),
        metadata=world.platform.auth,
        timeout=10,
    )
    connections = world.connections
    connection.RejectConnection(
        pb.RejectConnectionRequest(
            connection_id=connections["to_reject"],
            reason="Wrong job",
            request_id="snapshot-reject-1",
        ),
        metadata=admin,
        timeout=15,
    )
    connection.WithdrawConnection(
        pb.WithdrawConnectionRequest(connection_id=connections["to_withdraw"]),
        metadata=admin,
        timeout=15,
    )
    connection.DisconnectConnection(
        pb.DisconnectConnectionRequest(
            connection_id=connections["to_disconnect"], reason="Job finished"
        ),
        metadata=admin,
        timeout=15,
    )

    def copied() -> None:
        state = connection.GetSyncState(
            pb.GetSyncStateRequest(connection_id=connections["active"]),
            metadata=admin,
            timeout=10,
        ).sync_state
        assert state.initial_copy_state == pb.INITIAL_COPY_STATE_COMPLETE

    def delivered() -> None:
        deliveries = connection.ListNotificationDeliveries(
            pb.ListNotificationDeliveriesRequest(project_id=world.upstream_id),
            metadata=admin,
            timeout=10,
        ).deliveries
        assert deliveries
        assert all(delivery.status in FINISHED for delivery in deliveries)

    eventually(copied, timeout_seconds=30)
    eventually(delivered, timeout_seconds=30)
    return world


def _annotate(world: World) -> None:
    """A markup and a custom field on the published revision, one with a request_id."""
    drawing = world.platform.drawing
    revision_id = world.revisions["published"]
    drawing.CreateMarkup(
        drawing_pb.CreateMarkupRequest(
            markup=drawing_pb.Markup(revision_id=revision_id, kind="cloud", data='{"x": 10}'),
            request_id="snapshot-markup-1",
        ),
        metadata=world.auth("standard"),
        timeout=10,
    )
    drawing.SetCustomField(
        drawing_pb.SetCustomFieldRequest(
            revision_id=revision_id,
            custom_field=drawing_pb.CustomField(name="Phase", value="Tender"),
        ),
        metadata=world.auth("admin"),
        timeout=10,
    )
