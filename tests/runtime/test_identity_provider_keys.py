"""Verifying an identity provider's tokens against its JWKS URL, on a clock the test turns.

The provider is a real HTTP server (tests/fixtures/jwks_server.py) publishing RSA, EC and
Ed25519 keys; the verifier is the one the services run, with its key cache on a fake
clock, so rotation and refetch limits are shown without sleeping. Through the services'
gRPC stack: tests/security/test_identity_provider.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from cryptography.hazmat.primitives import serialization

from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import Settings
from shared.runtime.identity_provider import (
    KEYS_MAX_AGE_SECONDS,
    UNKNOWN_KEY_REFETCH_SECONDS,
    IdentityProvider,
    JwksUrlKeys,
    algorithm_of,
)
from shared.runtime.service_process import identity_provider
from shared.runtime.tokens import TokenVerifier
from tests.fixtures.identity import AUDIENCE, ISSUER, MAX_TOKEN_LIFETIME_SECONDS, SigningKeys
from tests.fixtures.jwks_server import (
    PROVIDER_AUDIENCE,
    PROVIDER_ISSUER,
    JwksServer,
    ProviderKey,
    new_key,
    serving_jwks,
    standard_claims,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def keys() -> dict[str, ProviderKey]:
    """One key per algorithm (RSA keys take a while to make: made once)."""
    return {
        name: new_key(algorithm)
        for name, algorithm in (
            ("rsa", "RS256"),
            ("rsa_next", "RS256"),
            ("ec", "ES256"),
            ("ed", "EdDSA"),
        )
    }


@pytest.fixture
def provider(keys: dict[str, ProviderKey]) -> Iterator[JwksServer]:
    with serving_jwks() as server:
        server.publish(keys["rsa"], keys["ec"], keys["ed"])
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


def verifier_for(
    server: JwksServer, clock: Clock, test_keys: SigningKeys, user_id_claim: str = "sub"
) -> TokenVerifier:
    return TokenVerifier(
        str(test_keys.jwks_path),
        AUDIENCE,
        (ISSUER,),
        MAX_TOKEN_LIFETIME_SECONDS,
        IdentityProvider(
            PROVIDER_ISSUER, PROVIDER_AUDIENCE, user_id_claim, JwksUrlKeys(server.url, clock)
        ),
    )


@pytest.fixture
def verifier(provider: JwksServer, clock: Clock, test_keys: SigningKeys) -> TokenVerifier:
    return verifier_for(provider, clock, test_keys)


def refusal(verifier: TokenVerifier, token: str) -> tuple[str, str]:
    with pytest.raises(DomainError) as refused:
        verifier.verify(token)
    return refused.value.code.name, refused.value.reason


PERSON = Principal(PrincipalKind.USER, "kc-1234", from_identity_provider=True)


@pytest.mark.parametrize("key_name", ["rsa", "ec", "ed"])
def test_a_token_with_only_standard_claims_names_a_person(
    verifier: TokenVerifier, keys: dict[str, ProviderKey], key_name: str
) -> None:
    assert verifier.verify(keys[key_name].sign(standard_claims("kc-1234"))) == PERSON


def test_our_claims_in_a_provider_token_count_for_nothing(
    verifier: TokenVerifier, keys: dict[str, ProviderKey]
) -> None:
    """Whatever a provider lets users put in their tokens, they are people, of no company
    the token could choose."""
    claims = {**standard_claims("kc-1234"), "kind": "platform", "company_id": "theirs"}
    assert verifier.verify(keys["rsa"].sign(claims)) == PERSON


def test_our_own_tokens_keep_working_beside_the_provider(
    verifier: TokenVerifier, test_keys: SigningKeys
) -> None:
    assert verifier.verify(test_keys.platform_token()) == Principal(
        PrincipalKind.PLATFORM, "accounts"
    )
    assert verifier.verify(test_keys.user_token("u-1", "c-1")).company_id == "c-1"


def test_the_user_id_claim_is_configurable(
    provider: JwksServer, clock: Clock, test_keys: SigningKeys, keys: dict[str, ProviderKey]
) -> None:
    verifier = verifier_for(provider, clock, test_keys, user_id_claim="oid")
    claims = {**standard_claims("opaque-pairwise-subject"), "oid": "kc-1234"}
    assert verifier.verify(keys["ec"].sign(claims)) == PERSON
    assert refusal(verifier, keys["ec"].sign(standard_claims("kc-1234"))) == (
        "UNAUTHENTICATED",
        "TOKEN_CLAIMS_INVALID",
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict[str, object], claims: dict[str, object], key: bytes) -> str:
    """A token PyJWT would refuse to make: HS256 keyed with a public key, or ``none``."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if header["alg"] == "none":
        return f"{signing_input}."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def test_the_algorithm_comes_from_the_key_not_from_the_header(
    verifier: TokenVerifier, keys: dict[str, ProviderKey]
) -> None:
    rsa = keys["rsa"]
    public_pem = rsa.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = standard_claims("kc-1234")
    confused = _hand_made({"alg": "HS256", "kid": rsa.key_id, "typ": "JWT"}, claims, public_pem)
    unsigned = _hand_made({"alg": "none", "kid": rsa.key_id, "typ": "JWT"}, claims, b"")
    # An EC-signed token presented under the RSA key's id.
    swapped = keys["ec"].sign(claims, kid=rsa.key_id)
    for token in (confused, unsigned, swapped):
        assert refusal(verifier, token)[0] == "UNAUTHENTICATED"
    assert refusal(verifier, swapped) == ("UNAUTHENTICATED", "TOKEN_MALFORMED")


def test_keys_of_no_signature_algorithm_are_never_used() -> None:
    assert algorithm_of({"kty": "RSA"}) == "RS256"
    assert algorithm_of({"kty": "RSA", "alg": "PS256"}) == "PS256"
    assert algorithm_of({"kty": "EC", "crv": "P-256"}) == "ES256"
    assert algorithm_of({"kty": "OKP", "crv": "Ed25519"}) == "EdDSA"
    for unusable in (
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "RSA", "alg": "HS256"},
        {"kty": "RSA", "alg": "none"},
        {"kty": "EC", "crv": "P-256", "alg": "RS256"},
        {"kty": "RSA", "use": "enc"},
        {"kty": "OKP", "crv": "X25519"},
    ):
        assert algorithm_of(unusable) is None, unusable


# The claims are made when the test runs, not when it is collected: a token made at
# collection may have expired by the time a long suite reaches it.
@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (
            partial(standard_claims, "kc-1234", issuer="https://elsewhere.example"),
            "TOKEN_ISSUER_UNTRUSTED",
        ),
        (partial(standard_claims, "kc-1234", audience="another-system"), "TOKEN_AUDIENCE_INVALID"),
        (partial(standard_claims, "kc-1234", issued_ago_seconds=600), "TOKEN_EXPIRED"),
        (partial(standard_claims, "kc-1234", ttl_seconds=2 * 86_400), "TOKEN_LIFETIME_TOO_LONG"),
        (partial(dict, iss=PROVIDER_ISSUER, aud=PROVIDER_AUDIENCE), "TOKEN_CLAIMS_INVALID"),
    ],
    ids=["wrong issuer", "wrong audience", "expired", "lives too long", "no exp, iat or sub"],
)
def test_tokens_that_should_not_pass(
    verifier: TokenVerifier,
    keys: dict[str, ProviderKey],
    claims: Callable[[], dict[str, object]],
    reason: str,
) -> None:
    assert refusal(verifier, keys["rsa"].sign(claims())) == ("UNAUTHENTICATED", reason)


def test_a_rotated_out_key_stops_verifying_within_five_minutes(
    verifier: TokenVerifier, provider: JwksServer, clock: Clock, keys: dict[str, ProviderKey]
) -> None:
    old, new = keys["rsa"], keys["rsa_next"]
    assert verifier.verify(old.sign(standard_claims("kc-1234"))) == PERSON
    assert provider.fetches == 1

    provider.publish(new, keys["ec"])  # the provider rotates the old key out
    clock.advance(KEYS_MAX_AGE_SECONDS - 1)
    # Still cached (tokens the provider issued before the rotation still pass for a while).
    assert verifier.verify(old.sign(standard_claims("kc-1234"))) == PERSON
    assert provider.fetches == 1

    clock.advance(1)
    assert refusal(verifier, old.sign(standard_claims("kc-1234"))) == (
        "UNAUTHENTICATED",
        "TOKEN_KEY_UNKNOWN",
    )
    assert verifier.verify(new.sign(standard_claims("kc-1234"))) == PERSON
    assert provider.fetches == 2


def test_an_unknown_key_id_fetches_the_keys_again_at_most_once_a_minute(
    verifier: TokenVerifier, provider: JwksServer, clock: Clock, keys: dict[str, ProviderKey]
) -> None:
    verifier.verify(keys["rsa"].sign(standard_claims("kc-1234")))
    clock.advance(1)
    # A new key rotated in: the first token under it fetches the set again and passes.
    provider.publish(keys["rsa"], keys["rsa_next"])
    assert verifier.verify(keys["rsa_next"].sign(standard_claims("kc-1234"))) == PERSON
    assert provider.fetches == 2

    # Made-up key ids, as many as anyone sends, fetch nothing for a minute ...
    made_up = keys["rsa"].sign(standard_claims("kc-1234"), kid="made-up")
    for _ in range(20):
        assert refusal(verifier, made_up) == ("UNAUTHENTICATED", "TOKEN_KEY_UNKNOWN")
        clock.advance(UNKNOWN_KEY_REFETCH_SECONDS / 20 - 0.01)
    assert provider.fetches == 2
    # ... then once, and not again within the next minute.
    clock.advance(1)
    for _ in range(5):
        refusal(verifier, made_up)
    assert provider.fetches == 3


def test_a_provider_down_is_survived_for_five_minutes_then_answers_unavailable(
    verifier: TokenVerifier, provider: JwksServer, clock: Clock, keys: dict[str, ProviderKey]
) -> None:
    token = keys["ec"].sign(standard_claims("kc-1234"))
    verifier.verify(token)
    provider.down = True
    clock.advance(KEYS_MAX_AGE_SECONDS - 1)
    assert verifier.verify(token) == PERSON
    clock.advance(1)
    assert refusal(verifier, token) == ("UNAVAILABLE", "TOKEN_KEYS_UNAVAILABLE")
    fetches = provider.fetches
    # Retried after a few seconds, not on every call.
    assert refusal(verifier, token) == ("UNAVAILABLE", "TOKEN_KEYS_UNAVAILABLE")
    assert provider.fetches == fetches
    provider.down = False
    clock.advance(5)
    assert verifier.verify(token) == PERSON


@pytest.mark.parametrize(
    "half",
    [{"jwt_provider_jwks_url": "https://id.example/certs"}, {"jwt_provider_issuer": "https://id"}],
    ids=["url without issuer", "issuer without url"],
)
def test_half_a_provider_stops_the_service_naming_both_settings(half: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="CONNECTABILITY_JWT_PROVIDER_JWKS_URL and"):
        Settings(**half)  # type: ignore[arg-type]


def test_the_services_verifier_follows_the_settings(provider: JwksServer) -> None:
    settings = Settings(
        jwt_provider_jwks_url=provider.url,
        jwt_provider_issuer=PROVIDER_ISSUER,
        jwt_provider_user_id_claim="preferred_username",
        jwt_audience=PROVIDER_AUDIENCE,
    )
    found = identity_provider(settings)
    assert found is not None
    assert (found.issuer, found.audience, found.user_id_claim, found.keys.url) == (
        PROVIDER_ISSUER,
        PROVIDER_AUDIENCE,
        "preferred_username",
        provider.url,
    )
    assert identity_provider(Settings()) is None


def test_a_provider_publishing_no_keys_trusts_none(
    verifier: TokenVerifier, provider: JwksServer, clock: Clock, keys: dict[str, ProviderKey]
) -> None:
    token = keys["rsa"].sign(standard_claims("kc-1234"))
    verifier.verify(token)
    provider.publish()
    # Seen by the next fetch, whichever asks for it: an unknown key id ...
    refusal(verifier, keys["ec"].sign(standard_claims("kc-1234"), kid="made-up"))
    assert refusal(verifier, token) == ("UNAUTHENTICATED", "TOKEN_KEY_UNKNOWN")
    # ... or age.
    provider.publish(keys["rsa"])
    clock.advance(KEYS_MAX_AGE_SECONDS)
    verifier.verify(token)
    provider.publish()
    clock.advance(KEYS_MAX_AGE_SECONDS)
    assert refusal(verifier, token) == ("UNAUTHENTICATED", "TOKEN_KEY_UNKNOWN")
