"""Bad input: generated requests to every RPC of the running services, with valid tokens.

For every RPC (read from the descriptors), hypothesis builds requests from the message
descriptor (see request_strategies) and sends each with the world's admin or the platform
token. The answer is never UNKNOWN or INTERNAL (nor a unary call that runs out its
deadline), and a refused request changes no data: the row counts of every table of the
three databases are the same before and after it. Oversized messages are refused with
RESOURCE_EXHAUSTED, and page tokens cannot make a listing skip unboundedly.

CI runs a few examples per RPC; CONNECTABILITY_FUZZ_EXAMPLES=500 runs longer (README).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from connectability.internal.v1 import notification_internal_service_pb2 as npb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from connectability.v1 import drawing_service_pb2 as dpb
from shared.persistence.paging import decode_page_token, encode_page_token
from shared.runtime.config import Settings
from tests.fixtures.stack import Stack
from tests.security.fingerprints import StackDatabases, changed, stack_databases
from tests.security.request_strategies import messages
from tests.security.rpcs import OK, Rpc, all_rpcs, invoke
from tests.security.world import World, build_world

EXAMPLES = int(os.environ.get("CONNECTABILITY_FUZZ_EXAMPLES", "5"))
# A watch with nothing new to say waits: its first answer is judged within this.
STREAM_SECONDS = 1.0
RPCS = all_rpcs()
READS = ("Get", "List", "Watch", "Count", "Download")


@pytest.fixture(scope="module")
def fuzz(stack: Stack) -> Iterator[tuple[World, StackDatabases]]:
    world = build_world(stack)
    with stack_databases(stack) as databases:
        databases.settled()
        yield world, databases


def known_ids(world: World) -> list[str]:
    return sorted(
        {
            world.company_id,
            world.outsider_company_id,
            *world.all_project_ids,
            *world.user_ids.values(),
            *world.connections.values(),
            world.area_id,
            world.set_id,
            world.drawing_id,
            *world.revisions.values(),
            world.drawing_upload_id,
        }
    )


def busy_tables(databases: StackDatabases, seconds: float = 0.5) -> set[str]:
    """Tables that background work changes while no call is made."""
    first = databases.fingerprint()
    time.sleep(seconds)
    return set(changed(first, databases.fingerprint()))


_changes = [True]  # whether the last example changed something


@pytest.mark.parametrize("rpc", RPCS, ids=lambda rpc: rpc.key)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: the note says all
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_generated_requests_get_a_clean_answer_and_refusals_change_nothing(
    fuzz: tuple[World, StackDatabases], rpc: Rpc, data: st.DataObject
) -> None:
    world, databases = fuzz
    request = data.draw(messages(rpc.method.input_type, known_ids(world)), label="request")
    who = data.draw(st.sampled_from(["admin", "platform"]), label="caller")
    # A change made by an earlier example may still be on its way through the outbox, the
    # sync or the mail worker: let it land before this example's "before".
    before = databases.settled(interval=0.15) if _changes[0] else databases.fingerprint()
    timeout = STREAM_SECONDS if rpc.streaming else 15
    code, reason = invoke(world.stack, rpc, request, world.tokens[who], timeout=timeout)
    note(f"{rpc.key} as {who}: {code} {reason}")
    assert code not in ("UNKNOWN", "INTERNAL"), f"{rpc.key} answered {code}"
    if not rpc.streaming:
        assert code != "DEADLINE_EXCEEDED", f"{rpc.key} ran out of time"
    _changes[0] = (code, reason) == OK and not rpc.method.name.startswith(READS)
    if (code, reason) == OK:
        return
    written = changed(before, databases.fingerprint())
    if written:  # unless background work (mail, sync, outbox) moved those counts meanwhile
        busy = busy_tables(databases)
        written = {table: counts for table, counts in written.items() if table not in busy}
    assert not written, f"{rpc.key} refused ({code} {reason}) yet changed {written}"


OVERSIZED = Settings().max_message_bytes + 1024


@pytest.mark.parametrize(
    ("key", "build"),
    [
        (
            "ConnectionService/CreateCompany",
            lambda w: pb.CreateCompanyRequest(
                company=pb.Company(name="x" * OVERSIZED, file_storage_location="us")
            ),
        ),
        (
            "DrawingService/CreateDrawingArea",
            lambda w: dpb.CreateDrawingAreaRequest(
                drawing_area=dpb.DrawingArea(
                    project_id=w.upstream_id, name="Big", description="x" * OVERSIZED
                )
            ),
        ),
        (
            "NotificationInternalService/UpdateDistributionList",
            lambda w: npb.UpdateDistributionListRequest(
                project_id=w.upstream_id,
                tool=common_pb2.TOOL_CONNECTION_MANAGER,
                emails=[f"person{n}@example.com" for n in range(OVERSIZED // 20)],
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_oversized_message_is_refused_and_changes_nothing(
    fuzz: tuple[World, StackDatabases], key: str, build: object
) -> None:
    world, databases = fuzz
    rpc = next(rpc for rpc in RPCS if rpc.key == key)
    request = build(world)  # type: ignore[operator]
    assert request.ByteSize() > Settings().max_message_bytes
    before = databases.fingerprint()
    token = world.tokens["platform"] if key.startswith("Notification") else world.tokens["admin"]
    assert invoke(world.stack, rpc, request, token)[0] == "RESOURCE_EXHAUSTED"
    assert changed(before, databases.fingerprint()) == {}


def _rpc(key: str) -> Rpc:
    return next(rpc for rpc in RPCS if rpc.key == key)


INVALID_TOKEN = ("INVALID_ARGUMENT", "INVALID_PAGE_TOKEN")


def _events_token_with_key(world: World, key: object) -> pb.ListConnectionEventsRequest:
    """A ListConnectionEvents request whose (validly sealed) token holds ``key``.

    Tokens are opaque, not secret: the test takes a real one and re-seals it edited.
    """
    connection_id = world.connections["active"]
    stub = pb_grpc.ConnectionServiceStub(world.stack.channel("connection"))
    answer = stub.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=connection_id, page_size=1),
        metadata=[("authorization", f"Bearer {world.tokens['admin']}")],
        timeout=10,
    )
    assert answer.next_page_token  # the connection has more than one event
    position = decode_page_token(answer.next_page_token)
    position["k"] = key
    return pb.ListConnectionEventsRequest(
        connection_id=connection_id, page_token=encode_page_token(position)
    )


@pytest.mark.parametrize(
    "key", ["not-a-number", [2**70], [-(2**70)], [True], ["1"], [1.5], [None], [1, 2], []]
)
def test_a_forged_keyset_token_of_the_wrong_kind_is_refused(
    fuzz: tuple[World, StackDatabases], key: object
) -> None:
    world, _ = fuzz
    request = _events_token_with_key(world, key)
    rpc = _rpc("ConnectionService/ListConnectionEvents")
    assert invoke(world.stack, rpc, request, world.tokens["admin"]) == INVALID_TOKEN


def test_a_forged_keyset_token_of_the_right_kind_still_pages(
    fuzz: tuple[World, StackDatabases],
) -> None:
    world, _ = fuzz
    request = _events_token_with_key(world, [0])
    rpc = _rpc("ConnectionService/ListConnectionEvents")
    assert invoke(world.stack, rpc, request, world.tokens["admin"]) == OK
