"""Existence in timing (R27): an outsider asks about a real id and about a made-up one, 200
times each per RPC, interleaved; both answer NOT_FOUND, and the gap between the two times
is what the clock still tells about which ids exist. Beside it, the raw gRPC echo round
trip of the same run, and what a permitted GetDrawingRevision costs.

    .venv/bin/python -m bench.existence_timing --backend sqlite [--samples 200]
"""

from __future__ import annotations

import argparse
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from bench.directory import Directory, Person
from bench.drawing_data import Shape, load_revisions, writer_engine
from bench.echo import echo_round_trips
from bench.measure import percentile, print_report, seconds_taken, service_peak_memory
from bench.stack import BACKENDS, drawing_database_url, running_stack
from connectability.v1 import connection_service_pb2 as cpb
from connectability.v1 import drawing_service_pb2 as dpb
from shared.facts.errors import error_info_of
from tests.fixtures.stack import Stack

ECHO_CALLS = 1_000
WARM_UP_CALLS = 20
CALL_TIMEOUT_SECONDS = 10.0
# An id answered NOT_FOUND: (code, reason) must match between the real and the made-up id.
Answer = tuple[grpc.StatusCode, str]


@dataclass(frozen=True)
class Probe:
    """One RPC asked about an id: the call and the real id it is asked about."""

    rpc: str
    call: Callable[[str], object]
    real_id: str


def made_up_like(real_id: str) -> str:
    """A fresh id that does not exist, as long as the real one and drawn from its letters."""
    letters = "".join(sorted(set(real_id) - {"-", "_"})) or string.hexdigits.lower()
    return "".join(secrets.choice(letters) for _ in real_id)


def refusal(call: Callable[[str], object], record_id: str) -> Answer:
    try:
        call(record_id)
    except grpc.RpcError as error:
        info = error_info_of(error)
        return error.code(), info.reason if info else ""
    raise SystemExit(f"the outsider was answered about {record_id!r}: not a refusal")


def timed_refusal(call: Callable[[str], object], record_id: str) -> float:
    def ask() -> None:
        try:
            call(record_id)
        except grpc.RpcError:
            pass

    return seconds_taken(ask)


@dataclass
class Gap:
    rpc: str
    real: list[float]
    made_up: list[float]

    def figure(self) -> tuple[str, str]:
        real50, real90 = _ms(self.real, 0.5), _ms(self.real, 0.9)
        fake50, fake90 = _ms(self.made_up, 0.5), _ms(self.made_up, 0.9)
        return (
            f"{self.rpc}: real / made-up p50, p90; gap p50, p90",
            f"{real50:.3f} / {fake50:.3f}, {real90:.3f} / {fake90:.3f} ms; "
            f"gap {real50 - fake50:+.3f}, {real90 - fake90:+.3f} ms",
        )


def _ms(samples: list[float], fraction: float) -> float:
    return percentile(samples, fraction) * 1000


def measure(probe: Probe, samples: int) -> Gap:
    """Interleaved, so that drift in the machine's load falls on both alike."""
    real_answer = refusal(probe.call, probe.real_id)
    made_up_answer = refusal(probe.call, made_up_like(probe.real_id))
    if real_answer != made_up_answer or real_answer[0] is not grpc.StatusCode.NOT_FOUND:
        raise SystemExit(f"{probe.rpc}: real id {real_answer}, made-up id {made_up_answer}")
    for _ in range(WARM_UP_CALLS):
        timed_refusal(probe.call, probe.real_id)
        timed_refusal(probe.call, made_up_like(probe.real_id))
    gap = Gap(probe.rpc, [], [])
    for _ in range(samples):
        gap.real.append(timed_refusal(probe.call, probe.real_id))
        gap.made_up.append(timed_refusal(probe.call, made_up_like(probe.real_id)))
    return gap


def outsider(stack: Stack, directory: Directory) -> Person:
    """A person of a third company, with no grant anywhere."""
    company = directory.platform.company()
    user = directory.platform.user(company.id)
    return Person(user.id, stack.keys.user_token(user.id, company.id))


def probes(stack: Stack, directory: Directory, stranger: Person) -> tuple[list[Probe], str]:
    """The six RPCs, each with a real id the stranger cannot see; and a real revision id."""
    upstream = directory.upstream_project()
    writer = writer_engine(drawing_database_url(stack))
    revision_id = load_revisions(writer, upstream, 10, "ex", True, Shape()).revision_ids[0]
    writer.dispose()
    connection_id = next(iter(directory.connect_downstreams(upstream, 1).values()))
    drawing, connection = directory.drawing, directory.platform.connection
    options = {"metadata": stranger.auth, "timeout": CALL_TIMEOUT_SECONDS}
    return [
        Probe(
            "GetConnection",
            lambda i: connection.GetConnection(
                cpb.GetConnectionRequest(connection_id=i), **options
            ),
            connection_id,
        ),
        Probe(
            "GetSyncState",
            lambda i: connection.GetSyncState(cpb.GetSyncStateRequest(connection_id=i), **options),
            connection_id,
        ),
        Probe(
            "GetProject",
            lambda i: connection.GetProject(cpb.GetProjectRequest(project_id=i), **options),
            upstream,
        ),
        Probe(
            "GetDrawingRevision",
            lambda i: drawing.GetDrawingRevision(
                dpb.GetDrawingRevisionRequest(revision_id=i), **options
            ),
            revision_id,
        ),
        Probe(
            "GetRevisionDownload",
            lambda i: drawing.GetRevisionDownload(
                dpb.GetRevisionDownloadRequest(revision_id=i), **options
            ),
            revision_id,
        ),
        Probe(
            "ListDrawingRevisions",
            lambda i: drawing.ListDrawingRevisions(
                dpb.ListDrawingRevisionsRequest(project_id=i, page_size=1), **options
            ),
            upstream,
        ),
    ], revision_id


def permitted_reads(directory: Directory, revision_id: str, samples: int) -> list[float]:
    """GetDrawingRevision by the upstream admin: the hot read path, for comparison."""
    request = dpb.GetDrawingRevisionRequest(revision_id=revision_id)
    auth = directory.upstream_admin.auth

    def read() -> None:
        directory.drawing.GetDrawingRevision(request, metadata=auth, timeout=CALL_TIMEOUT_SECONDS)

    for _ in range(WARM_UP_CALLS):
        read()
    return [seconds_taken(read) for _ in range(samples)]


def run(backend: str, samples: int) -> None:
    with running_stack(backend) as stack:
        directory = Directory(stack)
        stranger = outsider(stack, directory)
        rpc_probes, revision_id = probes(stack, directory, stranger)
        echoes = echo_round_trips(stack.keys, ECHO_CALLS)
        gaps = [measure(probe, samples) for probe in rpc_probes]
        permitted = permitted_reads(directory, revision_id, samples)
        memory = service_peak_memory(stack)
    echo50 = _ms(echoes, 0.5)
    figures = [gap.figure() for gap in gaps]
    worst = max(gaps, key=lambda gap: abs(_ms(gap.real, 0.5) - _ms(gap.made_up, 0.5)))
    worst_gap = abs(_ms(worst.real, 0.5) - _ms(worst.made_up, 0.5))
    figures += [
        (
            "largest p50 gap / echo p50",
            f"{worst_gap:.3f} ms ({worst.rpc}) / {echo50:.3f} ms = {worst_gap / echo50:.2f}x",
        ),
        (
            "permitted GetDrawingRevision p50 / p90",
            f"{_ms(permitted, 0.5):.3f} / {_ms(permitted, 0.9):.3f} ms",
        ),
        (f"baseline: raw gRPC echo p50 / p90 ({ECHO_CALLS} calls)", _pair(echoes)),
    ]
    title = f"an outsider's NOT_FOUND, real vs made-up id, {samples} samples each, {backend}"
    print_report(title, figures, memory)


def _pair(samples: list[float]) -> str:
    return f"{_ms(samples, 0.5):.3f} ms / {_ms(samples, 0.9):.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--samples", type=int, default=200)
    arguments = parser.parse_args()
    run(arguments.backend, arguments.samples)


if __name__ == "__main__":
    main()
