"""Calling the public API from the command line: the channel, the token, readable refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import grpc

from connectability.v1 import connection_service_pb2_grpc, drawing_service_pb2_grpc
from shared.facts.errors import error_info_of
from shared.runtime.config import Settings
from shared.runtime.tls import channel_credentials, grpc_channel
from shared.runtime.tokens import ensure_local_keys, is_inline, local_keys_exist

T = TypeVar("T")
CALL_TIMEOUT_SECONDS = 15.0


def refusal_text(error: grpc.RpcError) -> str:
    """``CODE REASON: detail``, as an operator reads a refused call."""
    info = error_info_of(error)
    reason = f" {info.reason}" if info is not None else ""
    return f"{error.code().name}{reason}: {error.details()}"


def find_signing_key(settings: Settings, create_keys: bool) -> None:
    """The configured key, else the data dir's pair; a new pair only when asked for.

    A pair made quietly here would sign tokens that the running services (with another
    data dir) refuse as "signed with an unknown key", with nothing pointing at the cause.
    """
    configured = settings.jwt_signing_key
    if configured:
        if not is_inline(configured) and not Path(configured).exists():
            raise click.ClickException(
                f"no signing key at {configured} (CONNECTABILITY_JWT_SIGNING_KEY)"
            )
        return
    keys_dir = settings.keys_dir.resolve()
    if local_keys_exist(keys_dir):
        return
    if create_keys:
        ensure_local_keys(keys_dir)
        click.echo(f"connectability: created a new key pair in {keys_dir}", err=True)
        return
    raise click.ClickException(
        f"no key pair in {keys_dir}, the keys of the data dir "
        f"{settings.data_dir.resolve()} (CONNECTABILITY_DATA_DIR). Run this where "
        "`connectability serve` runs, or set CONNECTABILITY_DATA_DIR to the data dir of the "
        "running services; --create-keys makes a new pair there, whose tokens only services "
        "started afterwards with that data dir accept."
    )


@dataclass
class Api:
    """The connection and drawing services' public stubs, called with one token."""

    connection: connection_service_pb2_grpc.ConnectionServiceStub
    drawing: drawing_service_pb2_grpc.DrawingServiceStub
    token: str

    def metadata(self, token: str = "") -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {token or self.token}")]

    def call(self, method: Callable[..., T], request: Any, token: str = "") -> T:
        """One unary call; a refusal becomes a ClickException naming its code and reason."""
        try:
            return method(request, metadata=self.metadata(token), timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            raise click.ClickException(refusal_text(error)) from None


@contextmanager
def public_api(token: str, settings: Settings | None = None) -> Iterator[Api]:
    """Channels to the connection and drawing services as configured (TLS included)."""
    settings = settings or Settings()
    credentials = channel_credentials(settings)
    with ExitStack() as stack:
        connection = stack.enter_context(
            grpc_channel(settings.address_of("connection"), credentials)
        )
        drawing = stack.enter_context(grpc_channel(settings.address_of("drawing"), credentials))
        yield Api(
            connection_service_pb2_grpc.ConnectionServiceStub(connection),
            drawing_service_pb2_grpc.DrawingServiceStub(drawing),
            token,
        )
