"""docker-compose.yml stays true to the code (no Docker engine runs here to try it).

Every variable it sets is a real setting, every command a real CLI command, every port
and address the one the services use, every database one that the init script creates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from services.cli import main as cli
from shared.config import SERVICE_NAMES, Settings

ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "CONNECTABILITY_"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in (service.get("environment") or {}).items()}


def port_of(service_name: str, service: dict[str, Any]) -> int:
    configured = environment(service).get(f"{ENV_PREFIX}{service_name.upper()}_PORT")
    default = Settings.model_fields[f"{service_name}_port"].default
    return int(configured or default)


def test_it_has_the_database_the_mail_catcher_and_the_three_services(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "smtp", *SERVICE_NAMES}
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for needed in service.get("depends_on") or {}:
            assert needed in services, f"{name} depends on unknown {needed}"


def test_every_variable_is_a_real_setting(compose: dict[str, Any]) -> None:
    settings = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    used = {
        key
        for service in compose["services"].values()
        for key in environment(service)
        if key.startswith(ENV_PREFIX)
    }
    assert used, "the services set no configuration at all"
    assert used <= settings, f"unknown settings: {sorted(used - settings)}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_service_runs_a_real_command(compose: dict[str, Any], name: str) -> None:
    command = compose["services"][name]["command"]
    assert command[:2] == ["connectability", "run-service"] and command[2] == name
    result = CliRunner().invoke(cli, [command[1], "--help"])
    assert result.exit_code == 0, result.output
    assert name in result.output  # the argument is one the command accepts


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_ports_and_health_checks_match_the_service(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    port = port_of(name, service)
    assert f"{port}:{port}" in service["ports"]
    health_command = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{port}" in health_command
    assert environment(service)[f"{ENV_PREFIX}HOST"] == "0.0.0.0"


def test_the_connection_service_reaches_the_services_below(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = environment(services["connection"])
    for below in ("drawing", "notification"):
        assert env[f"{ENV_PREFIX}{below.upper()}_ADDRESS"] == (
            f"{below}:{port_of(below, services[below])}"
        )
        assert below in services["connection"]["depends_on"]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_service_has_its_own_postgresql_database(compose: dict[str, Any], name: str) -> None:
    url = environment(compose["services"][name])[f"{ENV_PREFIX}{name.upper()}_DATABASE_URL"]
    match = re.fullmatch(r"postgresql\+psycopg://[^@]+@postgres:5432/(\w+)", url)
    assert match, url
    created = re.findall(r"CREATE DATABASE (\w+);", (ROOT / "deploy/postgres-init.sql").read_text())
    assert match.group(1) == name and name in created


def test_mail_goes_to_the_catcher(compose: dict[str, Any]) -> None:
    env = environment(compose["services"]["notification"])
    assert env[f"{ENV_PREFIX}SMTP_HOST"] == "smtp"
    assert env[f"{ENV_PREFIX}SMTP_PORT"] == "1025"  # the catcher's SMTP port


def test_the_image_installs_the_project_and_exposes_the_ports(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "COPY pyproject.toml" in dockerfile
    exposed = {int(port) for port in re.findall(r"\b(\d{4,5})\b", dockerfile.split("EXPOSE")[1])}
    assert exposed == {port_of(name, compose["services"][name]) for name in SERVICE_NAMES}
    for package in ("connectability", "shared", "services"):
        assert f"COPY {package} ./{package}" in dockerfile


def test_keys_are_mounted_where_the_settings_point(compose: dict[str, Any]) -> None:
    for name in SERVICE_NAMES:
        service = compose["services"][name]
        env = environment(service)
        assert "./deploy/keys:/run/keys:ro" in service["volumes"]
        assert env[f"{ENV_PREFIX}JWT_PUBLIC_KEYS"].startswith("/run/keys/")
        assert env[f"{ENV_PREFIX}JWT_SIGNING_KEY"].startswith("/run/keys/")
