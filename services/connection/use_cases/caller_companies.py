"""The company a calling person belongs to, as the directory says, not as the token says.

Tokens name a company (`company_id`), but the connection service owns the directory: a
validly signed token that names another company, or a user who does not exist, must not
open that company's users and projects (R27). So every user and integrator principal gets
the company of its user's directory row, or none when the user is unknown.

A token from the configured identity provider names no company at all (only standard
claims): its user gets the directory's company the same way, and a user the directory does
not know is refused outright (UNAUTHENTICATED / TOKEN_SUBJECT_UNKNOWN), since such a token
describes nobody this system serves.

Users never move between companies, so a known user's company is cached for good; an
unknown user is looked up again after a few seconds (it may be created meanwhile).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from services.connection.store.unit_of_work import ConnectionUnitOfWork
from shared.facts.errors import ErrorReason, Unauthenticated
from shared.facts.identity import Principal

# How long "no such user" is believed before the directory is asked again.
UNKNOWN_USER_SECONDS = 2.0
# Users remembered at once; the least recently used go first.
CACHED_USERS = 10_000


class CallerCompanies:
    def __init__(self, unit_of_work: Callable[[], ConnectionUnitOfWork]):
        self._uow = unit_of_work
        self._lock = threading.Lock()
        # user id -> (company id or "" for unknown, monotonic time it was read)
        self._companies: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def resolve(self, principal: Principal) -> Principal:
        """``principal`` with its user's directory company; services and the platform as
        they are."""
        if not principal.user_id:
            return principal
        company_id = self._company_of(principal.user_id)
        if not company_id and principal.from_identity_provider:
            raise Unauthenticated(
                ErrorReason.TOKEN_SUBJECT_UNKNOWN,
                f"The identity provider's user {principal.user_id[:64]!r} is not in the "
                "directory; the platform creates users with the id the provider gives them.",
            )
        if company_id == principal.company_id:
            return principal
        return replace(principal, company_id=company_id)

    def _company_of(self, user_id: str) -> str:
        now = time.monotonic()
        with self._lock:
            cached = self._companies.get(user_id)
            if cached is not None and (cached[0] or now - cached[1] < UNKNOWN_USER_SECONDS):
                self._companies.move_to_end(user_id)
                return cached[0]
        with self._uow() as uow:
            company_id = uow.directory.company_of_user(user_id)
        with self._lock:
            self._companies[user_id] = (company_id, now)
            self._companies.move_to_end(user_id)
            while len(self._companies) > CACHED_USERS:
                self._companies.popitem(last=False)
        return company_id
