"""The plain checks of shared/runtime/standard_rules.py find exactly what protovalidate finds.

For every request type the plain checks cover, generated requests (the bad-input fuzz
test's strategies, plus values at and past each limit) must give the same violations,
field paths, rule ids, sentences and order, from both. Runs without a network.
"""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from connectability.v1 import connection_service_pb2 as cpb
from connectability.v1 import drawing_service_pb2 as dpb
from shared.runtime.request_validation import RequestValidator, _out_of_range_times, _plan
from shared.runtime.standard_rules import MessageChecks
from tests.security.request_strategies import messages
from tests.security.rpcs import all_rpcs

VALIDATOR = RequestValidator()
REQUEST_TYPES = sorted(
    {rpc.method.input_type.full_name: rpc.method.input_type for rpc in all_rpcs()}.items()
)
COVERED = [
    descriptor for _, descriptor in REQUEST_TYPES if isinstance(_plan(descriptor), MessageChecks)
]


def answers(message: Message) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    def as_tuples(found: list) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
        return [(v.field, v.rule_id, v.description) for v in found]

    return (
        as_tuples(VALIDATOR.violations(message)),
        as_tuples(VALIDATOR.protovalidate_violations(message)),
    )


def test_every_request_type_takes_the_plain_path() -> None:
    """protovalidate stays the reference (and the fallback for rules added later)."""
    left = sorted(
        name
        for name, descriptor in REQUEST_TYPES
        if not isinstance(_plan(descriptor), MessageChecks) and _plan(descriptor) is not None
    )
    assert left == []


@pytest.mark.parametrize("descriptor", COVERED, ids=lambda d: d.name)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_requests_get_the_same_violations(
    descriptor: Descriptor, data: st.DataObject
) -> None:
    request = data.draw(messages(descriptor, ["p1", "x" * 128, "x" * 129]))
    assume(not list(_out_of_range_times(request, "")))  # protovalidate cannot convert those
    plain, reference = answers(request)
    assert plain == reference


EDGES = [
    cpb.GetCompanyRequest(),
    cpb.GetCompanyRequest(company_id="x" * 128),
    cpb.GetCompanyRequest(company_id="x" * 129),
    cpb.CreateCompanyRequest(company=cpb.Company(name="n" * 255), company_id="a.b-c_d"),
    cpb.CreateCompanyRequest(company=cpb.Company(name="é" * 256), company_id="x" * 65),
    cpb.CreateCompanyRequest(company=cpb.Company(name="a\u2028"), company_id="a b"),
    cpb.CreateProjectRequest(project=cpb.Project(name="\x85", state=7)),  # type: ignore[arg-type]
    cpb.RejectConnectionRequest(connection_id="c", reason="r" * 1001),
    cpb.ListCompaniesRequest(page_size=-5),
    cpb.ListCompaniesRequest(page_size=2**31 - 1),
    dpb.PublishDrawingRevisionsRequest(revision_ids=["", "x" * 129, "ok"]),
    dpb.CreateDrawingUploadRequest(
        drawing_log_imports=[
            dpb.DrawingLogImport(drawing_date="2024-01-01"),
            dpb.DrawingLogImport(drawing_date="2024-1-1", received_date="x", drawing_id="d"),
        ]
    ),
    dpb.SetCustomFieldRequest(custom_field=dpb.CustomField(name="", value="v" * 1001)),
    dpb.CreateMarkupRequest(markup=dpb.Markup(kind="k", data="é" * 32769)),
    dpb.UpdateDrawingSetRequest(drawing_set=dpb.DrawingSet(set_date="")),
]


@pytest.mark.parametrize("request_message", EDGES, ids=lambda m: type(m).__name__)
def test_values_at_and_past_the_limits_get_the_same_violations(
    request_message: Message,
) -> None:
    assert isinstance(_plan(request_message.DESCRIPTOR), MessageChecks)
    plain, reference = answers(request_message)
    assert plain == reference


def test_every_request_type_compiles() -> None:
    for _, descriptor in REQUEST_TYPES:
        _plan(descriptor)  # raises on a rule neither path understands
        GetMessageClass(descriptor)()
