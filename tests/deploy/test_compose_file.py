"""docker-compose.yml stays true to the code (no Docker engine runs here to try it).

Every variable it sets is a real setting, every command a real CLI command, every port
and address the one the services use, every database one that the init script creates.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from services.cli import main as cli
from shared.runtime.config import SERVICE_NAMES, WEB, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sql"
KEYS_README = ROOT / "deploy" / "keys" / "README.md"
ENV_PREFIX = "CONNECTABILITY_"
DATABASE_SERVICE = "postgres"
RATE_LIMIT_SERVICE = "redis"
MAIL_SERVICE = "smtp"
OBJECT_STORE_SERVICE = "minio"
MAIL_CATCHER_SMTP_PORT = "1025"  # the SMTP port the mail catcher image listens on
KEYS_VOLUME = "keys"
KEY_STORE = "/run/keys"
KEYS_MOUNT = f"{KEYS_VOLUME}:{KEY_STORE}:ro"
KEYS_INIT_SERVICE = "keys-init"
MIGRATE_SERVICE = "migrate"
ONE_SHOT_JOBS = (KEYS_INIT_SERVICE, MIGRATE_SERVICE)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text()))


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as a list of KEY=value."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(entry.split("=", 1) for entry in raw)
    return {key: str(value) for key, value in raw.items()}


def port_of(service_name: str, service: dict[str, Any]) -> int:
    """The port the service listens on: set in the compose file, else the Settings default."""
    configured = environment(service).get(f"{ENV_PREFIX}{service_name.upper()}_PORT")
    default = Settings.model_fields[f"{service_name}_port"].default
    return int(configured or default)


def published_ports(service: dict[str, Any]) -> list[tuple[int, int]]:
    """(published, container) pairs, from the short ("H:C") or the long syntax."""
    pairs = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            pairs.append((int(entry["published"]), int(entry["target"])))
        else:
            *_, published, target = str(entry).split(":")
            pairs.append((int(published), int(target.split("/")[0])))
    return pairs


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each service depended on, with its condition (a plain list means service_started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def test_it_has_the_database_redis_the_mail_catcher_and_the_three_services(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {
        DATABASE_SERVICE,
        RATE_LIMIT_SERVICE,
        MAIL_SERVICE,
        OBJECT_STORE_SERVICE,  # the drawing files (issue 16)
        *ONE_SHOT_JOBS,
        *SERVICE_NAMES,
        WEB,  # the web page, a client of the connection service
    }
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for needed, condition in depends_on(service).items():
            assert needed in services, f"{name} depends on unknown {needed}"
            if condition == "service_healthy":
                assert "healthcheck" in services[needed], f"{needed} has no health check"


def test_every_variable_is_a_real_setting() -> None:
    """Anywhere in the deployment files, comments included: a stale name misleads there too."""
    settings = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    used = {
        variable
        for path in (COMPOSE_FILE, DOCKERFILE, KEYS_README)
        for variable in re.findall(rf"\b{ENV_PREFIX}[A-Z0-9_]+", path.read_text())
    }
    assert used, "the deployment sets no configuration at all"
    assert used <= settings, f"unknown settings: {sorted(used - settings)}"


def test_every_command_is_a_real_cli_command(compose: dict[str, Any]) -> None:
    commands = [
        service["command"]
        for service in compose["services"].values()
        if service.get("command") and service["command"][0] == "connectability"
    ]
    assert len(commands) == len(SERVICE_NAMES) + len(ONE_SHOT_JOBS) + 1  # + the web page
    for command in commands:
        result = CliRunner().invoke(cli, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{command}: {result.output}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_service_runs_itself(compose: dict[str, Any], name: str) -> None:
    command = compose["services"][name]["command"]
    assert command == ["connectability", "run-service", name]
    assert command[2] in SERVICE_NAMES
    result = CliRunner().invoke(cli, ["run-service", "--help"])
    assert result.exit_code == 0, result.output
    assert name in result.output  # among the choices the command accepts


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_ports_and_health_checks_match_the_service(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    port = port_of(name, service)
    env = environment(service)
    extra = {f"{ENV_PREFIX}DRAWING_STORAGE_PORT"} if name == "drawing" else set()
    expected = [port] + [int(env[key]) for key in sorted(extra)]
    assert published_ports(service) == [(p, p) for p in expected]
    assert environment(service)[f"{ENV_PREFIX}HOST"] == "0.0.0.0"
    # The health command reads the port (and any TLS settings) from the service's settings.
    assert service["healthcheck"]["test"] == ["CMD", "connectability", "health", name]
    assert CliRunner().invoke(cli, ["health", "--help"]).exit_code == 0


def test_the_connection_service_reaches_the_services_below(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = environment(services["connection"])
    for below in ("drawing", "notification"):
        assert env[f"{ENV_PREFIX}{below.upper()}_ADDRESS"] == (
            f"{below}:{port_of(below, services[below])}"
        )
        assert depends_on(services["connection"]).get(below) == "service_healthy"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_service_has_its_own_postgresql_database(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    url = environment(service)[f"{ENV_PREFIX}{name.upper()}_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://"), url
    match = re.fullmatch(r"postgresql\+psycopg://[^@/]+@([\w-]+):(\d+)/(\w+)", url)
    assert match, url
    host, port, database = match.groups()
    assert (host, port) == (DATABASE_SERVICE, "5432")
    assert depends_on(service).get(DATABASE_SERVICE) == "service_healthy"
    created = re.findall(r"CREATE DATABASE (\w+);", POSTGRES_INIT.read_text(), re.IGNORECASE)
    assert database == name, f"{name} uses the database of {database}"
    assert database in created, f"{POSTGRES_INIT.name} does not create {database}"


def test_the_init_script_is_mounted_and_postgres_is_checked_over_tcp(
    compose: dict[str, Any],
) -> None:
    postgres = compose["services"][DATABASE_SERVICE]
    mounts = [str(volume).split(":")[:2] for volume in postgres["volumes"]]
    init_mounts = [target for source, target in mounts if source == "./deploy/postgres-init.sql"]
    assert len(init_mounts) == 1 and init_mounts[0].startswith("/docker-entrypoint-initdb.d/")
    # The image's init phase runs a socket-only server: only a TCP check waits it out.
    check = postgres["healthcheck"]["test"]
    assert "pg_isready" in check and "127.0.0.1" in check


def test_mail_goes_to_the_catcher(compose: dict[str, Any]) -> None:
    env = environment(compose["services"]["notification"])
    assert env[f"{ENV_PREFIX}SMTP_HOST"] == MAIL_SERVICE
    assert env[f"{ENV_PREFIX}SMTP_PORT"] == MAIL_CATCHER_SMTP_PORT


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_counts_rate_limits_in_the_one_redis(
    compose: dict[str, Any], name: str
) -> None:
    url = environment(compose["services"][name])[f"{ENV_PREFIX}REDIS_URL"]
    assert url.startswith(f"redis://{RATE_LIMIT_SERVICE}:6379/")
    assert depends_on(compose["services"][name]).get(RATE_LIMIT_SERVICE) == "service_healthy"


def test_keys_are_mounted_where_the_settings_point(compose: dict[str, Any]) -> None:
    for name in SERVICE_NAMES:
        service = compose["services"][name]
        env = environment(service)
        assert KEYS_MOUNT in service["volumes"]
        assert env[f"{ENV_PREFIX}JWT_PUBLIC_KEYS"] == "/run/keys/jwks.json"
        assert env[f"{ENV_PREFIX}JWT_SIGNING_KEY"] == "/run/keys/signing-key.jwk"


def test_the_image_installs_the_project_and_exposes_the_ports(compose: dict[str, Any]) -> None:
    dockerfile = DOCKERFILE.read_text()
    assert re.search(r"^RUN pip install [^\n]*\s\.$", dockerfile, re.MULTILINE)
    assert "COPY pyproject.toml" in dockerfile
    for package in ("connectability", "shared", "services"):
        assert f"COPY {package} ./{package}" in dockerfile
    expose_lines = re.findall(r"^EXPOSE (.+)$", dockerfile, re.MULTILINE)
    exposed = {int(port) for line in expose_lines for port in line.split()}
    grpc_ports = {port_of(name, compose["services"][name]) for name in SERVICE_NAMES}
    storage_port = int(
        environment(compose["services"]["drawing"])[f"{ENV_PREFIX}DRAWING_STORAGE_PORT"]
    )
    web_port = port_of(WEB, compose["services"][WEB])
    assert exposed == grpc_ports | {storage_port, web_port}
    assert re.search(r'^CMD \["connectability", "--help"\]$', dockerfile, re.MULTILINE)
    assert CliRunner().invoke(cli, ["--help"]).exit_code == 0


def compose_command() -> list[str] | None:
    """`docker compose` (the CLI plugin), else the standalone `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_accepts_the_file() -> None:
    """Compose's own validation; `config` needs no running Docker engine."""
    command = compose_command()
    if command is None:
        pytest.skip(
            "no Docker Compose here: neither the `docker compose` plugin nor `docker-compose`"
        )
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_drawing_storage_endpoint_is_published_and_keeps_its_files(
    compose: dict[str, Any],
) -> None:
    drawing = compose["services"]["drawing"]
    env = environment(drawing)
    port = int(env[f"{ENV_PREFIX}DRAWING_STORAGE_PORT"])
    assert f"{port}:{port}" in drawing["ports"]
    assert env[f"{ENV_PREFIX}DRAWING_STORAGE_PUBLIC_URL"].endswith(f":{port}")
    store = env[f"{ENV_PREFIX}FILE_STORE_DIR"]
    assert any(str(volume).endswith(f":{store}") for volume in drawing["volumes"])
    assert KEYS_MOUNT in drawing["volumes"]  # still has its keys


def test_the_web_page_reaches_the_connection_service_behind_a_proxy(
    compose: dict[str, Any],
) -> None:
    web = compose["services"][WEB]
    env = environment(web)
    assert web["command"] == ["connectability", "run-service", WEB]
    assert env[f"{ENV_PREFIX}CONNECTION_ADDRESS"] == "connection:50051"
    assert env[f"{ENV_PREFIX}WEB_SIGN_IN"] == "proxy"  # never the development sign-in
    assert depends_on(web) == {"connection": "service_healthy"}
    assert (8080, port_of(WEB, web)) in published_ports(web)


def test_the_drawing_files_live_in_a_pinned_minio_the_drawing_service_points_at(
    compose: dict[str, Any],
) -> None:
    minio = compose["services"][OBJECT_STORE_SERVICE]
    image, _, tag = minio["image"].partition(":")
    assert image == "minio/minio" and tag.startswith("RELEASE."), "pin a MinIO release"
    api_port = int(minio["command"][minio["command"].index("--address") + 1].lstrip(":"))
    assert f"{api_port}:{api_port}" in minio["ports"]  # browsers use presigned URLs
    assert "healthcheck" in minio
    drawing = compose["services"]["drawing"]
    env = environment(drawing)
    assert env[f"{ENV_PREFIX}FILE_STORE"] == "s3"
    assert env[f"{ENV_PREFIX}S3_ENDPOINT_URL"] == f"http://{OBJECT_STORE_SERVICE}:{api_port}"
    assert env[f"{ENV_PREFIX}S3_PUBLIC_ENDPOINT_URL"].endswith(f":{api_port}")
    credentials = environment(minio)
    assert env[f"{ENV_PREFIX}S3_ACCESS_KEY_ID"] == credentials["MINIO_ROOT_USER"]
    assert env[f"{ENV_PREFIX}S3_SECRET_ACCESS_KEY"] == credentials["MINIO_ROOT_PASSWORD"]
    assert depends_on(drawing)[OBJECT_STORE_SERVICE] == "service_healthy"
    # The settings parse: the value is one the drawing service accepts.
    Settings(file_store=env[f"{ENV_PREFIX}FILE_STORE"])  # type: ignore[arg-type]
