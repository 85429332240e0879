"""Persistence errors a caller should retry are answered UNAVAILABLE, not INTERNAL."""

from __future__ import annotations

import sqlite3

import grpc
from sqlalchemy.exc import OperationalError

from shared.runtime.error_translation import domain_error_for


def test_a_busy_sqlite_writer_is_unavailable_and_other_operational_errors_are_faults() -> None:
    busy = OperationalError("UPDATE …", {}, sqlite3.OperationalError("database is locked"))
    broken = OperationalError("UPDATE …", {}, sqlite3.OperationalError("disk I/O error"))

    refusal = domain_error_for(busy)

    assert refusal is not None
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.UNAVAILABLE, "DATABASE_BUSY")
    assert domain_error_for(broken) is None  # a real fault: INTERNAL with a request id
