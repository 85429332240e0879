"""Every RPC of connectability.internal.v1 refuses people and client applications.

The internal package holds what only our own services (and the platform identity) call:
project facts, revision counts, copy and apply, Notify, the delivery log. A user token and
an integrator token are refused with PERMISSION_DENIED, whatever their grants: the caller
here is the world's company admin, who holds admin on every tool of its projects, and a
client application acting for them. The RPC list comes from the descriptors, so an
internal RPC added tomorrow is walked here from the day it appears.

Each request is the authorization matrix's valid one where it has a row (so a refusal
cannot be an INVALID_ARGUMENT in disguise: the matrix proves the platform is admitted),
otherwise the empty request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.protobuf.message import Message

from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.security.rpcs import INTERNAL_MODULES, Rpc, all_rpcs, invoke
from tests.security.test_authorization_matrix import TABLE
from tests.security.world import World, build_world

DENIED = ("PERMISSION_DENIED", "PERMISSION_DENIED")
INTERNAL_RPCS = all_rpcs(INTERNAL_MODULES)


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    yield build_world(stack)


@pytest.fixture(scope="module")
def integrator_token(world: World) -> str:
    """A real client application's token, exchanged as an integrator would, for the admin."""
    connection = world.platform.connection
    client = connection.CreateIntegratorClient(
        pb.CreateIntegratorClientRequest(
            integrator_client=pb.IntegratorClient(
                company_id=world.company_id,
                display_name="Internal probe",
                mode=pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER,
                user_id=world.user_ids["admin"],
            )
        ),
        metadata=world.auth("platform"),
        timeout=10,
    )
    return connection.CreateIntegratorToken(
        pb.CreateIntegratorTokenRequest(
            client_id=client.integrator_client.id, client_secret=client.client_secret
        ),
        timeout=10,
    ).access_token


def request_for(world: World, rpc: Rpc) -> Message:
    case = TABLE.get(rpc.key)
    return case.build(world) if case is not None else rpc.request_type()()


def test_the_internal_package_has_rpcs_to_walk() -> None:
    services = {rpc.service.full_name for rpc in INTERNAL_RPCS}
    assert services == {
        "connectability.internal.v1.DrawingInternalService",
        "connectability.internal.v1.NotificationInternalService",
    }


@pytest.mark.parametrize("rpc", INTERNAL_RPCS, ids=lambda rpc: rpc.key)
def test_people_and_client_applications_are_refused(
    world: World, integrator_token: str, rpc: Rpc
) -> None:
    request = request_for(world, rpc)
    got = {
        "user (company admin)": invoke(world.stack, rpc, request, world.tokens["admin"]),
        "integrator": invoke(world.stack, rpc, request, integrator_token),
    }
    assert got == {"user (company admin)": DENIED, "integrator": DENIED}
