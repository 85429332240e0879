"""Client applications (integrators) between the wire and the use cases."""

from __future__ import annotations

from connectability.v1 import connection_service_pb2 as pb
from services.connection.api import directory_messages as messages
from services.connection.domain.integrator_clients import (
    ON_BEHALF_OF_USER,
    SERVICE_ACCOUNT,
    IntegratorClientSpec,
    rate_limit_of,
)
from services.connection.store.models import IntegratorClient
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.runtime.request_checks import required_id
from shared.runtime.timestamps import timestamp_of

_MODES = {
    pb.INTEGRATOR_MODE_ON_BEHALF_OF_USER: ON_BEHALF_OF_USER,
    pb.INTEGRATOR_MODE_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
}
_MODE_MESSAGES = {value: key for key, value in _MODES.items()}


def integrator_client_message(client: IntegratorClient) -> pb.IntegratorClient:
    message = pb.IntegratorClient(
        id=client.id,
        company_id=client.company_id,
        display_name=client.display_name,
        mode=_MODE_MESSAGES[client.mode],
        user_id=client.user_id,
        rate_limit_per_hour=client.rate_limit_per_hour,
        created_by=client.created_by,
        create_time=timestamp_of(client.created_at),
    )
    if client.revoked_at is not None:
        message.revoke_time.CopyFrom(timestamp_of(client.revoked_at))
    return message


def spec_of(client: pb.IntegratorClient, default_rate_limit: int) -> IntegratorClientSpec:
    if client.mode not in _MODES:
        raise InvalidArgument(
            ErrorReason.INTEGRATOR_MODE_REQUIRED,
            "integrator_client.mode must be ON_BEHALF_OF_USER or SERVICE_ACCOUNT.",
        )
    return IntegratorClientSpec(
        company_id=required_id(client.company_id, "integrator_client.company_id"),
        display_name=messages.required_name(client.display_name, "integrator_client.display_name"),
        mode=_MODES[client.mode],
        user_id=required_id(client.user_id, "integrator_client.user_id"),
        rate_limit_per_hour=rate_limit_of(client.rate_limit_per_hour, default_rate_limit),
    )
