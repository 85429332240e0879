"""`connectability token` makes only tokens the services accept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.runtime.tokens import ensure_local_keys


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CONNECTABILITY_DATA_DIR", str(tmp_path))
    ensure_local_keys(tmp_path / "keys")  # as `serve` leaves them
    return CliRunner()


def test_a_token_longer_lived_than_the_services_accept_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(main, ["token", "--platform", "--ttl", str(2 * 86_400)])
    assert result.exit_code != 0
    assert "--ttl" in result.output and "86400" in result.output


def test_a_token_within_the_lifetime_is_printed(runner: CliRunner) -> None:
    result = runner.invoke(main, ["token", "--platform", "--ttl", "600"])
    assert result.exit_code == 0
    assert result.output.count(".") == 2  # header.claims.signature
