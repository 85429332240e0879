"""Bearer tokens: Ed25519-signed JWTs (PyJWT), verified against keys from configuration.

Verification keys are a JWKS document (inline JSON or a file path); the key is chosen by the
token's ``kid`` header, so several keys can be valid at once while one is rotated out. A file
is re-read when it changes, so a rotation needs no restart; so is the signing key file, so a
process starts signing with a new key as soon as the file is replaced. A file caught half
written (or briefly missing) keeps the keys last read, and is read again on the next call.
No service asks another for keys.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shared.facts.errors import ErrorReason, Unauthenticated
from shared.facts.identity import ClaimsError, Principal, principal_from_claims

log = logging.getLogger("connectability.tokens")

ParsedT = TypeVar("ParsedT")

ALGORITHM = "EdDSA"
# Tolerated clock difference between the token's issuer and this process.
CLOCK_SKEW_SECONDS = 30
# Verified tokens remembered per process; past this many, they are all forgotten at once.
MAX_REMEMBERED_TOKENS = 10_000


def is_inline(source: str) -> bool:
    """Whether a key setting holds the document itself rather than a path to it."""
    return source.lstrip().startswith("{")


def _read_source(source: str) -> str:
    return source if is_inline(source) else Path(source).read_text()


def _file_version(path: str) -> tuple[int, int, int]:
    """Changes whenever the file is rewritten or replaced (nanosecond mtime, size, inode)."""
    status = os.stat(path)
    return status.st_mtime_ns, status.st_size, status.st_ino


def _keys_by_id(document: str) -> dict[str, jwt.PyJWK]:
    """The JWKS document's keys by ``kid``; an empty ``keys`` list trusts no key at all."""
    if not json.loads(document).get("keys"):
        return {}
    key_set = jwt.PyJWKSet.from_json(document)
    return {key.key_id: key for key in key_set.keys if key.key_id}


class _ReloadingDocument(Generic[ParsedT]):
    """What an inline document, or a file, says; a file is parsed again when it changes.

    A file caught half written (or briefly missing) keeps what was parsed last, and is
    tried again on the next use.
    """

    def __init__(self, source: str, parse: Callable[[str], ParsedT], what: str):
        self._source = source
        self._parse = parse
        self._what = what
        self._lock = threading.Lock()
        self._value = parse(_read_source(source))
        self._version = None if is_inline(source) else _file_version(source)

    def current(self) -> ParsedT:
        if self._version is None:
            return self._value
        try:
            version = _file_version(self._source)
            if version != self._version:
                with self._lock:
                    if version != self._version:
                        self._value = self._parse(Path(self._source).read_text())
                        self._version = version
        except (OSError, ValueError, jwt.PyJWKError, jwt.PyJWKSetError):
            log.warning(
                "cannot read the %s %s; keeping what was read last", self._what, self._source
            )
        return self._value


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``Unauthenticated``.

    Besides the signature and the audience, a token must come from a trusted issuer and
    claim a lifetime (``exp`` - ``iat``) of at most ``max_lifetime_seconds``.
    """

    def __init__(
        self,
        public_keys_source: str,
        audience: str,
        issuers: Sequence[str],
        max_lifetime_seconds: float,
    ):
        self._keys = _ReloadingDocument(public_keys_source, _keys_by_id, "JWKS")
        self._audience = audience
        self._issuers = tuple(issuers)
        self._max_lifetime = max_lifetime_seconds
        # Tokens verified already, with the key set that verified them (see ``verify``).
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._verified_with: dict[str, jwt.PyJWK] | None = None
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The token's principal; a token verified before answers from memory.

        A client sends the same token with every call until it expires, and checking an
        Ed25519 signature and the claims again each time was a tenth of a fast read. A
        remembered token holds until its expiry (with the clock skew a fresh check allows),
        and every remembered token is forgotten as soon as the key set changes: a key
        removed in a rotation refuses its tokens at once.
        """
        keys = self._keys.current()
        if keys is not self._verified_with:
            with self._verified_lock:
                if keys is not self._verified_with:
                    self._verified, self._verified_with = {}, keys
        remembered = self._verified.get(token)
        if remembered is not None and time.time() <= remembered[1]:
            return remembered[0]
        principal, expires_at = self._verify(token, keys)
        with self._verified_lock:
            # Not if the key set changed meanwhile: the token was checked with the old one.
            if keys is self._verified_with:
                if len(self._verified) >= MAX_REMEMBERED_TOKENS:
                    self._verified = {}
                self._verified[token] = (principal, expires_at + CLOCK_SKEW_SECONDS)
        return principal

    def _verify(self, token: str, keys: dict[str, jwt.PyJWK]) -> tuple[Principal, float]:
        if not token:
            raise Unauthenticated(ErrorReason.TOKEN_MISSING, "A bearer token is required.")
        try:
            # PyJWT refuses a non-string `kid` with InvalidTokenError, not DecodeError.
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_MALFORMED, "The bearer token is malformed."
            ) from exc
        key_id = header.get("kid")
        if not isinstance(key_id, str):
            raise Unauthenticated(
                ErrorReason.TOKEN_MALFORMED,
                "The bearer token's header must name its key as a string.",
            )
        key = keys.get(key_id)
        if key is None:
            raise Unauthenticated(
                ErrorReason.TOKEN_KEY_UNKNOWN, "The bearer token is signed with an unknown key."
            )
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuers,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_EXPIRED, "The bearer token has expired."
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_NOT_YET_VALID, "The bearer token is not valid yet."
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_AUDIENCE_INVALID, "The bearer token is not meant for this system."
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_ISSUER_UNTRUSTED,
                "The bearer token comes from an untrusted issuer.",
            ) from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_SIGNATURE_INVALID, "The bearer token's signature does not verify."
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_CLAIMS_INVALID, f"The bearer token {exc}."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_MALFORMED, "The bearer token is malformed."
            ) from exc
        self._check_lifetime(claims)
        try:
            return principal_from_claims(claims), float(int(claims["exp"]))
        except ClaimsError as exc:
            raise Unauthenticated(
                ErrorReason.TOKEN_CLAIMS_INVALID, f"Invalid token: {exc}."
            ) from exc

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        # PyJWT has checked that both convert to int (they may arrive as strings).
        issued_at, expires_at = int(claims["iat"]), int(claims["exp"])
        # Also bounded from now: a token may not claim to have been issued in the future.
        latest_expiry = time.time() + self._max_lifetime + CLOCK_SKEW_SECONDS
        if expires_at - issued_at > self._max_lifetime or expires_at > latest_expiry:
            raise Unauthenticated(
                ErrorReason.TOKEN_LIFETIME_TOO_LONG,
                f"The bearer token lives longer than the {int(self._max_lifetime)} seconds "
                "this system accepts.",
            )


def _signing_key(document: str) -> jwt.PyJWK:
    jwk = jwt.PyJWK(json.loads(document))
    if not jwk.key_id:
        raise ValueError("the signing key has no 'kid'")
    return jwk


class TokenIssuer:
    """Signs tokens with one private JWK (its ``kid`` goes into every token header).

    A key file is re-read when it changes: replacing it (atomically) rotates the key
    without a restart.
    """

    def __init__(self, signing_key_source: str, audience: str, issuer: str):
        self._jwk = _ReloadingDocument(signing_key_source, _signing_key, "signing key")
        self._audience = audience
        self._issuer = issuer

    @property
    def key_id(self) -> str:
        return str(self._jwk.current().key_id)

    def issue(self, principal: Principal, ttl_seconds: float, **extra: Any) -> str:
        jwk = self._jwk.current()
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
        return jwt.encode(claims, jwk.key, algorithm=ALGORITHM, headers={"kid": str(jwk.key_id)})


def generate_key_pair(key_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new Ed25519 key: (private JWK, public JWK), both carrying ``key_id``."""
    private_key = Ed25519PrivateKey.generate()
    private_jwk = json.loads(OKPAlgorithm.to_jwk(private_key))
    public_jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    for jwk_dict in (private_jwk, public_jwk):
        jwk_dict.update({"kid": key_id, "alg": ALGORITHM, "use": "sig"})
    return private_jwk, public_jwk


# The file names of a local key pair in a keys dir.
SIGNING_KEY_FILE = "signing-key.jwk"
JWKS_FILE = "jwks.json"


def local_keys_exist(keys_dir: Path) -> bool:
    return (keys_dir / SIGNING_KEY_FILE).exists() and (keys_dir / JWKS_FILE).exists()


def ensure_local_keys(keys_dir: Path) -> tuple[Path, Path]:
    """Create a key pair under ``keys_dir`` unless one is there already.

    Returns (signing key path, JWKS path). For embedded defaults and a deployment's one-shot
    key initialiser; keys of an identity provider come through configuration instead.
    """
    signing_path = keys_dir / SIGNING_KEY_FILE
    jwks_path = keys_dir / JWKS_FILE
    if local_keys_exist(keys_dir):
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
