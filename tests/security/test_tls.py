"""TLS and mutual TLS, end to end: the three real services started by `connectability serve`
with certificates made here, and clients with and without trusted certificates.

One stack runs mutual TLS for the whole module. `serve` printing its banner already proves
its health checks passed over mutual TLS; creating a project proves the connection service
reached the drawing and notification services over mutual TLS (the facts flow down).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli import main as cli_main
from shared.runtime.config import SERVICE_NAMES, ServiceName, Settings
from shared.runtime.server import ServiceDefinition, start_server
from shared.runtime.tls import TlsSettingsError, channel_credentials, server_credentials
from tests.fixtures.identity import SigningKeys, make_test_keys
from tests.fixtures.stack import Stack, stack_environment
from tests.integration.calls import eventually
from tests.integration.test_directory import Platform
from tests.integration.test_serve_command import READY_LINE, cli, read_lines_until
from tests.security.certificates import Issued, issue, make_ca


@dataclass(frozen=True)
class Certificates:
    ca: Issued
    server: Issued
    client: Issued
    # A CA nobody trusts, and a client certificate it signed.
    rogue_ca: Issued
    rogue_client: Issued


@dataclass(frozen=True)
class TlsStack:
    certificates: Certificates
    keys: SigningKeys
    addresses: dict[ServiceName, str]
    banner: str


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    directory = tmp_path_factory.mktemp("certificates")
    ca = make_ca(directory, "test-ca")
    rogue_ca = make_ca(directory, "rogue-ca")
    return Certificates(
        ca=ca,
        server=issue(directory, ca, "server", server=True),
        client=issue(directory, ca, "client", server=False),
        rogue_ca=rogue_ca,
        rogue_client=issue(directory, rogue_ca, "rogue-client", server=False),
    )


@pytest.fixture(scope="module")
def mutual_tls_stack(
    certificates: Certificates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsStack]:
    data_dir = tmp_path_factory.mktemp("tls-stack")
    keys = make_test_keys(data_dir / "test-keys")
    env = stack_environment("sqlite", keys, data_dir)
    env.update(
        {
            "CONNECTABILITY_TLS_CERT_FILE": str(certificates.server.cert_file),
            "CONNECTABILITY_TLS_KEY_FILE": str(certificates.server.key_file),
            "CONNECTABILITY_TLS_CLIENT_CA_FILE": str(certificates.ca.cert_file),
            "CONNECTABILITY_TLS_CA_FILE": str(certificates.ca.cert_file),
            "CONNECTABILITY_TLS_CLIENT_CERT_FILE": str(certificates.client.cert_file),
            "CONNECTABILITY_TLS_CLIENT_KEY_FILE": str(certificates.client.key_file),
        }
    )
    process = subprocess.Popen(
        cli("serve"), env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        banner = "\n".join(read_lines_until(process, READY_LINE, timeout=90))
        addresses = {
            name: f"127.0.0.1:{env[f'CONNECTABILITY_{name.upper()}_PORT']}"
            for name in SERVICE_NAMES
        }
        yield TlsStack(certificates, keys, addresses, banner)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def credentials(roots: Issued | None, client: Issued | None = None) -> grpc.ChannelCredentials:
    """TLS credentials trusting ``roots`` (a CA) and presenting ``client``, if given."""
    return grpc.ssl_channel_credentials(
        root_certificates=roots.cert_file.read_bytes() if roots else None,
        private_key=client.key_file.read_bytes() if client else None,
        certificate_chain=client.cert_file.read_bytes() if client else None,
    )


def health_check(channel: grpc.Channel) -> int:
    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(answer.status)


def refused_code(channel: grpc.Channel) -> grpc.StatusCode:
    """The status of a health check (no token needed) that the transport must refuse."""
    with pytest.raises(grpc.RpcError) as caught:
        health_check(channel)
    return caught.value.code()


def test_serve_banner_names_mutual_tls_and_the_grpcurl_flags(mutual_tls_stack: TlsStack) -> None:
    certificates = mutual_tls_stack.certificates
    for address in mutual_tls_stack.addresses.values():
        assert f"gRPC on {address} (mutual TLS)" in mutual_tls_stack.banner
    assert f"-cacert {certificates.ca.cert_file}" in mutual_tls_stack.banner
    assert f"-cert {certificates.client.cert_file}" in mutual_tls_stack.banner
    assert "-plaintext" not in mutual_tls_stack.banner


def test_a_client_with_a_trusted_certificate_calls_and_facts_flow_down_over_mutual_tls(
    mutual_tls_stack: TlsStack, tmp_path: Path
) -> None:
    certificates = mutual_tls_stack.certificates
    trusted = credentials(certificates.ca, certificates.client)
    channels: dict[str, grpc.Channel] = {
        name: grpc.secure_channel(address, trusted)
        for name, address in mutual_tls_stack.addresses.items()
    }
    # The integration tests' platform client, over these mutual-TLS channels.
    stack = Stack("sqlite", mutual_tls_stack.keys, tmp_path, {}, [], channels)
    try:
        platform = Platform(stack)
        project = platform.project(platform.company().id, name="Tower")
        # Only the connection service could have told the services below, over its own
        # mutual-TLS channels.
        drawing_facts, notification_facts = eventually(lambda: platform.facts_below(project.id))
        assert (drawing_facts.name, notification_facts.name) == ("Tower", "Tower")
    finally:
        stack.close()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_plaintext_client_is_refused(mutual_tls_stack: TlsStack, service: ServiceName) -> None:
    with grpc.insecure_channel(mutual_tls_stack.addresses[service]) as channel:
        assert refused_code(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_client_without_a_certificate_is_refused(
    mutual_tls_stack: TlsStack, service: ServiceName
) -> None:
    no_certificate = credentials(mutual_tls_stack.certificates.ca)
    with grpc.secure_channel(mutual_tls_stack.addresses[service], no_certificate) as channel:
        assert refused_code(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_client_certificate_from_an_untrusted_ca_is_refused(
    mutual_tls_stack: TlsStack, service: ServiceName
) -> None:
    certificates = mutual_tls_stack.certificates
    rogue = credentials(certificates.ca, certificates.rogue_client)
    with grpc.secure_channel(mutual_tls_stack.addresses[service], rogue) as channel:
        assert refused_code(channel) == grpc.StatusCode.UNAVAILABLE


def test_a_client_that_does_not_trust_the_servers_ca_is_refused(
    mutual_tls_stack: TlsStack,
) -> None:
    certificates = mutual_tls_stack.certificates
    distrustful = credentials(certificates.rogue_ca, certificates.client)
    with grpc.secure_channel(mutual_tls_stack.addresses["connection"], distrustful) as channel:
        assert refused_code(channel) == grpc.StatusCode.UNAVAILABLE


def health_only_definition() -> ServiceDefinition:
    return ServiceDefinition(name="connection", grpc_service_names=[], register=lambda _: None)


def test_tls_without_a_client_ca_serves_clients_without_certificates(
    certificates: Certificates, test_keys: SigningKeys
) -> None:
    settings = Settings(
        tls_cert_file=str(certificates.server.cert_file),
        tls_key_file=str(certificates.server.key_file),
        tls_ca_file=str(certificates.ca.cert_file),
    )
    running = start_server(health_only_definition(), settings, test_keys.verifier(), port=0)
    address = f"127.0.0.1:{running.port}"
    try:
        # The credentials this process would use for its own outgoing calls: the CA only.
        outgoing = channel_credentials(settings)
        assert outgoing is not None
        with grpc.secure_channel(address, outgoing) as channel:
            assert health_check(channel) == health_pb2.HealthCheckResponse.SERVING
        with grpc.insecure_channel(address) as channel:
            assert refused_code(channel) == grpc.StatusCode.UNAVAILABLE
    finally:
        running.shutdown(0)


def test_nothing_configured_means_plaintext() -> None:
    assert server_credentials(Settings()) is None
    assert channel_credentials(Settings()) is None


@pytest.mark.parametrize(
    "incomplete",
    [
        {"tls_cert_file": "server.pem"},
        {"tls_client_ca_file": "ca.pem"},
        {"tls_ca_file": "ca.pem", "tls_client_cert_file": "client.pem"},
    ],
)
def test_incomplete_tls_settings_are_refused_at_start(incomplete: dict[str, str]) -> None:
    settings = Settings(**incomplete)  # type: ignore[arg-type]
    with pytest.raises(TlsSettingsError):
        server_credentials(settings)
        channel_credentials(settings)


def test_an_unreadable_certificate_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    settings = Settings(tls_cert_file=str(missing), tls_key_file=str(missing))
    with pytest.raises(TlsSettingsError, match="missing.pem"):
        server_credentials(settings)


def test_the_health_command_checks_over_tls_with_the_services_settings(
    mutual_tls_stack: TlsStack,
) -> None:
    issued = mutual_tls_stack.certificates
    tls = {
        "CONNECTABILITY_TLS_CA_FILE": str(issued.ca.cert_file),
        "CONNECTABILITY_TLS_CLIENT_CERT_FILE": str(issued.client.cert_file),
        "CONNECTABILITY_TLS_CLIENT_KEY_FILE": str(issued.client.key_file),
    }
    for name, address in mutual_tls_stack.addresses.items():
        port = {f"CONNECTABILITY_{name.upper()}_PORT": address.rsplit(":", 1)[1]}
        healthy = CliRunner(env={**tls, **port}).invoke(cli_main, ["health", name])
        plaintext = CliRunner(env=port).invoke(cli_main, ["health", name])

        assert healthy.exit_code == 0 and f"{name} at {address}: SERVING" in healthy.output
        assert plaintext.exit_code == 1 and "UNAVAILABLE" in plaintext.output
