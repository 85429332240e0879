"""What the server's concerns cost a call, apart from the transport and the load: CPU time
(``time.process_time``) of one call through the server interceptors, as gRPC runs them
(its service pipeline asked for the handler, then the handler called), with a servicer that
does nothing and a stand-in for gRPC's ServicerContext.

    .venv/bin/python -m bench.pipeline_cost [--calls 20000]

Measured for a Get answered, its refusals (NOT_FOUND from the servicer, UNAUTHENTICATED
without a token) and a health check, beside the same call with no interceptor at all (the
baseline, measured in the same run). To compare two versions on one machine within
minutes, run a copy of this file from outside both trees with ``PYTHONPATH=/that/tree``
(``-m`` would put the working directory's tree first).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from grpc import _interceptor

from connectability.v1 import drawing_service_pb2 as drawing_pb
from shared.facts.errors import ErrorReason, NotFound
from shared.runtime.config import Settings
from shared.runtime.interceptors import InFlightCalls
from tests.fixtures.identity import make_test_keys

try:  # this tree: the concerns in one pass
    from shared.runtime.call_pipeline import server_interceptors
except ImportError:  # before: one interceptor per concern
    from shared.runtime.interceptors import server_interceptors  # type: ignore[attr-defined,no-redef]

GET = "/connectability.v1.DrawingService/GetDrawingRevision"
HEALTH = "/grpc.health.v1.Health/Check"


class Aborted(Exception):
    pass


class FakeContext:
    """The parts of grpc's ServicerContext the interceptors use."""

    def __init__(self, metadata: tuple[tuple[str, str], ...]):
        self._metadata = metadata
        self._trailers: tuple[Any, ...] = ()
        self._code: grpc.StatusCode | None = None

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def time_remaining(self) -> float:
        return 30.0

    def add_callback(self, callback: Callable[[], None]) -> bool:
        callback()  # as if the status were sent at once
        return True

    def trailing_metadata(self) -> tuple[Any, ...]:
        return self._trailers

    def set_trailing_metadata(self, trailers: tuple[Any, ...]) -> None:
        self._trailers = trailers

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def is_active(self) -> bool:
        return True

    def peer(self) -> str:
        return "ipv4:127.0.0.1:5000"

    def abort_with_status(self, status: Any) -> None:
        self._code = status.code
        self._trailers = status.trailing_metadata
        raise Aborted()


class Details(grpc.HandlerCallDetails):  # type: ignore[misc]
    def __init__(self, method: str):
        self.method = method
        self.invocation_metadata = ()


def answer(request: Any, context: Any) -> Any:
    return request


def not_found(request: Any, context: Any) -> Any:
    raise NotFound(ErrorReason.REVISION_NOT_FOUND, "No revision 'x' was found.")


def cpu_per_call(
    interceptors: list[Any], method: str, behavior: Any, auth: Any, calls: int
) -> float:
    handler = grpc.unary_unary_rpc_method_handler(behavior)
    pipeline = _interceptor.service_pipeline(interceptors) if interceptors else None
    details = Details(method)
    request = drawing_pb.GetDrawingRevisionRequest(revision_id="r-1")
    began = time.process_time()
    for _ in range(calls):
        found = pipeline.execute(lambda _: handler, details) if pipeline else handler
        try:
            found.unary_unary(request, FakeContext(auth))
        except Aborted:
            pass
    return (time.process_time() - began) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    calls = parser.parse_args().calls
    keys = make_test_keys(Path(tempfile.mkdtemp(prefix="pipeline-cost-")) / "keys")
    settings = Settings(rate_limit_per_hour=10**9)
    interceptors = server_interceptors(keys.verifier(), InFlightCalls(), settings)
    auth = (("authorization", f"Bearer {keys.user_token('u-1', 'c-1')}"),)
    cases = {
        "no interceptor (baseline)": ([], GET, answer, auth),
        "GetDrawingRevision answered": (interceptors, GET, answer, auth),
        "  NOT_FOUND from the servicer": (interceptors, GET, not_found, auth),
        "  UNAUTHENTICATED (no token)": (interceptors, GET, answer, ()),
        "health Check": (interceptors, HEALTH, answer, ()),
    }
    for case in cases.values():  # warm up: caches, the verifier's keys
        cpu_per_call(*case, calls=200)
    baseline = 0.0
    for name, case in cases.items():
        per_call = cpu_per_call(*case, calls=calls)
        baseline = baseline or per_call
        added = (per_call - baseline) * 1e6
        print(f"  {name:<32} {per_call * 1e6:7.1f} µs CPU a call (+{added:6.1f})")


if __name__ == "__main__":
    main()
