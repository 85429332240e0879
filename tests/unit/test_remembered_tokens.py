"""A verified token is remembered until it expires, and forgotten when the key set changes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from shared.facts.errors import Unauthenticated
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime import tokens
from shared.runtime.tokens import generate_key_pair

AUDIENCE, ISSUER = "connectability", "connectability-local"
USER = Principal(PrincipalKind.USER, "u-1", "c-1")


def _key_files(directory: Path, key_id: str) -> tuple[Path, Path]:
    private_jwk, public_jwk = generate_key_pair(key_id)
    signing, jwks = directory / f"{key_id}.jwk", directory / "jwks.json"
    signing.write_text(json.dumps(private_jwk))
    jwks.write_text(json.dumps({"keys": [public_jwk]}))
    return signing, jwks


def test_a_remembered_token_still_expires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "CLOCK_SKEW_SECONDS", 1)  # so the test waits ~2 s, not 30
    signing, jwks = _key_files(tmp_path, "k-1")
    token = tokens.TokenIssuer(str(signing), AUDIENCE, ISSUER).issue(USER, 1)
    verifier = tokens.TokenVerifier(str(jwks), AUDIENCE, (ISSUER,), 3600)
    assert verifier.verify(token) == USER
    assert verifier.verify(token) == USER  # from memory
    time.sleep(2.5)  # past the expiry and the clock skew allowed
    with pytest.raises(Unauthenticated) as refused:
        verifier.verify(token)
    assert refused.value.reason == "TOKEN_EXPIRED"


def test_a_removed_key_refuses_its_remembered_tokens_at_once(tmp_path: Path) -> None:
    signing, jwks = _key_files(tmp_path, "k-old")
    token = tokens.TokenIssuer(str(signing), AUDIENCE, ISSUER).issue(USER, 600)
    verifier = tokens.TokenVerifier(str(jwks), AUDIENCE, (ISSUER,), 3600)
    assert verifier.verify(token) == USER
    _key_files(tmp_path, "k-new")  # the JWKS now holds the new key alone
    with pytest.raises(Unauthenticated) as refused:
        verifier.verify(token)
    assert refused.value.reason == "TOKEN_KEY_UNKNOWN"
