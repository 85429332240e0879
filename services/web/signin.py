"""Who is looking at the page, and the cookies that remember it.

Two ways in (Settings.web_sign_in):

- ``proxy``: a reverse proxy (oauth2-proxy, say) authenticates the person and forwards
  ``Authorization: Bearer <token>`` on every request. The page passes the token on to the
  API, which verifies it; the page only reads whom it names, to say so.
- ``development``: with the embedded default keys only (``auto``), a form picks a directory
  user and the page signs a token for them with the local signing key, as
  ``connectability token --user`` does. The token lives in a signed, HttpOnly cookie.

Every POST carries a CSRF token: a random value in a SameSite=Strict cookie that the form
repeats (double submit); a POST whose two values differ is refused.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Literal

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import Settings
from shared.runtime.tokens import TokenIssuer, ensure_local_keys

log = logging.getLogger("connectability.web")

SESSION_COOKIE = "cm_session"
CSRF_COOKIE = "cm_csrf"
CSRF_FIELD = "csrf"
SECRET_FILE_NAME = "web-cookie-secret"

SignInMode = Literal["proxy", "development"]


def sign_in_mode(settings: Settings) -> SignInMode:
    """The configured mode; ``auto`` is development only with the embedded default keys."""
    if settings.web_sign_in != "auto":
        return settings.web_sign_in
    embedded = not settings.jwt_signing_key and not settings.jwt_public_keys
    return "development" if embedded else "proxy"


def cookie_secret(settings: Settings) -> str:
    """The configured secret, else one kept in the keys dir (made once), else a fresh one."""
    if settings.web_cookie_secret:
        return settings.web_cookie_secret
    path = settings.keys_dir / SECRET_FILE_NAME
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as secret_file:
                secret_file.write(secrets.token_urlsafe(32))
        return path.read_text().strip()
    except OSError:
        log.warning("no writable keys dir for the cookie secret; sign-ins end on restart")
        return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: their token, and whom it names (read, not verified: the API
    verifies it on every call)."""

    token: str
    user_id: str
    company_id: str


def viewer_of_token(token: str) -> Viewer | None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return Viewer(token, str(claims.get("sub", "")), str(claims.get("company_id", "")))


class Cookies:
    """Signs, reads and sets the page's cookies."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.mode = sign_in_mode(settings)
        self._serializer = URLSafeTimedSerializer(cookie_secret(settings), salt="cm-session")
        # Only the development sign-in signs tokens; behind a proxy the page holds no key.
        self._issuer: TokenIssuer | None = None
        if self.mode == "development":
            if not settings.jwt_public_keys and not settings.jwt_signing_key:
                ensure_local_keys(settings.keys_dir)  # the embedded default pair, as serve's
            self._issuer = TokenIssuer(
                settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer
            )

    @property
    def session_seconds(self) -> int:
        return min(self.settings.web_session_seconds, self.settings.jwt_max_token_lifetime_seconds)

    def viewer(self, request: Request) -> Viewer | None:
        header = request.headers.get("authorization", "")
        if self.mode == "proxy":
            scheme, _, token = header.partition(" ")
            return viewer_of_token(token.strip()) if scheme.lower() == "bearer" else None
        signed = request.cookies.get(SESSION_COOKIE, "")
        if not signed:
            return None
        try:
            token = self._serializer.loads(signed, max_age=self.session_seconds)
        except BadSignature:
            return None
        return viewer_of_token(str(token))

    def platform_token(self) -> str:
        """Development sign-in only: looks users up in the directory."""
        return self._signer().issue(Principal(PrincipalKind.PLATFORM, "accounts"), 60)

    def _signer(self) -> TokenIssuer:
        if self._issuer is None:
            raise PermissionError("only the development sign-in signs tokens")
        return self._issuer

    def sign_in(self, response: Response, user_id: str, company_id: str) -> None:
        token = self._signer().issue(
            Principal(PrincipalKind.USER, user_id, company_id), self.session_seconds
        )
        self._set(response, SESSION_COOKIE, self._serializer.dumps(token), "lax")

    def sign_out(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="lax", secure=self.settings.web_cookie_secure
        )

    def csrf_token(self, request: Request) -> str:
        """The request's CSRF value (a fresh one when it has none; ``remember_csrf`` sets it)."""
        existing = request.cookies.get(CSRF_COOKIE, "")
        if not existing:
            existing = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(24))
        return existing

    def remember_csrf(self, request: Request, response: Response) -> None:
        new = request.state.__dict__.get("new_csrf")
        if new:
            self._set(response, CSRF_COOKIE, new, "strict")

    def csrf_ok(self, request: Request, submitted: str) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie, submitted)

    def _set(self, response: Response, name: str, value: str, samesite: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=self.session_seconds,
            httponly=True,
            samesite=samesite,  # type: ignore[arg-type]
            secure=self.settings.web_cookie_secure,
            path="/",
        )
