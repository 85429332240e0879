"""`docker compose up` on a fresh clone: everything a service reads is made by the compose file.

Keys and the storage secret come from the one-shot `keys-init` job (into a named volume, not a
folder of the clone or a container's own layer); the databases are migrated once, by the
one-shot `migrate` job, before any service starts; every image but ours is pinned; our image
runs as a user, not root, and installs its dependencies before it copies the code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from services.cli import main as cli
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import SERVICE_NAMES, Settings
from shared.runtime.tokens import TokenIssuer, TokenVerifier
from tests.deploy.test_compose_file import (
    COMPOSE_FILE,
    DOCKERFILE,
    ENV_PREFIX,
    KEY_STORE,
    KEYS_INIT_SERVICE,
    KEYS_MOUNT,
    KEYS_VOLUME,
    MIGRATE_SERVICE,
    ROOT,
    depends_on,
    environment,
)

COMPLETED = "service_completed_successfully"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text()))


def key_files_read_by(service: dict[str, Any]) -> set[PurePosixPath]:
    """The key and secret files a service reads in the container, as its settings say."""
    env = environment(service)
    settings = Settings(
        key_store_dir=env.get(f"{ENV_PREFIX}KEY_STORE_DIR", ""),
        jwt_public_keys=env.get(f"{ENV_PREFIX}JWT_PUBLIC_KEYS", ""),
        jwt_signing_key=env.get(f"{ENV_PREFIX}JWT_SIGNING_KEY", ""),
        data_dir=Path("/var/lib/connectability"),  # the Dockerfile's
    )
    read = {
        PurePosixPath(settings.public_keys_source),
        PurePosixPath(settings.signing_key_source),
    }
    if not env.get(f"{ENV_PREFIX}STORAGE_SIGNING_SECRET"):
        read.add(PurePosixPath(settings.keys_dir) / "storage-secret")
    return read


def files_keys_init_makes(compose: dict[str, Any], tmp_path: Path) -> dict[str, Path]:
    """Run the keys-init job's command here, its key store mapped to a temporary folder."""
    job = compose["services"][KEYS_INIT_SERVICE]
    env = environment(job)
    assert env[f"{ENV_PREFIX}KEY_STORE_DIR"] == KEY_STORE
    result = CliRunner().invoke(
        cli, job["command"][1:], env={f"{ENV_PREFIX}KEY_STORE_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    return {path.name: path for path in tmp_path.iterdir()}


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_waits_for_its_keys_and_its_migrated_database(
    compose: dict[str, Any], name: str
) -> None:
    needs = depends_on(compose["services"][name])
    assert needs.get(KEYS_INIT_SERVICE) == COMPLETED
    assert needs.get(MIGRATE_SERVICE) == COMPLETED


def test_the_one_shot_jobs_run_once_and_to_the_end(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for job in (KEYS_INIT_SERVICE, MIGRATE_SERVICE):
        assert str(services[job].get("restart")) == "no", f"{job} would run again and again"
        assert "ports" not in services[job]
    assert services[KEYS_INIT_SERVICE]["command"] == ["connectability", "keys", "init"]
    # The keys job writes where the services read: the same volume, writable for it only.
    assert f"{KEYS_VOLUME}:{KEY_STORE}" in services[KEYS_INIT_SERVICE]["volumes"]
    assert KEYS_VOLUME in compose["volumes"], "the keys must outlive the containers"
    for name in SERVICE_NAMES:
        assert KEYS_MOUNT in services[name]["volumes"]


def test_migrate_brings_every_service_database_up_before_them(compose: dict[str, Any]) -> None:
    services = compose["services"]
    job = services[MIGRATE_SERVICE]
    command = job["command"]
    assert command[:2] == ["connectability", "migrate"]
    assert sorted(command[2:]) == sorted(SERVICE_NAMES)
    assert CliRunner().invoke(cli, [*command[1:], "--help"]).exit_code == 0
    for name in SERVICE_NAMES:
        variable = f"{ENV_PREFIX}{name.upper()}_DATABASE_URL"
        assert environment(job)[variable] == environment(services[name])[variable]
    assert depends_on(job).get("postgres") == "service_healthy"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_key_file_a_service_reads_is_made_by_keys_init(
    compose: dict[str, Any], name: str, tmp_path: Path
) -> None:
    made = files_keys_init_makes(compose, tmp_path)
    for path in key_files_read_by(compose["services"][name]):
        assert path.parent == PurePosixPath(KEY_STORE), f"{name} reads {path} outside the volume"
        assert path.name in made, f"{name} reads {path}, which nothing in the compose file makes"


def test_keys_init_makes_keys_the_services_accept(compose: dict[str, Any], tmp_path: Path) -> None:
    made = files_keys_init_makes(compose, tmp_path)
    settings = Settings()
    issuer = TokenIssuer(str(made["signing-key.jwk"]), settings.jwt_audience, settings.jwt_issuer)
    token = issuer.issue(Principal(PrincipalKind.SERVICE, "connection"), 60)
    verifier = TokenVerifier(
        str(made["jwks.json"]),
        settings.jwt_audience,
        settings.trusted_issuers,
        settings.jwt_max_token_lifetime_seconds,
    )
    assert verifier.verify(token).kind == PrincipalKind.SERVICE


def test_every_image_we_do_not_build_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        assert ":" in image, f"{name} runs whatever {image} is today"
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"


def test_the_image_runs_as_a_user_of_its_own() -> None:
    dockerfile = DOCKERFILE.read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the services would run as root"
    # The folders volumes are mounted on belong to that user, so fresh volumes are writable.
    chowned = re.search(r"chown -R (\S+):\S+ (.+)$", dockerfile, re.MULTILINE)
    assert chowned and chowned.group(1) == users[-1]
    for folder in (KEY_STORE, "/var/lib/connectability"):
        assert folder in chowned.group(2)


def test_the_image_installs_dependencies_before_it_copies_the_code() -> None:
    dockerfile = DOCKERFILE.read_text()
    install_dependencies = dockerfile.index("--require-hashes -r requirements.lock")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pattern in packages:
        package = pattern.rstrip("*")
        copied = dockerfile.index(f"COPY {package} ./{package}")  # every package is in it
        assert install_dependencies < copied, f"a change to {package} reinstalls everything"


def mounts_of(service: dict[str, Any]) -> list[tuple[str, PurePosixPath, bool]]:
    """(source, target, read-only) of each volume or bind mount, short syntax."""
    found = []
    for entry in service.get("volumes") or []:
        source, target, *mode = str(entry).split(":")
        found.append((source, PurePosixPath(target), mode == ["ro"]))
    return found


def test_every_path_a_service_is_given_is_made_by_something_in_the_compose_file(
    compose: dict[str, Any],
) -> None:
    """A file a setting points at lies on a bind mount of a file of the clone, or on a volume
    that the service writes itself or that a job it waits for wrote (read-only for it)."""
    services = compose["services"]
    for name, service in services.items():
        for variable, value in environment(service).items():
            if not value.startswith("/"):
                continue
            path = PurePosixPath(value)
            under = [m for m in mounts_of(service) if path == m[1] or m[1] in path.parents]
            assert under, f"{name}: {variable}={value} is on no volume, nothing puts it there"
            source, target, read_only = max(under, key=lambda m: len(m[1].parts))
            if source.startswith((".", "/")):
                # From the clone: the very file must be in it (a fresh clone has no keys).
                in_clone = ROOT / source / path.relative_to(target)
                assert in_clone.exists(), f"{name} reads {value}, and {in_clone} is not in a clone"
                continue
            assert source in compose["volumes"], f"{name}: {source} is no named volume"
            if not read_only:
                continue  # the service makes what it reads there itself
            writers = [
                other
                for other, other_service in services.items()
                if (source, target, False) in mounts_of(other_service)
            ]
            assert writers, f"{name} reads {value} from {source}, which nothing writes"
            assert any(depends_on(service).get(w) == COMPLETED for w in writers), (
                f"{name} may start before {writers} wrote {source}"
            )


def test_every_file_mounted_from_the_clone_is_in_it(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for source, _, _ in mounts_of(service):
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts {source}, not in the clone"
