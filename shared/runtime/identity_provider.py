"""A standard identity provider (Keycloak, Auth0, Okta, Entra ID): keys from its JWKS URL.

Such a provider publishes its public keys at a JWKS URL and signs RS256 or ES256 (some
EdDSA); its tokens carry only standard claims (``iss``, ``sub``, ``aud``, ``exp``,
``iat``), never our ``kind`` or ``company_id``. So a token from it always names a person:
the user whose directory id is its ``sub`` (or the configured claim). Which company that
person belongs to is the connection service's directory's to say (``CallerCompanies``).

Keys are fetched with PyJWT's ``PyJWKClient`` (its HTTP fetch only; the caching is ours, on
an injectable clock):

- the key set fetched last is used for at most ``KEYS_MAX_AGE_SECONDS`` (5 minutes), so a
  key the provider rotates out stops verifying within 5 minutes;
- a token naming a ``kid`` the set lacks (the provider rotated a new key in) fetches the set
  again, at most once per ``UNKNOWN_KEY_REFETCH_SECONDS`` (a minute): tokens with made-up
  key ids cannot make us hammer the provider;
- a failed fetch keeps the set fetched last while it is young enough; once that is older
  than 5 minutes, calls answer ``UNAVAILABLE`` / ``TOKEN_KEYS_UNAVAILABLE`` and the fetch
  is tried again at most every ``FAILED_FETCH_RETRY_SECONDS``.

Each key's algorithm comes from the key itself (its type and curve), never from the token's
header: an RSA key verifies RS256 (or the RSA algorithm its JWK declares), a P-256 key
ES256, an Ed25519 key EdDSA. Symmetric keys and keys for encryption are ignored, so neither
``none`` nor an HMAC signed with a public key can pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

log = logging.getLogger("connectability.tokens")

KEYS_MAX_AGE_SECONDS = 300.0
UNKNOWN_KEY_REFETCH_SECONDS = 60.0
FAILED_FETCH_RETRY_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 5.0

# The algorithms each key type may verify; the first is used when the JWK names none.
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_OKP_CURVES = ("Ed25519", "Ed448")


def algorithm_of(jwk: Mapping[str, Any]) -> str | None:
    """The one algorithm a public JWK verifies, from its type and curve; None when it is no
    signature key we use (symmetric, for encryption, unknown type, or a declared ``alg``
    that does not fit the key)."""
    if jwk.get("use", "sig") != "sig":
        return None
    declared = jwk.get("alg")
    kty = jwk.get("kty")
    if kty == "RSA":
        allowed: tuple[str, ...] = _RSA_ALGORITHMS
    elif kty == "EC":
        curve_algorithm = _EC_ALGORITHMS.get(str(jwk.get("crv")))
        allowed = (curve_algorithm,) if curve_algorithm else ()
    elif kty == "OKP" and jwk.get("crv") in _OKP_CURVES:
        allowed = ("EdDSA",)
    else:
        return None
    if declared is None:
        return allowed[0] if allowed else None
    return declared if declared in allowed else None


@dataclass(frozen=True)
class VerificationKey:
    key: Any
    algorithm: str


def usable_keys(document: Mapping[str, Any]) -> dict[str, VerificationKey]:
    """A JWKS document's signature keys by ``kid``, each with its algorithm.

    Keys without a ``kid``, of a type we do not verify with, or that do not parse are left
    out (logged); an empty ``keys`` list trusts no key at all.
    """
    found: dict[str, VerificationKey] = {}
    for entry in document.get("keys") or ():
        if not isinstance(entry, Mapping):
            continue
        key_id, algorithm = entry.get("kid"), algorithm_of(entry)
        if not isinstance(key_id, str) or not key_id or algorithm is None:
            log.warning("ignoring a JWKS key without a kid or of no signature algorithm we use")
            continue
        try:
            parsed = jwt.PyJWK(dict(entry), algorithm=algorithm)
        except (jwt.PyJWKError, ValueError, TypeError):
            log.warning("ignoring the JWKS key %r: it does not parse", key_id)
            continue
        found[key_id] = VerificationKey(parsed.key, algorithm)
    return found


class KeysUnavailable(Exception):
    """The provider's keys could not be fetched and those held are too old to use."""


class JwksUrlKeys:
    """The keys published at a JWKS URL, cached on ``clock`` (see the module's rules).

    ``fetch`` answers the JWKS document as a dict; by default PyJWKClient's HTTP fetch.
    """

    def __init__(
        self,
        url: str,
        clock: Callable[[], float] = time.monotonic,
        fetch: Callable[[], Mapping[str, Any]] | None = None,
    ):
        self.url = url
        self._clock = clock
        if fetch is None:
            client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=FETCH_TIMEOUT_SECONDS)
            fetch = client.fetch_data
        self._fetch = fetch
        # Held by the call that fetches (and decides whether to); calls whose key is in a
        # young set never wait for it.
        self._fetching = threading.Lock()
        # The set held and the clock reading of its fetch, replaced as one.
        self._held: tuple[float, dict[str, VerificationKey]] | None = None
        # Clock readings of the last fetch an unknown key id asked for, and of the last
        # fetch that failed.
        self._unknown_key_fetch_at: float | None = None
        self._failed_at: float | None = None

    def key(self, key_id: str) -> VerificationKey | None:
        """The key named ``key_id``, or None when the provider does not publish it.

        Raises ``KeysUnavailable`` when no set young enough can be had.
        """
        held = self._young(self._clock())
        if held is not None and key_id in held:
            return held[key_id]
        with self._fetching:
            now = self._clock()
            held = self._young(now)
            stale = held is None
            if stale:
                self._refresh(now)
                held = self._young(now)
            if held is None:
                raise KeysUnavailable(self.url)
            # A set fetched just now is as new as another fetch would be.
            if key_id not in held and not stale and self._may_refetch_for_unknown_key(now):
                self._unknown_key_fetch_at = now
                self._refresh(now)
                refreshed = self._young(now)
                if refreshed is not None:
                    held = refreshed
            return held.get(key_id)

    def _young(self, now: float) -> dict[str, VerificationKey] | None:
        """The set held, if it was fetched less than ``KEYS_MAX_AGE_SECONDS`` ago."""
        held = self._held
        if held is None or now - held[0] >= KEYS_MAX_AGE_SECONDS:
            return None
        return held[1]

    def _may_refetch_for_unknown_key(self, now: float) -> bool:
        last = self._unknown_key_fetch_at
        return last is None or now - last >= UNKNOWN_KEY_REFETCH_SECONDS

    def _refresh(self, now: float) -> None:
        if self._failed_at is not None and now - self._failed_at < FAILED_FETCH_RETRY_SECONDS:
            return
        try:
            document = self._fetch()
            if not isinstance(document, Mapping):
                raise ValueError("the JWKS is not a JSON object")
            keys = usable_keys(document)
        except (jwt.PyJWKClientError, OSError, ValueError) as problem:
            self._failed_at = now
            log.warning("cannot fetch the identity provider's keys from %s: %s", self.url, problem)
            return
        self._held, self._failed_at = (now, keys), None


@dataclass(frozen=True)
class IdentityProvider:
    """Who the provider is (``iss``), whom its tokens are for (``aud``), which claim names
    the directory user, and where its keys are."""

    issuer: str
    audience: str
    user_id_claim: str
    keys: JwksUrlKeys
