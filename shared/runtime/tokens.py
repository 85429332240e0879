"""Bearer tokens: signed JWTs (PyJWT), verified against keys from configuration.

Our own tokens (the services', the platform's, integrators', `connectability token`) are
Ed25519-signed and carry our ``kind`` and ``company_id`` claims. Verification keys are a
JWKS document (inline JSON or a file path); the key is chosen by the token's ``kid`` header,
so several keys can be valid at once while one is rotated out. A file is re-read when it
changes, so a rotation needs no restart; so is the signing key file, so a process starts
signing with a new key as soon as the file is replaced. A file caught half written (or
briefly missing) keeps the keys last read, and is read again on the next call. No service
asks another for keys.

Tokens whose ``iss`` is the configured identity provider's are verified against that
provider's JWKS URL instead and name a person by a claim (shared/runtime/identity_provider.py).
Either way each key verifies the one algorithm of its type (RS256, ES256, EdDSA), never
the one a token's header asks for.
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

from shared.facts.errors import ErrorReason, Unauthenticated, Unavailable
from shared.facts.identity import (
    ClaimsError,
    Principal,
    PrincipalKind,
    principal_from_claims,
)
from shared.runtime.identity_provider import (
    IdentityProvider,
    KeysUnavailable,
    VerificationKey,
    usable_keys,
)

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


def _keys_by_id(document: str) -> dict[str, VerificationKey]:
    """The JWKS document's keys by ``kid``; an empty ``keys`` list trusts no key at all."""
    parsed = json.loads(document)
    if not isinstance(parsed, dict):
        raise ValueError("a JWKS is a JSON object")
    return usable_keys(parsed)


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


# The claims every token must carry, whoever issued it.
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``Unauthenticated``.

    Besides the signature and the audience, a token must come from a trusted issuer and
    claim a lifetime (``exp`` - ``iat``) of at most ``max_lifetime_seconds``. A token whose
    ``iss`` is ``provider``'s is verified against the provider's keys and names a person by
    the provider's user-id claim; any other is one of ours, verified against
    ``public_keys_source``.
    """

    def __init__(
        self,
        public_keys_source: str,
        audience: str,
        issuers: Sequence[str],
        max_lifetime_seconds: float,
        provider: IdentityProvider | None = None,
    ):
        self._keys = _ReloadingDocument(public_keys_source, _keys_by_id, "JWKS")
        self._audience = audience
        self._issuers = tuple(issuers)
        self._max_lifetime = max_lifetime_seconds
        self._provider = provider
        # Tokens verified already, with the key set that verified them (see ``verify``).
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._verified_with: dict[str, VerificationKey] | None = None
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The token's principal; a token verified before answers from memory.

        A client sends the same token with every call until it expires, and checking an
        Ed25519 signature and the claims again each time was a tenth of a fast read. A
        remembered token holds until its expiry (with the clock skew a fresh check allows),
        and every remembered token is forgotten as soon as the key set changes: a key
        removed in a rotation refuses its tokens at once. A provider's tokens are checked
        every time: its key set is refetched on a clock of its own (``JwksUrlKeys``).
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
        if expires_at is None:
            return principal
        with self._verified_lock:
            # Not if the key set changed meanwhile: the token was checked with the old one.
            if keys is self._verified_with:
                if len(self._verified) >= MAX_REMEMBERED_TOKENS:
                    self._verified = {}
                self._verified[token] = (principal, expires_at + CLOCK_SKEW_SECONDS)
        return principal

    def _verify(
        self, token: str, keys: dict[str, VerificationKey]
    ) -> tuple[Principal, float | None]:
        """The principal and until when it may be remembered (None: not at all)."""
        if not token:
            raise Unauthenticated(ErrorReason.TOKEN_MISSING, "A bearer token is required.")
        key_id, issuer = _unverified_key_id_and_issuer(token)
        provider = self._provider
        if provider is not None and issuer == provider.issuer:
            claims = _decode(
                token,
                _provider_key(provider, key_id),
                provider.audience,
                (provider.issuer,),
                [*_REQUIRED_CLAIMS, provider.user_id_claim],
            )
            self._check_lifetime(claims)
            return _person_of(claims, provider.user_id_claim), None
        if isinstance(issuer, str) and issuer not in self._issuers:
            raise _untrusted_issuer()
        key = keys.get(key_id)
        if key is None:
            raise _unknown_key()
        claims = _decode(token, key, self._audience, self._issuers, _REQUIRED_CLAIMS)
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


def _malformed(message: str = "The bearer token is malformed.") -> Unauthenticated:
    return Unauthenticated(ErrorReason.TOKEN_MALFORMED, message)


def _unknown_key() -> Unauthenticated:
    return Unauthenticated(
        ErrorReason.TOKEN_KEY_UNKNOWN, "The bearer token is signed with an unknown key."
    )


def _untrusted_issuer() -> Unauthenticated:
    return Unauthenticated(
        ErrorReason.TOKEN_ISSUER_UNTRUSTED, "The bearer token comes from an untrusted issuer."
    )


def _unverified_key_id_and_issuer(token: str) -> tuple[str, object]:
    """The header's ``kid`` (a string, else TOKEN_MALFORMED) and the unverified ``iss``,
    which only chooses whose keys verify the token (and is verified with them)."""
    try:
        # PyJWT refuses a non-string `kid` with InvalidTokenError, not DecodeError.
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise _malformed() from exc
    key_id = header.get("kid")
    if not isinstance(key_id, str):
        raise _malformed("The bearer token's header must name its key as a string.")
    return key_id, unverified.get("iss")


def _provider_key(provider: IdentityProvider, key_id: str) -> VerificationKey:
    try:
        key = provider.keys.key(key_id)
    except KeysUnavailable as exc:
        raise Unavailable(
            ErrorReason.TOKEN_KEYS_UNAVAILABLE,
            "The identity provider's signing keys cannot be fetched just now; retry shortly.",
        ) from exc
    if key is None:
        raise _unknown_key()
    return key


def _decode(
    token: str,
    key: VerificationKey,
    audience: str,
    issuers: Sequence[str],
    required: list[str],
) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key.key,
            # The key's own algorithm: a header asking for another (or `none`) is refused.
            algorithms=[key.algorithm],
            audience=audience,
            issuer=issuers,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": required},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(ErrorReason.TOKEN_EXPIRED, "The bearer token has expired.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise Unauthenticated(
            ErrorReason.TOKEN_NOT_YET_VALID, "The bearer token is not valid yet."
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated(
            ErrorReason.TOKEN_AUDIENCE_INVALID, "The bearer token is not meant for this system."
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise _untrusted_issuer() from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthenticated(
            ErrorReason.TOKEN_SIGNATURE_INVALID, "The bearer token's signature does not verify."
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthenticated(ErrorReason.TOKEN_CLAIMS_INVALID, f"The bearer token {exc}.") from exc
    except jwt.InvalidTokenError as exc:
        raise _malformed() from exc


# Directory user ids are at most this long (CreateUserRequest allows 64; ids are read up to 128).
MAX_USER_ID_LENGTH = 128


def _person_of(claims: dict[str, Any], user_id_claim: str) -> Principal:
    """An identity provider's token names a person and nothing else: ``kind``,
    ``company_id`` and any other claim of ours in it are ignored; the company is the
    directory's to say."""
    user_id = claims.get(user_id_claim)
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID_LENGTH:
        raise Unauthenticated(
            ErrorReason.TOKEN_CLAIMS_INVALID,
            f"The bearer token's {user_id_claim!r} claim must name a user "
            f"(text of 1 to {MAX_USER_ID_LENGTH} characters).",
        )
    return Principal(PrincipalKind.USER, user_id, from_identity_provider=True)


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
