"""Every RPC of every service, read from the generated descriptors, and a generic caller.

The security tests walk this list rather than one of their own, so an RPC added to a
contract is walked (and must be given its expectations) from the day it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from connectability.internal.v1 import (
    drawing_internal_service_pb2,
    notification_internal_service_pb2,
)
from connectability.v1 import connection_service_pb2, drawing_service_pb2
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.security.world import status_of

# The stack's process serving each contract.
PROCESSES = {
    "ConnectionService": "connection",
    "DrawingService": "drawing",
    "DrawingInternalService": "drawing",
    "NotificationInternalService": "notification",
}
PUBLIC_MODULES = (connection_service_pb2, drawing_service_pb2)
# connectability.internal.v1: what only our own services (and the platform) call.
INTERNAL_MODULES = (drawing_internal_service_pb2, notification_internal_service_pb2)
OK = ("OK", "")


@dataclass(frozen=True)
class Rpc:
    service: ServiceDescriptor
    method: MethodDescriptor

    @property
    def key(self) -> str:
        return f"{self.service.name}/{self.method.name}"

    @property
    def process(self) -> str:
        return PROCESSES[self.service.name]

    @property
    def streaming(self) -> bool:
        return bool(self.method.server_streaming)

    def request_type(self) -> type[Message]:
        return GetMessageClass(self.method.input_type)

    def response_type(self) -> type[Message]:
        return GetMessageClass(self.method.output_type)


def all_rpcs(modules: tuple[Any, ...] = PUBLIC_MODULES + INTERNAL_MODULES) -> list[Rpc]:
    found: list[Rpc] = []
    for module in modules:
        for service in module.DESCRIPTOR.services_by_name.values():
            found.extend(Rpc(service, method) for method in service.methods)
    return found


def invoke(
    stack: Stack, rpc: Rpc, request: Message, token: str | None, timeout: float = 15
) -> tuple[str, str]:
    """(code name, ErrorInfo reason) of one call; a stream is judged by its first answer."""
    path = f"/{rpc.service.full_name}/{rpc.method.name}"
    channel = stack.channel(rpc.process)
    codec: dict[str, Any] = {
        "request_serializer": type(request).SerializeToString,
        "response_deserializer": rpc.response_type().FromString,
    }
    metadata = bearer(token) if token else []
    try:
        if rpc.streaming:
            call = channel.unary_stream(path, **codec)(request, metadata=metadata, timeout=timeout)
            try:
                next(call, None)
            finally:
                call.cancel()
        else:
            channel.unary_unary(path, **codec)(request, metadata=metadata, timeout=timeout)
    except grpc.RpcError as error:
        return status_of(error)
    return OK
