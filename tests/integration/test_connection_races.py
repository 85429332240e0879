"""Races in the connection lifecycle: exactly one outcome wins (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from connectability.v1 import connection_service_pb2 as pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.integration.test_connections import Pair, grant, make_pair
from tests.integration.test_directory import Platform


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once; each result is the answer or the RpcError it raised."""

    def attempt(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except grpc.RpcError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(attempt, calls))


def winners(results: list[Any]) -> list[Any]:
    return [result for result in results if not isinstance(result, grpc.RpcError)]


@pytest.fixture
def platform(stack: Stack) -> Platform:
    return Platform(stack)


def request_call(platform: Platform, pair: Pair, upstream_id: str, token: str) -> Callable[[], Any]:
    request = pb.RequestConnectionRequest(
        downstream_project_id=pair.downstream.id, upstream_project_id=upstream_id
    )
    return lambda: platform.connection.RequestConnection(
        request, metadata=bearer(token), timeout=30
    )


def test_two_requests_from_one_downstream_at_once(platform: Platform) -> None:
    pair, other = make_pair(platform), make_pair(platform)
    grant(platform, other.upstream.id, pair.down_admin_id, cm=False, drawings=True)
    results = race(
        request_call(platform, pair, pair.upstream.id, pair.down_admin),
        request_call(platform, pair, other.upstream.id, pair.down_admin),
    )
    assert len(winners(results)) == 1
    (loser,) = [r for r in results if isinstance(r, grpc.RpcError)]
    assert loser.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_approve_racing_withdraw_has_one_outcome(platform: Platform) -> None:
    pair = make_pair(platform)
    pending = pair.request().connection
    approve = pb.ApproveConnectionRequest(connection_id=pending.id)
    withdraw = pb.WithdrawConnectionRequest(connection_id=pending.id)
    results = race(
        lambda: platform.connection.ApproveConnection(
            approve, metadata=bearer(pair.up_admin), timeout=30
        ),
        lambda: platform.connection.WithdrawConnection(
            withdraw, metadata=bearer(pair.down_admin), timeout=30
        ),
    )
    assert len(winners(results)) == 1
    final = platform.connection.GetConnection(
        pb.GetConnectionRequest(connection_id=pending.id),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).connection
    assert final.state == winners(results)[0].connection.state
    events = platform.connection.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=pending.id),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).events
    assert len(events) == 2  # requested, then exactly one decision


def test_two_approvals_at_once_approve_once(platform: Platform) -> None:
    pair = make_pair(platform)
    pending = pair.request().connection
    approve = pb.ApproveConnectionRequest(connection_id=pending.id)
    results = race(
        *[
            (
                lambda: platform.connection.ApproveConnection(
                    approve, metadata=bearer(pair.up_admin), timeout=30
                )
            )
            for _ in range(2)
        ]
    )
    assert len(winners(results)) == 1
    events = platform.connection.ListConnectionEvents(
        pb.ListConnectionEventsRequest(connection_id=pending.id),
        metadata=bearer(pair.up_admin),
        timeout=10,
    ).events
    assert [e.to_state for e in events] == [pb.CONNECTION_STATE_PENDING, pb.CONNECTION_STATE_ACTIVE]


def test_a_chain_in_the_making_is_refused_on_one_side(platform: Platform) -> None:
    """A→B and C→A requested at once would chain C→A→B: exactly one request wins (R10).

    Pending connections count for R9 and R10, so the race is decided at request time;
    both requests lock project A's row and are decided one after the other.
    """
    a_to_b = make_pair(platform)  # downstream A, upstream B
    c_to_a = make_pair(platform)  # downstream C; its upstream will be A
    a = a_to_b.downstream
    grant(platform, a.id, c_to_a.down_admin_id, cm=False, drawings=True)
    results = race(
        request_call(platform, a_to_b, a_to_b.upstream.id, a_to_b.down_admin),
        request_call(platform, c_to_a, a.id, c_to_a.down_admin),
    )
    assert len(winners(results)) == 1
    (loser,) = [r for r in results if isinstance(r, grpc.RpcError)]
    assert loser.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "chain" in loser.details()
