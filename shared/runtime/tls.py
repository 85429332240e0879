"""TLS and mutual TLS from configuration, shared by the servers and the channels they open.

Nothing configured means plaintext (the embedded default). A certificate and key make a
server listen with TLS; a client CA as well makes it demand a client certificate signed by
that CA (mutual TLS). Outgoing calls (between services, and the supervisor's health checks)
use TLS as soon as any TLS setting is present: they trust the configured CA (the system's
roots when none is set) and present the configured client certificate, if any.

Certificates are read when a server or channel is built: replacing them takes a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc

from shared.runtime.addresses import LOAD_BALANCING_OPTION, channel_target
from shared.runtime.config import Settings


class TlsSettingsError(ValueError):
    """The TLS settings are incomplete or name a file that cannot be read."""


def _read_pem(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as problem:
        raise TlsSettingsError(f"cannot read the {what} {path!r}: {problem}") from problem


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """The server's TLS credentials, or None to listen in plaintext."""
    if not settings.tls_cert_file and not settings.tls_key_file:
        if settings.tls_client_ca_file:
            raise TlsSettingsError(
                "CONNECTABILITY_TLS_CLIENT_CA_FILE needs CONNECTABILITY_TLS_CERT_FILE and _KEY_FILE"
            )
        return None
    if not (settings.tls_cert_file and settings.tls_key_file):
        raise TlsSettingsError("set both CONNECTABILITY_TLS_CERT_FILE and _KEY_FILE, or neither")
    key_and_chain = (
        _read_pem(settings.tls_key_file, "TLS key"),
        _read_pem(settings.tls_cert_file, "TLS certificate"),
    )
    if not settings.tls_client_ca_file:
        return grpc.ssl_server_credentials([key_and_chain])
    return grpc.ssl_server_credentials(
        [key_and_chain],
        root_certificates=_read_pem(settings.tls_client_ca_file, "client CA"),
        require_client_auth=True,
    )


def uses_tls(settings: Settings) -> bool:
    """Whether this deployment speaks TLS: any TLS setting turns it on."""
    return any(
        (
            settings.tls_cert_file,
            settings.tls_key_file,
            settings.tls_client_ca_file,
            settings.tls_ca_file,
            settings.tls_client_cert_file,
            settings.tls_client_key_file,
        )
    )


def channel_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """Credentials of this process's outgoing calls, or None for plaintext."""
    if not uses_tls(settings):
        return None
    if bool(settings.tls_client_cert_file) != bool(settings.tls_client_key_file):
        raise TlsSettingsError(
            "set both CONNECTABILITY_TLS_CLIENT_CERT_FILE and _CLIENT_KEY_FILE, or neither"
        )
    roots = _read_pem(settings.tls_ca_file, "CA") if settings.tls_ca_file else None
    if not settings.tls_client_cert_file:
        return grpc.ssl_channel_credentials(root_certificates=roots)
    return grpc.ssl_channel_credentials(
        root_certificates=roots,
        private_key=_read_pem(settings.tls_client_key_file, "client key"),
        certificate_chain=_read_pem(settings.tls_client_cert_file, "client certificate"),
    )


def grpc_channel(
    address: str,
    credentials: grpc.ChannelCredentials | None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A TLS channel with ``credentials``, or a plaintext one without; balanced over every
    replica ``address`` lists or resolves to (``shared.runtime.addresses``)."""
    target, options = channel_target(address), [*options, LOAD_BALANCING_OPTION]
    if credentials is None:
        return grpc.insecure_channel(target, options=options)
    return grpc.secure_channel(target, credentials, options=options)


def transport_security(settings: Settings) -> str:
    """How this process's server listens, for people: plaintext, TLS or mutual TLS."""
    if not settings.tls_cert_file:
        return "plaintext"
    return "mutual TLS" if settings.tls_client_ca_file else "TLS"
