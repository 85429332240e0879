"""Running one service as a process: settings, logging, keys, server, signals."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Sequence

from shared.runtime.client import ServiceTokenSource
from shared.runtime.config import Settings
from shared.runtime.identity_provider import IdentityProvider, JwksUrlKeys
from shared.runtime.server import (
    PortInUse,
    ServiceDefinition,
    ports_in_use,
    run_stop_hooks,
    run_until_signalled,
    start_server,
)
from shared.runtime.stop_signals import StopSignals
from shared.runtime.structured_logging import configure_logging
from shared.runtime.tokens import TokenIssuer, TokenVerifier, ensure_local_keys
from shared.runtime.tracing import configure_tracing

log = logging.getLogger("connectability.process")


def ensure_default_keys(settings: Settings) -> None:
    """With no keys configured, create the local development pair (embedded default)."""
    if not settings.jwt_public_keys and not settings.jwt_signing_key:
        ensure_local_keys(settings.keys_dir)


def service_token_source(settings: Settings, service_name: str) -> ServiceTokenSource:
    issuer = TokenIssuer(settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer)
    return ServiceTokenSource(issuer, service_name, settings.service_token_ttl_seconds)


def identity_provider(settings: Settings) -> IdentityProvider | None:
    """The configured standard identity provider, if any."""
    if not settings.jwt_provider_jwks_url:
        return None
    return IdentityProvider(
        issuer=settings.jwt_provider_issuer,
        audience=settings.jwt_provider_audience or settings.jwt_audience,
        user_id_claim=settings.jwt_provider_user_id_claim,
        keys=JwksUrlKeys(settings.jwt_provider_jwks_url),
    )


def token_verifier(settings: Settings) -> TokenVerifier:
    """The verifier of incoming bearer tokens, as configured."""
    return TokenVerifier(
        settings.public_keys_source,
        settings.jwt_audience,
        settings.trusted_issuers,
        settings.jwt_max_token_lifetime_seconds,
        identity_provider(settings),
    )


def exit_if_ports_in_use(error: OSError, settings: Settings, name: str) -> None:
    """For a port in use: one line per port that keeps the service from starting, naming the
    variable that moves it, then exit 1 (no traceback). Any other error: return."""
    if error.errno != errno.EADDRINUSE:
        return
    # Our own ports are closed by now (stop hooks ran): a bind test names the busy ones.
    problems: Sequence[OSError] = (
        [error] if isinstance(error, PortInUse) else ports_in_use(settings, name) or [error]
    )
    for problem in problems:
        log.error(str(problem))
    raise SystemExit(1)


def _stopped_while_starting(stop: StopSignals) -> bool:
    if stop.received is None:
        return False
    log.info("signal received while starting", extra={"signal": stop.received.name})
    stop.ignore_further()
    return True


def run_service(
    name: str,
    build_definition: Callable[[Settings], ServiceDefinition],
    settings: Settings | None = None,
    stop: StopSignals | None = None,
) -> None:
    # First of all: a Ctrl-C while the service starts is noted, and honoured at the next step.
    stop = stop or StopSignals.install()
    stop.starting_done()  # imports are done; from here on a signal is noted, not an exit
    settings = settings or Settings()
    configure_logging(name, settings.log_level, settings.log_format)
    configure_tracing(settings, name)
    if _stopped_while_starting(stop):
        return
    ensure_default_keys(settings)
    verifier = token_verifier(settings)
    try:
        definition = build_definition(settings)
    except OSError as error:  # a port of its own besides gRPC (the drawing storage endpoint)
        exit_if_ports_in_use(error, settings, name)
        raise
    if _stopped_while_starting(stop):
        run_stop_hooks(definition)
        log.info("stopped")
        return
    try:
        running = start_server(definition, settings, verifier)
    except OSError as error:
        run_stop_hooks(definition)
        exit_if_ports_in_use(error, settings, name)
        raise
    run_until_signalled(running, settings.shutdown_grace_seconds, stop)
