"""Passing a project's facts to the drawing and notification services (RegisterProject)."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from connectability.internal.v1 import (
    drawing_internal_service_pb2,
    drawing_internal_service_pb2_grpc,
    notification_internal_service_pb2,
    notification_internal_service_pb2_grpc,
)
from connectability.v1 import common_pb2

# Sends the facts to one service; raises FactsNotDelivered when it cannot be reached.
FactsSender = Callable[[common_pb2.ProjectFacts], None]


class FactsNotDelivered(Exception):
    """The service could not take the facts now; the outbox retries them."""


def _sender(call: Callable[[common_pb2.ProjectFacts], object]) -> FactsSender:
    def send(facts: common_pb2.ProjectFacts) -> None:
        try:
            call(facts)
        except grpc.RpcError as error:
            detail = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
            raise FactsNotDelivered(detail) from error

    return send


def project_facts_senders(
    drawing_internal: drawing_internal_service_pb2_grpc.DrawingInternalServiceStub,
    notification: notification_internal_service_pb2_grpc.NotificationInternalServiceStub,
) -> dict[str, FactsSender]:
    """A sender per target service, by the names the outbox rows use."""
    return {
        "drawing": _sender(
            lambda project: drawing_internal.RegisterProject(
                drawing_internal_service_pb2.DrawingInternalServiceRegisterProjectRequest(
                    project=project
                )
            )
        ),
        "notification": _sender(
            lambda project: notification.RegisterProject(
                notification_internal_service_pb2.NotificationInternalServiceRegisterProjectRequest(
                    project=project
                )
            )
        ),
    }
