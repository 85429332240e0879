"""`token` signs only with keys the services use; `keys init` makes the keys a deployment shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from services.cli import main
from shared.facts.identity import PrincipalKind
from shared.runtime.config import Settings
from shared.runtime.tokens import TokenVerifier


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for variable in ("JWT_SIGNING_KEY", "JWT_PUBLIC_KEYS", "STORAGE_SIGNING_SECRET"):
        monkeypatch.delenv(f"CONNECTABILITY_{variable}", raising=False)
    monkeypatch.setenv("CONNECTABILITY_DATA_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def accepted_by_the_keys_in(keys_dir: Path, token: str) -> PrincipalKind:
    settings = Settings()
    verifier = TokenVerifier(
        str(keys_dir / "jwks.json"),
        settings.jwt_audience,
        settings.trusted_issuers,
        settings.jwt_max_token_lifetime_seconds,
    )
    return verifier.verify(token).kind


def test_token_without_keys_refuses_and_says_where_it_looked(data_dir: Path) -> None:
    result = run("token", "--platform")
    assert result.exit_code != 0
    assert str((data_dir / "keys").resolve()) in result.output
    assert "CONNECTABILITY_DATA_DIR" in result.output
    assert not (data_dir / "keys").exists(), "it made keys nobody asked for"


def test_token_with_a_missing_configured_key_names_the_setting(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTABILITY_JWT_SIGNING_KEY", str(data_dir / "gone.jwk"))
    result = run("token", "--platform")
    assert result.exit_code != 0
    assert "gone.jwk" in result.output and "CONNECTABILITY_JWT_SIGNING_KEY" in result.output


def test_token_makes_keys_when_told_to(data_dir: Path) -> None:
    result = run("token", "--platform", "--create-keys")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert accepted_by_the_keys_in(data_dir / "keys", token) == PrincipalKind.PLATFORM


def test_keys_init_makes_usable_keys_and_the_storage_secret_once(data_dir: Path) -> None:
    first = run("keys", "init")
    assert first.exit_code == 0, first.output
    keys_dir = data_dir / "keys"
    made = {path.name: path.read_bytes() for path in keys_dir.iterdir()}
    assert set(made) == {"jwks.json", "signing-key.jwk", "storage-secret"}
    for private in ("signing-key.jwk", "storage-secret"):
        assert (keys_dir / private).stat().st_mode & 0o077 == 0, f"{private} readable by others"

    # A token signed with them is accepted by a verifier of the JWKS it wrote.
    token = run("token", "--platform").output.strip()
    assert accepted_by_the_keys_in(keys_dir, token) == PrincipalKind.PLATFORM

    # Run again (a restarted init container): nothing changes, tokens stay valid.
    assert run("keys", "init").exit_code == 0
    assert {path.name: path.read_bytes() for path in keys_dir.iterdir()} == made
