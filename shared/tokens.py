"""Bearer tokens: Ed25519-signed JWTs (PyJWT), verified against keys from configuration.

Verification keys are a JWKS document (inline JSON or a file path); the key is chosen by the
token's ``kid`` header, so several keys can be valid at once while one is rotated out. A file
is re-read when it changes, so a rotation needs no restart. No service asks another for keys.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shared.errors import Reason, Unauthenticated
from shared.identity import ClaimsError, Principal, principal_from_claims

ALGORITHM = "EdDSA"
# Tolerated clock difference between the token's issuer and this process.
CLOCK_SKEW_SECONDS = 30


def _read_source(source: str) -> str:
    return source if source.lstrip().startswith("{") else Path(source).read_text()


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``Unauthenticated``."""

    def __init__(self, public_keys_source: str, audience: str):
        self._source = public_keys_source
        self._audience = audience
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        inline = self._source.lstrip().startswith("{")
        mtime = None if inline else os.stat(self._source).st_mtime
        if self._keys and mtime == self._loaded_mtime:
            return
        with self._lock:
            key_set = jwt.PyJWKSet.from_json(_read_source(self._source))
            self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
            self._loaded_mtime = mtime

    def verify(self, token: str) -> Principal:
        if not token:
            raise Unauthenticated(Reason.TOKEN_MISSING, "A bearer token is required.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise Unauthenticated(Reason.TOKEN_MALFORMED, "The bearer token is malformed.") from exc
        self._reload_if_changed()
        key = self._keys.get(str(header.get("kid", "")))
        if key is None:
            raise Unauthenticated(
                Reason.TOKEN_KEY_UNKNOWN, "The bearer token is signed with an unknown key."
            )
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated(Reason.TOKEN_EXPIRED, "The bearer token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthenticated(
                Reason.TOKEN_NOT_YET_VALID, "The bearer token is not valid yet."
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated(
                Reason.TOKEN_AUDIENCE_INVALID, "The bearer token is not meant for this system."
            ) from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthenticated(
                Reason.TOKEN_SIGNATURE_INVALID, "The bearer token's signature does not verify."
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(Reason.TOKEN_CLAIMS_INVALID, f"The bearer token {exc}.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(Reason.TOKEN_MALFORMED, "The bearer token is malformed.") from exc
        try:
            return principal_from_claims(claims)
        except ClaimsError as exc:
            raise Unauthenticated(Reason.TOKEN_CLAIMS_INVALID, f"Invalid token: {exc}.") from exc


class TokenIssuer:
    """Signs tokens with one private JWK (its ``kid`` goes into every token header)."""

    def __init__(self, signing_key_source: str, audience: str, issuer: str):
        self._jwk = jwt.PyJWK(json.loads(_read_source(signing_key_source)))
        if not self._jwk.key_id:
            raise ValueError("the signing key has no 'kid'")
        self._audience = audience
        self._issuer = issuer

    @property
    def key_id(self) -> str:
        return str(self._jwk.key_id)

    def issue(self, principal: Principal, ttl_seconds: float, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            **principal.to_claims(),
            **extra,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + int(ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._jwk.key, algorithm=ALGORITHM, headers={"kid": self.key_id})


def generate_key_pair(key_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new Ed25519 key: (private JWK, public JWK), both carrying ``key_id``."""
    private_key = Ed25519PrivateKey.generate()
    private_jwk = json.loads(OKPAlgorithm.to_jwk(private_key))
    public_jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    for jwk_dict in (private_jwk, public_jwk):
        jwk_dict.update({"kid": key_id, "alg": ALGORITHM, "use": "sig"})
    return private_jwk, public_jwk


def ensure_local_keys(keys_dir: Path) -> tuple[Path, Path]:
    """Create a development key pair under ``keys_dir`` unless one is there already.

    Returns (signing key path, JWKS path). Only for embedded defaults: production passes
    keys through configuration.
    """
    signing_path = keys_dir / "signing-key.jwk"
    jwks_path = keys_dir / "jwks.json"
    if signing_path.exists() and jwks_path.exists():
        return signing_path, jwks_path
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_jwk, public_jwk = generate_key_pair(f"local-{uuid.uuid4().hex[:8]}")
    # Write the private key readable by the owner only, atomically.
    tmp_signing = signing_path.with_suffix(".tmp")
    fd = os.open(tmp_signing, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(private_jwk, handle)
    tmp_jwks = jwks_path.with_suffix(".tmp")
    tmp_jwks.write_text(json.dumps({"keys": [public_jwk]}, indent=2))
    os.replace(tmp_signing, signing_path)
    os.replace(tmp_jwks, jwks_path)
    return signing_path, jwks_path
