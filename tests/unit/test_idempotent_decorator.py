"""``@idempotent``: a mutation runs through the replay store under its method's name; a
request the decorator is told is no mutation (a preview) runs as it is."""

from __future__ import annotations

from typing import Any

from connectability.v1 import connection_service_pb2 as pb
from shared.persistence.idempotent_calls import idempotent


class RecordingCalls:
    """Stands in for IdempotentCalls: notes the replay key and runs the mutation."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def run(self, method: str, request: Any, response_type: Any, mutate: Any) -> Any:
        self.keys.append(method)
        return mutate(None)


class Servicer:
    def __init__(self) -> None:
        self.idempotent_calls: Any = RecordingCalls()

    @idempotent(pb.RequestConnectionResponse, unless=lambda request: request.validate_only)
    def RequestConnection(
        self, request: pb.RequestConnectionRequest, context: Any
    ) -> pb.RequestConnectionResponse:
        return pb.RequestConnectionResponse()


def test_a_mutation_is_replayed_under_its_method_name() -> None:
    servicer = Servicer()
    servicer.RequestConnection(pb.RequestConnectionRequest(request_id="r-1"), None)
    assert servicer.idempotent_calls.keys == ["RequestConnection"]


def test_a_preview_keeps_no_replay_record() -> None:
    servicer = Servicer()
    preview = pb.RequestConnectionRequest(request_id="r-1", validate_only=True)
    servicer.RequestConnection(preview, None)
    assert servicer.idempotent_calls.keys == []
