"""What one call costs the drawing service, in CPU: a health check (no token, no concern but
the call scope) against a successful ``GetDrawingRevision`` and its three refusals.

    .venv/bin/python -m bench.call_costs [--backend sqlite] [--seconds 3]

Each kind of call runs in a loop from one caller for ``--seconds``; the figure is the
drawing service's own CPU time (user + system, /proc) divided by the calls it answered, and
the p50 the caller saw. The health check is the baseline measured in the same run: what the
server's concerns add to a call is the difference. The refusals are a Get without a token
(UNAUTHENTICATED), of a made-up id (NOT_FOUND), and by a person of the same company without
the Drawings permission (NOT_FOUND too: existence is not revealed, R27).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.directory import CALL_TIMEOUT_SECONDS, Directory
from bench.measure import cpu_seconds, percentile, print_report, service_peak_memory
from bench.read_rpcs import drive, prepare, stack_env
from bench.stack import BACKENDS, drawing_database_url, running_stack
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.integration.calls import bearer


def refused(call: Callable[[], object], expected: grpc.StatusCode) -> Callable[[], None]:
    """``call``, which must be refused with ``expected`` (anything else ends the run)."""

    def run() -> None:
        try:
            call()
        except grpc.RpcError as error:
            if error.code() is not expected:  # type: ignore[attr-defined]
                raise
            return
        raise AssertionError(f"expected {expected.name}")

    return run


def calls_of(
    directory: Directory, revision_id: str, reader_auth: list[tuple[str, str]]
) -> dict[str, Callable[[], object]]:
    drawing, timeout = directory.drawing, CALL_TIMEOUT_SECONDS
    health = health_pb2_grpc.HealthStub(directory.platform.stack.channel("drawing"))
    check = health_pb2.HealthCheckRequest()
    found = drawing_pb.GetDrawingRevisionRequest(revision_id=revision_id)
    made_up = drawing_pb.GetDrawingRevisionRequest(revision_id="made-up-revision-id")
    platform = directory.platform
    outsider = platform.user(directory.upstream_company.id)
    outsider_auth = bearer(platform.stack.keys.user_token(outsider.id, outsider.company_id))

    def get(request: drawing_pb.GetDrawingRevisionRequest, auth: object) -> Callable[[], object]:
        return lambda: drawing.GetDrawingRevision(request, metadata=auth, timeout=timeout)

    return {
        "health Check (baseline)": lambda: health.Check(check, timeout=timeout),
        "GetDrawingRevision": get(found, reader_auth),
        "  no token: UNAUTHENTICATED": refused(get(found, None), grpc.StatusCode.UNAUTHENTICATED),
        "  made-up id: NOT_FOUND": refused(get(made_up, reader_auth), grpc.StatusCode.NOT_FOUND),
        "  no Drawings permission: NOT_FOUND": refused(
            get(found, outsider_auth), grpc.StatusCode.NOT_FOUND
        ),
    }


def run(backend: str, seconds: float) -> None:
    with running_stack(backend, stack_env(backend)) as stack:
        directory = Directory(stack)
        reads = prepare(directory, drawing_database_url(stack))
        pid = next(p.process.pid for p in stack.processes if p.name == "drawing")
        figures: list[tuple[str, str]] = []
        baseline = 0.0
        for name, call in calls_of(directory, reads.revision_id, reads.reader.auth).items():
            used_before = cpu_seconds([pid])
            measured = drive(call, 1, seconds)
            used = cpu_seconds([pid]) - used_before
            per_call = used / (measured.calls + 20)  # drive's warm-up calls count too
            baseline = baseline or per_call
            p50 = percentile(measured.latencies, 0.5)
            figures.append(
                (
                    name,
                    f"{per_call * 1e6:6.0f} µs CPU a call ({per_call / baseline:4.1f}× health)"
                    f"  p50 {p50 * 1000:5.2f} ms  {measured.per_second:6.0f} calls/s",
                )
            )
        memory = service_peak_memory(stack)
    print_report(f"drawing service CPU per call, {backend}, {seconds:g} s each", figures, memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, nargs="+", default=["sqlite"])
    parser.add_argument("--seconds", type=float, default=3.0)
    arguments = parser.parse_args()
    for backend in arguments.backend:
        run(backend, arguments.seconds)


if __name__ == "__main__":
    main()
