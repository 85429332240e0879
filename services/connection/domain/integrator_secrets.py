"""Client secrets of integrator clients: made once, shown once, stored only as a hash.

A secret is 32 random bytes (256 bits) from ``secrets``, so no one guesses it; the hash
guards against a stolen database. It is salted scrypt (``hashlib.scrypt``, standard
library, memory-hard) with modest parameters, because the token exchange that checks it
is public and must stay cheap; the parameters are stored with each hash so they can be
raised later without invalidating existing secrets. Comparison is constant-time, and an
unknown client id costs the same hash as a wrong secret, so timing does not tell the two
apart either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "dcs_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_SCHEME = "scrypt"


def new_client_secret() -> str:
    """A fresh secret: recognisable prefix, 256 random bits, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r * p, dklen=_HASH_BYTES
    )


def hash_client_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt$hash``: everything needed to check the secret later."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(secret, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        (_SCHEME, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest))
    )


# Checked against when the client id is unknown, so that answer takes as long as a wrong secret.
_UNKNOWN_CLIENT_HASH = hash_client_secret(new_client_secret())


def client_secret_matches(secret: str, stored_hash: str | None) -> bool:
    """True when ``secret`` hashes to ``stored_hash``; None (no such client) never matches."""
    scheme, n, r, p, salt, digest = (stored_hash or _UNKNOWN_CLIENT_HASH).split("$")
    if scheme != _SCHEME:
        return False
    computed = _scrypt(secret, _unb64(salt), int(n), int(r), int(p))
    return hmac.compare_digest(computed, _unb64(digest)) and stored_hash is not None
