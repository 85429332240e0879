"""Every RPC's comment says who may call it in exactly one "Caller:"/"Callers:" sentence, and
that sentence is the one rendered from the service's policy table (access_policy.py), which
the servicers check callers against: a comment cannot drift from the code.

The form: ``Caller: <alternative>.`` or ``Callers: <alternative>; <alternative>; ….``, the
alternatives in the table's order (platform, services, tool levels, company admin, company
users, self). The RPC list comes from the descriptors (every package under
protos/connectability), so an RPC without a policy row fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from services.connection.domain import access_policy as connection_policy
from services.drawing.domain import access_policy as drawing_policy
from services.notification.domain import access_policy as notification_policy
from shared.facts.caller_policy import Callers, ToolLevel

PROTO_ROOT = Path(__file__).resolve().parents[2] / "protos"
FILE_SERVICE, SERVICE_METHOD = 6, 2
# The sentence: "Caller:"/"Callers:", then anything up to the first full stop that ends it.
CALLER_SENTENCE = re.compile(r"\bCallers?:\s(?:[^.]|\.(?!\s|$))*\.(?=\s|$)")
# Older hand-written ways of saying who calls, which would contradict the sentence.
OTHER_CALLER_WORDING = re.compile(r"Service-only|[Cc]aller: as for|[Oo]nly the platform")
# Which service's table rules a proto service: the one word of these its name holds (a
# service moved to an internal package keeps it, e.g. DrawingInternalService → drawing).
TABLES: dict[str, dict[str, Callers]] = {
    "Connection": connection_policy.CALLERS,
    "Drawing": drawing_policy.CALLERS,
    "Notification": notification_policy.CALLERS,
}


def _compiled(tmp: Path) -> list[descriptor_pb2.FileDescriptorProto]:
    out = tmp / "callers.binpb"
    protos = sorted(PROTO_ROOT.joinpath("connectability").rglob("*.proto"))
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"--proto_path={PROTO_ROOT}",
            f"--proto_path={Path(grpc_tools.__file__).parent / '_proto'}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *map(str, protos),
        ]
    )
    assert status == 0, "protoc could not compile protos/connectability"
    found = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return [f for f in found if f.package.startswith("connectability.")]


@pytest.fixture(scope="module")
def rpc_comments(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """(service name, method name) → the method's leading comment, lines joined by spaces."""
    comments: dict[tuple[str, str], str] = {}
    for file in _compiled(tmp_path_factory.mktemp("descriptors")):
        by_path = {tuple(loc.path): loc.leading_comments for loc in file.source_code_info.location}
        for s, service in enumerate(file.service):
            for m, method in enumerate(service.method):
                text = by_path.get((FILE_SERVICE, s, SERVICE_METHOD, m), "")
                comments[(service.name, method.name)] = " ".join(text.split())
    assert comments, "no RPCs found"
    return comments


def table_of(service: str) -> dict[str, Callers]:
    owners = [table for word, table in TABLES.items() if word in service]
    assert len(owners) == 1, f"{service}: which service's access_policy rules it?"
    return owners[0]


def test_every_rpc_has_a_policy_row(rpc_comments: dict[tuple[str, str], str]) -> None:
    missing = [f"{service}/{rpc}" for service, rpc in rpc_comments if rpc not in table_of(service)]
    assert missing == [], "add these RPCs to their service's access_policy.CALLERS"


def test_every_policy_row_names_an_rpc(rpc_comments: dict[tuple[str, str], str]) -> None:
    for word, table in TABLES.items():
        served = {rpc for service, rpc in rpc_comments if word in service}
        assert sorted(set(table) - served) == [], f"{word}: rows for RPCs no contract has"


def test_every_rpc_comment_says_its_callers_as_the_table_does(
    rpc_comments: dict[tuple[str, str], str],
) -> None:
    drift = {}
    for (service, rpc), comment in rpc_comments.items():
        said = CALLER_SENTENCE.findall(comment)
        rendered = table_of(service)[rpc].sentence()
        if said != [rendered] or OTHER_CALLER_WORDING.search(comment):
            drift[f"{service}/{rpc}"] = {"comment": said, "table": rendered}
    assert drift == {}, "paste the table's sentence into the RPC comment (one, exactly)"


def test_the_sentence_lists_every_alternative_once_in_a_fixed_order() -> None:
    row = Callers(
        platform=True,
        services=("connection",),
        levels=(ToolLevel("Drawings", "admin", also=ToolLevel("Drawings", "read_only", "both")),),
        company_admin="the owning company",
        company_users="the company",
        self_="the user themself",
    )
    assert row.sentence() == (
        "Callers: platform; services (connection); Drawings admin on the project with "
        "Drawings read_only on both; a company admin of the owning company; users of the "
        "company; the user themself."
    )
    assert Callers(platform=True).sentence() == "Caller: platform."
    assert CALLER_SENTENCE.findall(f"Does it. {row.sentence()} Errors: NONE.") == [row.sentence()]
