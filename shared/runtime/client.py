"""Calling another service: channels with retries, deadlines passed on, identity attached.

- Retries: a gRPC service config retries ``UNAVAILABLE`` only (AIP-194), with back-off.
- Deadlines: Python does not pass a caller's deadline on by itself; an outgoing call made
  while serving a call gets that call's remaining time (capped by the configured default).
- Identity: each call carries this service's own short-lived token and the request id of
  the call being served, so logs of both services line up; while serving someone's call it
  also says for whom it acts (``x-acting-for``).
"""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from shared.facts.errors import DomainError, ErrorReason
from shared.facts.identity import Principal, PrincipalKind, current_principal
from shared.runtime.call_context import ACTING_FOR_HEADER, REQUEST_ID_HEADER, current_call
from shared.runtime.tls import grpc_channel
from shared.runtime.tokens import TokenIssuer
from shared.runtime.tracing import traced

# Refuse to start a call with less time than this left: it could not finish anyway.
MIN_USEFUL_SECONDS = 0.005


def retry_service_config(grpc_service_names: Sequence[str], max_attempts: int = 4) -> str:
    return json.dumps(
        {
            "methodConfig": [
                {
                    "name": [{"service": name} for name in grpc_service_names],
                    "retryPolicy": {
                        "maxAttempts": max_attempts,
                        "initialBackoff": "0.1s",
                        "maxBackoff": "2s",
                        "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE"],
                    },
                    "waitForReady": False,
                }
            ]
        }
    )


def effective_timeout(explicit: float | None, default_seconds: float) -> float:
    """The timeout for an outgoing call: explicit, else the caller's remaining time."""
    candidates = [default_seconds]
    if explicit is not None:
        candidates.append(explicit)
    call = current_call()
    remaining = call.time_remaining() if call else None
    if remaining is not None:
        candidates.append(remaining)
    timeout = min(candidates)
    if timeout < MIN_USEFUL_SECONDS:
        raise _DeadlineAlreadyPassed(
            ErrorReason.DEADLINE_EXCEEDED,
            "The caller's deadline passed before a dependency was called.",
        )
    return timeout


class _DeadlineAlreadyPassed(DomainError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class ServiceTokenSource:
    """This service's own bearer token, re-issued before it expires."""

    def __init__(self, issuer: TokenIssuer, service_name: str, ttl_seconds: float):
        self._issuer = issuer
        self._principal = Principal(PrincipalKind.SERVICE, service_name)
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._token = ""
        self._renew_at = 0.0
        self._key_id = ""

    def token(self) -> str:
        with self._lock:
            now = time.monotonic()
            # A rotated signing key: sign anew at once, the old key may leave the JWKS soon.
            if now >= self._renew_at or self._issuer.key_id != self._key_id:
                self._key_id = self._issuer.key_id
                self._token = self._issuer.issue(self._principal, self._ttl)
                self._renew_at = now + self._ttl * 0.8
            return self._token


class _ClientCallDetails(
    collections.namedtuple(
        "_ClientCallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class OutgoingCallInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the token, the request id and the passed-on deadline to every outgoing call."""

    def __init__(self, bearer_token: Callable[[], str], default_deadline_seconds: float):
        self._bearer_token = bearer_token
        self._default_deadline = default_deadline_seconds

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = [
            (key, value)
            for key, value in (details.metadata or ())
            if key not in ("authorization", REQUEST_ID_HEADER, ACTING_FOR_HEADER)
        ]
        metadata.append(("authorization", f"Bearer {self._bearer_token()}"))
        call = current_call()
        if call is not None:
            metadata.append((REQUEST_ID_HEADER, call.request_id))
            metadata.append((ACTING_FOR_HEADER, _acting_for()))
        return _ClientCallDetails(
            details.method,
            effective_timeout(details.timeout, self._default_deadline),
            metadata,
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)


def _acting_for() -> str:
    """The caller of the call being served, as the logs describe it."""
    try:
        return current_principal().describe()
    except RuntimeError:  # a call served without a token (health): nobody to name
        return "-"


def open_channel(
    address: str,
    grpc_service_names: Sequence[str],
    bearer_token: Callable[[], str],
    default_deadline_seconds: float = 10.0,
    max_message_bytes: int = 4 * 1024 * 1024,
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.Channel:
    """A channel to ``address`` whose calls retry UNAVAILABLE and carry identity/deadlines.

    With ``credentials`` (``shared.runtime.tls.channel_credentials``) it speaks TLS, else plaintext.
    """
    channel = grpc_channel(
        address,
        credentials,
        options=[
            ("grpc.service_config", retry_service_config(grpc_service_names)),
            ("grpc.enable_retries", 1),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ],
    )
    return grpc.intercept_channel(
        traced(channel), OutgoingCallInterceptor(bearer_token, default_deadline_seconds)
    )
